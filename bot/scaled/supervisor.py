"""Start the scaled-out topology on one machine, in order, and stop it on Ctrl-C.

honcho starts everything at once; here the order matters. PostgreSQL and Redis must
accept connections (and the databases must exist) before Rasa, ingestion and the web
process start, and nginx opens the single entry point only once every server answers.
Each child runs in a session of its own, so a stop signal reaches its whole process
group; Ctrl-C stops them in reverse order. Output is prefixed with the child's name, as
honcho does.

A Rasa or action server that exits is reported and the rest carry on, as the
load balancer routes around it (that is the point of having two); if every Rasa server
has gone, or a single process such as PostgreSQL, Redis, nginx, ingestion or the web
process exits, everything stops with an error.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable, TextIO

from bot import settings
from bot.paths import PROJECT_ROOT
from bot.scaled import postgres
from bot.scaled.layout import RUN_FILE, Layout, write_run_file

BIN = Path(sys.executable).parent
NGINX = Path(settings.text("NGINX_BIN", "/usr/sbin/nginx"))
REDIS = Path(settings.text("REDIS_BIN", "/usr/bin/redis-server"))
STOP_GRACE_SECONDS = 30.0
#: CPU niceness of ingestion and purging: below the servers that answer visitors.
BACKGROUND_NICENESS = 10
#: nginx's unprivileged worker user when we are root.
NGINX_WORKER_USER = ("nobody", "nogroup")


class StartupError(RuntimeError):
    """Something did not come up; everything started so far has been stopped."""


@dataclass
class Child:
    name: str
    argv: list[str]
    env: dict[str, str]
    #: False for the replicas the load balancer can route around (Rasa and action servers).
    essential: bool = True
    stop_signal: signal.Signals = signal.SIGINT
    process: subprocess.Popen[bytes] | None = None
    reported: bool = False

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


@dataclass
class Supervisor:
    layout: Layout
    model: Path
    out: TextIO = field(default_factory=lambda: sys.stdout)
    startup_seconds: float = 600.0
    children: list[Child] = field(default_factory=list)
    _stopping: threading.Event = field(default_factory=threading.Event)
    _print_lock: threading.Lock = field(default_factory=threading.Lock)

    # -- output -------------------------------------------------------------------------

    def say(self, name: str, line: str) -> None:
        with self._print_lock:
            self.out.write(f"{datetime.now():%H:%M:%S} {name:<9} | {line}\n")
            self.out.flush()

    def _pump(self, child: Child) -> None:
        assert child.process is not None and child.process.stdout is not None
        for raw in child.process.stdout:
            self.say(child.name, raw.decode(errors="replace").rstrip())

    # -- processes ----------------------------------------------------------------------

    def start(self, child: Child) -> Child:
        self.say("run", f"starting {child.name}")
        child.process = subprocess.Popen(  # noqa: S603 - argv built here, no shell
            child.argv, cwd=PROJECT_ROOT, env=child.env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        threading.Thread(target=self._pump, args=(child,), daemon=True).start()
        self.children.append(child)
        return child

    def _check_started(self) -> None:
        for child in self.children:
            if not child.alive:
                code = child.process.returncode if child.process else None
                raise StartupError(f"{child.name} exited with code {code} while starting")

    def wait_for(self, what: str, ready: Callable[[], bool], deadline: float) -> None:
        while not ready():
            self._check_started()
            if self._stopping.is_set():
                raise StartupError("stopped while starting")
            if time.monotonic() > deadline:
                raise StartupError(f"{what} did not become ready in {self.startup_seconds:.0f} s")
            time.sleep(0.5)

    @staticmethod
    def answers(url: str) -> Callable[[], bool]:
        def check() -> bool:
            try:
                with urllib.request.urlopen(url, timeout=3) as response:  # noqa: S310 (loopback)
                    return bool(response.status == 200)
            except (urllib.error.URLError, OSError):
                return False
        return check

    def stop_child(self, child: Child) -> None:
        if child.process is None:
            return
        if child.alive:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(child.process.pid, child.stop_signal)
            try:
                child.process.wait(timeout=STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                self.say("run", f"{child.name} did not stop in {STOP_GRACE_SECONDS:.0f} s: killing it")
        # Whatever is left of its process group (children of a killed parent, say).
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.process.pid, signal.SIGKILL)
        child.process.wait()

    def stop_all(self) -> None:
        for child in reversed(self.children):
            if child.alive:
                self.say("run", f"stopping {child.name}")
            self.stop_child(child)
        (self.layout.root / RUN_FILE).unlink(missing_ok=True)

    # -- the topology -------------------------------------------------------------------

    def _env(self, **extra: str) -> dict[str, str]:
        env = dict(os.environ)
        env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
        env.update(self.layout.shared_env())
        env.update(extra)
        return env

    def _rasa_command(self, index: int) -> list[str]:
        layout = self.layout
        command = [str(BIN / "rasa"), "run", "--model", str(self.model), "-i", "127.0.0.1",
                   "--port", str(layout.rasa_ports[index]), "--endpoints", "endpoints.yml",
                   "--credentials", "credentials.yml",
                   "--cors", *layout.shared_env()["BOT_ALLOWED_ORIGINS"].split()]
        token = settings.text("RASA_API_TOKEN")
        if token:
            command += ["--enable-api", "--auth-token", token]
        if layout.rasa_cpus:
            command = ["taskset", "-c", layout.rasa_cpus[index % len(layout.rasa_cpus)], *command]
        return command

    def _prepare_files(self) -> None:
        layout = self.layout
        layout.root.mkdir(parents=True, exist_ok=True)
        layout.root.chmod(0o700 if os.geteuid() != 0 else 0o711)  # postgres must reach its data
        layout.redis_dir.mkdir(exist_ok=True)
        (layout.redis_dir / "redis.conf").write_text(layout.redis_config())
        (layout.redis_dir / "redis.conf").chmod(0o600)
        prefix = layout.nginx_prefix
        for sub in ("logs", "temp/body", "temp/proxy", "temp/fastcgi", "temp/uwsgi", "temp/scgi"):
            (prefix / sub).mkdir(parents=True, exist_ok=True)
        run_as = None
        if os.geteuid() == 0:
            run_as = " ".join(NGINX_WORKER_USER)
            for path in (prefix / "temp").rglob("*"):
                shutil.chown(path, *NGINX_WORKER_USER)
        (prefix / "nginx.conf").write_text(layout.nginx_config(run_as))

    def _migrate(self) -> None:
        result = subprocess.run(  # noqa: S603 - argv built here, no shell
            [str(BIN / "bot"), "migrate"], cwd=PROJECT_ROOT, env=self._env(),
            capture_output=True, text=True, timeout=300, check=False)
        for line in (result.stdout + result.stderr).splitlines():
            self.say("migrate", line)
        if result.returncode != 0:
            raise StartupError("could not migrate the analytics database")

    def bring_up(self) -> None:
        layout = self.layout
        deadline = time.monotonic() + self.startup_seconds
        self._prepare_files()
        if postgres.ensure_cluster(layout):
            self.say("run", f"created the PostgreSQL cluster in {layout.postgres_data}")
        database = self.start(Child("postgres", postgres.server_command(layout), self._env()))
        self.start(Child("redis", [str(REDIS), str(layout.redis_dir / "redis.conf")], self._env()))
        postgres.wait_until_ready(layout, max(1.0, deadline - time.monotonic()),
                                  alive=lambda: database.alive)
        postgres.ensure_databases(layout)
        self._migrate()

        for index, port in enumerate(layout.action_ports, start=1):
            self.start(Child(f"actions-{index}", [str(BIN / "rasa"), "run", "actions", "--port",
                                                  str(port), "--actions", "actions"],
                             self._env(SANIC_HOST="127.0.0.1"), essential=False))
        # Behind nginx: trust its X-Forwarded-For, so staff sign-in limits are per client
        # address, not one limit for everyone arriving through the proxy.
        self.start(Child("web", [str(BIN / "bot"), "web"], self._env(SANIC_PROXIES_COUNT="1")))
        for index in range(len(layout.rasa_ports)):
            self.start(Child(f"rasa-{index + 1}", self._rasa_command(index), self._env(),
                             essential=False))

        for port in layout.action_ports:
            self.wait_for(f"action server on {port}", self.answers(f"http://127.0.0.1:{port}/health"),
                          deadline)
        self.wait_for("web process", self.answers(f"http://127.0.0.1:{layout.web_port}/health"),
                      deadline)
        for index in range(len(layout.rasa_ports)):
            url = f"{layout.rasa_url(index)}/webhooks/rest/"
            self.wait_for(f"rasa-{index + 1}", self.answers(url), deadline)

        # The Rasa servers have created the tracker store's table: ingestion can read it.
        # Analytics can lag; replies cannot. Background work runs at a lower CPU priority,
        # so under full load it waits for the Rasa servers and catches up afterwards.
        self.start(Child("ingest", ["nice", "-n", str(BACKGROUND_NICENESS), str(BIN / "bot"),
                                    "ingest", "--follow"], self._env()))
        self.start(Child("purge", ["nice", "-n", str(BACKGROUND_NICENESS), "bash", "-c",
                                   "sleep 60; while true; do bot purge; sleep 86400; done"],
                         self._env()))
        # Plan reminders only where owners can be emailed (SMTP_URL and PLAN_EMAIL_KEY set):
        # one sender for the deployment, like ingestion, so nobody gets a reminder twice.
        if settings.smtp_url() and settings.plan_email_key():
            self.start(Child("reminders", ["nice", "-n", str(BACKGROUND_NICENESS), str(BIN / "bot"),
                                           "reminders"], self._env()))

        prefix = layout.nginx_prefix
        self.start(Child("nginx", [str(NGINX), "-p", str(prefix), "-c", str(prefix / "nginx.conf"),
                                   "-e", str(prefix / "logs" / "error.log"), "-g", "daemon off;"],
                         self._env(), stop_signal=signal.SIGQUIT))
        self.wait_for("nginx", self.answers(f"{layout.proxy_url}/health"), deadline)
        self._write_run_file()
        self.say("run", f"ready: {layout.proxy_url}/ (REST channel at "
                        f"{layout.proxy_url}/webhooks/rest/webhook); Ctrl-C stops everything")

    def _write_run_file(self) -> None:
        described = self.layout.describe()
        described["pids"] = {c.name: c.process.pid for c in self.children if c.process}
        write_run_file(self.layout.root, described)

    def watch(self) -> int:
        """Until Ctrl-C: report replicas that exit; stop everything if it cannot go on."""
        while not self._stopping.wait(0.5):
            for child in self.children:
                if child.alive or child.reported:
                    continue
                child.reported = True
                code = child.process.returncode if child.process else None
                if child.essential:
                    self.say("run", f"{child.name} exited with code {code}: stopping everything")
                    return 1
                self.say("run", f"{child.name} exited with code {code}; the others carry on")
            if not any(c.alive for c in self.children if c.name.startswith("rasa-")):
                self.say("run", "no Rasa server is left: stopping everything")
                return 1
        return 0

    def request_stop(self, *_: object) -> None:
        self._stopping.set()

    def run(self) -> int:
        signal.signal(signal.SIGINT, self.request_stop)
        signal.signal(signal.SIGTERM, self.request_stop)
        try:
            self.bring_up()
            return self.watch()
        except (StartupError, postgres.PostgresError) as error:
            self.say("run", f"could not start: {error}")
            return 1
        finally:
            self.stop_all()
            self.say("run", "stopped")
