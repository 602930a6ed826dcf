"""Start, watch and stop the servers a benchmark needs, and measure their memory.

Small equivalents of the helpers in ``tests/stack/conftest.py`` (which imports pytest
and fails tests, so it is not imported here). Every server runs in its own session,
so it can be stopped as a process group: SIGINT first, SIGKILL if it will not go.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from bot.paths import PROJECT_ROOT as ROOT
from bot.scaled.layout import free_port

BIN = Path(sys.executable).parent
LOG_DIR = ROOT / "build" / "bench-logs"


def base_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment `make` exports, with the venv first on PATH."""
    env = dict(os.environ)
    env.update({
        "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "PYTHONUNBUFFERED": "1",
    })
    env.pop("RASA_API_TOKEN", None)
    env.update(extra or {})
    return env


def stack_env(
    ports: dict[str, int], data: Path, secret: str, extra: dict[str, str] | None = None
) -> dict[str, str]:
    """What `make run` exports, for one stack on loopback ports with its stores in ``data``.

    Used by the latency benchmark and the stack tests, so both run the stack as users do.
    """
    return base_env({
        "RASA_PORT": str(ports["rasa"]),
        "RASA_INTERFACE": "127.0.0.1",
        "ACTION_PORT": str(ports["actions"]),
        "WEB_PORT": str(ports["web"]),
        "WEB_HOST": "127.0.0.1",
        "ACTION_SERVER_URL": f"http://127.0.0.1:{ports['actions']}/webhook",
        "BOT_ALLOWED_ORIGINS": f"http://127.0.0.1:{ports['web']}",
        # A fresh SQL tracker store and analytics database, as `make run` uses.
        "TRACKER_STORE_URL": f"sqlite:///{data / 'tracker.db'}",
        "LOCK_STORE_URL": "memory://",
        "DATABASE_URL": f"sqlite:///{data / 'analytics.db'}",
        "ANALYTICS_SECRET": secret,
        **(extra or {}),
    })


# ---- /proc -----------------------------------------------------------------

def _stat_fields(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name, or None if the process has gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rfind(")") + 2:].split()  # the command name may hold spaces and parens


def _stat(pid: int) -> tuple[int, int] | None:
    """(parent pid, session id) of a process, or None if it has gone."""
    fields = _stat_fields(pid)
    return None if fields is None else (int(fields[1]), int(fields[3]))


def cpu_ticks_of(pid: int) -> int:
    """CPU time (user + system, in clock ticks) a process has used so far; 0 if it has gone."""
    fields = _stat_fields(pid)
    return 0 if fields is None else int(fields[11]) + int(fields[12])


def process_table() -> dict[int, tuple[int, int]]:
    table: dict[int, tuple[int, int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            info = _stat(int(entry.name))
            if info is not None:
                table[int(entry.name)] = info
    return table


def descendants(root: int, table: dict[int, tuple[int, int]] | None = None) -> list[int]:
    """``root`` and every process below it."""
    table = process_table() if table is None else table
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        if pid in table:
            found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0  # gone, a zombie, or a kernel thread


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def stop_group(pgid: int, grace: float) -> None:
    """SIGINT a process group we do not own as a child; SIGKILL it after ``grace`` seconds."""
    if not group_alive(pgid):
        return
    signal_group(pgid, signal.SIGINT)
    deadline = time.monotonic() + grace
    while group_alive(pgid) and time.monotonic() < deadline:
        time.sleep(0.2)
    if group_alive(pgid):
        signal_group(pgid, signal.SIGKILL)


def interrupt(process: subprocess.Popen[bytes], timeout: float) -> bool:
    """Ctrl-C a child started in its own session, as a user would; SIGKILL its group if it
    has not stopped within ``timeout`` seconds. Returns whether it stopped by itself."""
    if process.poll() is not None:
        return True
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return False
    return True


# ---- services --------------------------------------------------------------

@dataclass
class Service:
    """A server started in its own session (its pid is its process group id)."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path
    #: process groups started below this one (honcho gives each Procfile entry its own session)
    child_groups: set[int] = field(default_factory=set)

    @classmethod
    def start(cls, name: str, argv: list[str], cwd: Path, env: dict[str, str],
              log: Path | None = None) -> Service:
        """Start ``argv``; its output goes to ``log`` (default: build/bench-logs/<name>.log)."""
        if log is None:
            LOG_DIR.mkdir(parents=True, exist_ok=True)
            log = LOG_DIR / f"{name}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, start_new_session=True)
        return cls(name, process, log)

    def alive(self) -> bool:
        return self.process.poll() is None

    def check(self) -> None:
        if not self.alive():
            raise RuntimeError(f"{self.name} exited with code {self.process.returncode}; "
                               f"see {self.log}")

    def wait_for(self, url: str, deadline: float) -> None:
        """Poll ``url`` until it answers 200, this service dies, or ``deadline`` passes."""
        while time.monotonic() < deadline:
            self.check()
            try:
                with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback)
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(1)
        raise TimeoutError(f"{url} did not answer in time; see {self.log}")

    def remember_children(self) -> None:
        table = process_table()
        own = self.process.pid
        for pid in descendants(own, table):
            session = table[pid][1]
            if session != own:
                self.child_groups.add(session)

    def memory(self) -> dict[str, int]:
        """VmRSS (KiB) summed over each process tree, keyed by ``label_for`` of the tree."""
        table = process_table()
        own = self.process.pid
        trees: dict[int, list[int]] = {}
        for pid in descendants(own, table):
            session = table[pid][1]
            trees.setdefault(session, []).append(pid)
        if set(trees) != {own}:  # a supervisor such as honcho: count its children only
            trees.pop(own, None)
        result: dict[str, int] = {}
        for pids in trees.values():
            label = label_for(" ; ".join(cmdline(pid) for pid in pids)) or self.name
            result[label] = result.get(label, 0) + sum(rss_kib(pid) for pid in pids)
        return result

    def stop(self, grace: float = 60) -> None:
        """Ctrl-C the group, as a user would; SIGKILL whatever is left after ``grace`` seconds."""
        if self.alive():
            self.remember_children()
            signal_group(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                signal_group(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if group_alive(self.process.pid):  # stragglers left in our own group
            signal_group(self.process.pid, signal.SIGKILL)
        for pgid in sorted(self.child_groups):
            stop_group(pgid, grace=10)


def start_web(env: dict[str, str], log: Path | None = None, startup: float = 180) -> tuple[Service, str]:
    """``bot web`` with ``env`` on a free loopback port, once its /health answers; and its URL."""
    port = free_port()
    service = Service.start("web", [str(BIN / "bot"), "web"], ROOT,
                            {**env, "WEB_HOST": "127.0.0.1", "WEB_PORT": str(port)}, log)
    url = f"http://127.0.0.1:{port}"
    try:
        service.wait_for(f"{url}/health", time.monotonic() + startup)
    except BaseException:
        service.stop(grace=20)
        raise
    return service, url


def label_for(commands: str) -> str:
    """Name a process tree of our stack after the Procfile entry it runs."""
    if "run actions" in commands:
        return "actions"
    if "bot web" in commands:
        return "web"
    if "rasa run" in commands:
        return "rasa"
    return ""
