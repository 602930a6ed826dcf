"""Cap a running process at a fraction of one core, with a Linux cgroup CPU quota.

The scaled-load benchmark asks whether a second Rasa server adds capacity. With each server
on a whole core of a two-core machine, the second server takes the core that the database,
proxy, action servers and load generator had to themselves, so the machine, not the software,
sets the figure. Giving every Rasa server the same fraction of its core (say half) leaves
room for the rest in both configurations, as separate machines would. This module does only
the capping: one cgroup per process, removed again on exit.

cgroup v2 (``cpu.max``) and v1 (``cpu.cfs_quota_us``) are both handled. It needs write
access to the cgroup file system, which usually means root.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass
from pathlib import Path

#: A short scheduling period, so a capped server waits at most a few ms for its next slice
#: rather than the kernel's default 100 ms, which would show up as latency spikes.
PERIOD_US = 10_000
CGROUP_ROOT = Path("/sys/fs/cgroup")


class BudgetError(RuntimeError):
    """The machine cannot cap CPU this way (no cgroup CPU controller, or no permission)."""


@dataclass(frozen=True)
class Hierarchy:
    """Where CPU cgroups live on this machine and which file format they use."""

    base: Path
    version: int

    @classmethod
    def find(cls, root: Path = CGROUP_ROOT) -> Hierarchy:
        controllers = root / "cgroup.controllers"
        if controllers.exists():
            if "cpu" not in controllers.read_text().split():
                raise BudgetError(f"the cgroup v2 hierarchy at {root} has no cpu controller")
            return cls(root, 2)
        for name in ("cpu", "cpu,cpuacct"):
            if (root / name / "cpu.cfs_quota_us").exists():
                return cls(root / name, 1)
        raise BudgetError(f"no cgroup CPU controller found under {root}")


def check_share(share: float) -> float:
    """A share is a fraction of one core: too small a quota starves a server outright."""
    if not 0.05 <= share <= 1.0:
        raise ValueError("share must be between 0.05 and 1.0 of a core")
    return share


def ensure_available(root: Path = CGROUP_ROOT) -> Hierarchy:
    """Fail early, with the reason, if CPU cgroups cannot be made here."""
    hierarchy = Hierarchy.find(root)
    probe = hierarchy.base / f"sme-bench-probe-{os.getpid()}"
    try:
        probe.mkdir()
    except OSError as error:
        raise BudgetError(f"cannot create cgroups under {hierarchy.base} ({error}); "
                          "run as root or give write access to it") from error
    probe.rmdir()
    return hierarchy


class CpuBudget:
    """One cgroup per capped process, each limited to ``share`` of one core."""

    def __init__(self, share: float, name: str = "sme-bench",
                 hierarchy: Hierarchy | None = None) -> None:
        self.share = check_share(share)
        self.hierarchy = hierarchy or Hierarchy.find()
        self.parent = self.hierarchy.base / f"{name}-{os.getpid()}"
        self.groups: list[Path] = []

    def cap(self, pid: int, label: str) -> Path:
        """Move process ``pid`` (all its threads, and children it starts later) under a quota."""
        group = self.parent / label
        quota = max(1000, round(self.share * PERIOD_US))
        try:
            if self.hierarchy.version == 2 and not self.parent.exists():
                self.parent.mkdir()
                (self.parent / "cgroup.subtree_control").write_text("+cpu")
            group.mkdir(parents=True, exist_ok=True)
            if self.hierarchy.version == 2:
                (group / "cpu.max").write_text(f"{quota} {PERIOD_US}")
            else:
                (group / "cpu.cfs_period_us").write_text(str(PERIOD_US))
                (group / "cpu.cfs_quota_us").write_text(str(quota))
            (group / "cgroup.procs").write_text(str(pid))
        except OSError as error:
            raise BudgetError(f"could not cap process {pid} in {group}: {error}") from error
        self.groups.append(group)
        return group

    def release(self) -> None:
        """Move any process still capped back to the root group and remove the cgroups."""
        root_procs = self.hierarchy.base / "cgroup.procs"
        for group in reversed(self.groups):
            for pid in _read_pids(group):
                with contextlib.suppress(OSError):  # the process ended meanwhile
                    root_procs.write_text(str(pid))
            _rmdir_when_empty(group)
        self.groups.clear()
        _rmdir_when_empty(self.parent)

    def __enter__(self) -> CpuBudget:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _read_pids(group: Path) -> list[int]:
    try:
        return [int(line) for line in (group / "cgroup.procs").read_text().split()]
    except OSError:
        return []


def _rmdir_when_empty(group: Path, wait: float = 2.0) -> None:
    """Remove a cgroup; the kernel refuses while an exiting process is still counted in it."""
    deadline = time.monotonic() + wait
    while group.exists():
        try:
            group.rmdir()
            return
        except OSError:
            if time.monotonic() > deadline:
                return
            time.sleep(0.05)
