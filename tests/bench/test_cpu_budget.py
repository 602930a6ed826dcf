"""The benchmark's CPU budget really caps a busy process, and leaves nothing behind."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.cpu_budget import BudgetError, CpuBudget, Hierarchy, ensure_available
from bench.procs import cpu_ticks_of

BUSY = "while True: pass"


def _cpu_seconds(pid: int) -> float:
    return cpu_ticks_of(pid) / os.sysconf("SC_CLK_TCK")


@pytest.fixture()
def hierarchy() -> Hierarchy:
    try:
        return ensure_available()
    except BudgetError as error:
        pytest.skip(f"CPU cgroups cannot be made here: {error}")


@pytest.fixture()
def busy_process() -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen([sys.executable, "-c", BUSY])  # noqa: S603 - fixed argv
    yield process
    process.kill()
    process.wait()


def test_a_capped_process_gets_its_share_and_no_more(
        hierarchy: Hierarchy, busy_process: subprocess.Popen[bytes]) -> None:
    with CpuBudget(0.2, name="sme-bench-test", hierarchy=hierarchy) as budget:
        group = budget.cap(busy_process.pid, "busy")
        assert str(busy_process.pid) in (group / "cgroup.procs").read_text().split()
        time.sleep(0.3)
        start_cpu, start = _cpu_seconds(busy_process.pid), time.monotonic()
        time.sleep(2.0)
        used = (_cpu_seconds(busy_process.pid) - start_cpu) / (time.monotonic() - start)
    # A spinning process would use a whole core (1.0) without the cap.
    assert 0.1 <= used <= 0.3, f"capped at 0.2 of a core, used {used:.2f}"


def test_release_frees_the_process_and_removes_the_cgroups(
        hierarchy: Hierarchy, busy_process: subprocess.Popen[bytes]) -> None:
    budget = CpuBudget(0.2, name="sme-bench-test", hierarchy=hierarchy)
    group = budget.cap(busy_process.pid, "busy")
    budget.release()
    assert not group.exists() and not budget.parent.exists()
    assert busy_process.poll() is None, "releasing the cap must not stop the process"
    start_cpu, start = _cpu_seconds(busy_process.pid), time.monotonic()
    time.sleep(1.0)
    used = (_cpu_seconds(busy_process.pid) - start_cpu) / (time.monotonic() - start)
    assert used > 0.5, f"after release the process should run freely, used {used:.2f}"


def test_a_share_outside_one_core_is_refused(tmp_path: Path) -> None:
    for share in (0.0, 1.5):
        with pytest.raises(ValueError, match="between 0.05 and 1.0"):
            CpuBudget(share, hierarchy=Hierarchy(tmp_path, 2))


def test_a_machine_without_a_cpu_controller_is_named(tmp_path: Path) -> None:
    with pytest.raises(BudgetError, match="no cgroup CPU controller"):
        Hierarchy.find(tmp_path)
    (tmp_path / "cgroup.controllers").write_text("memory pids\n")
    with pytest.raises(BudgetError, match="no cpu controller"):
        Hierarchy.find(tmp_path)
    (tmp_path / "cgroup.controllers").write_text("cpu memory pids\n")
    assert Hierarchy.find(tmp_path) == Hierarchy(tmp_path, 2)
