"""What runs where in the scaled-out rehearsal: ports, addresses, URLs and secrets.

Plain data, no processes: ``bot/scaled/supervisor.py`` starts what this describes, and the
tests and the load benchmark read the same description back from ``run.json``.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from bot import settings

LOOPBACK = "127.0.0.1"
APP_ROLE = "assistant"
TRACKER_DB = "tracker"
ANALYTICS_DB = "analytics"
#: Written under the run directory once every process answers; removed when all stop.
RUN_FILE = "run.json"


def write_run_file(root: Path, described: dict[str, Any]) -> None:
    """Write ``run.json`` beside a partial copy and move it into place in one step.

    Readers poll for the file, so they must never see it half written. Mode 0600: it
    holds the stores' passwords.
    """
    path = root / RUN_FILE
    partial = path.with_suffix(".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as out:
        json.dump(described, out, indent=2)
    os.replace(partial, path)


def read_run_file(root: Path, running: Callable[[], bool], timeout: float) -> dict[str, Any] | None:
    """The description ``bot run-scaled`` writes into ``root`` once the topology answers.

    None if ``running()`` turns false or ``timeout`` seconds pass first. The file is
    written by ``write_run_file``, so a file that exists is complete.
    """
    path = root / RUN_FILE
    deadline = time.monotonic() + timeout
    while not path.exists():
        if not running() or time.monotonic() > deadline:
            return None
        time.sleep(0.5)
    described: dict[str, Any] = json.loads(path.read_text())
    return described


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


@dataclass
class Secrets:
    """Passwords made on first use and kept in ``secrets.json`` (mode 0600)."""

    postgres_admin: str
    postgres_app: str
    redis: str

    @classmethod
    def load_or_create(cls, path: Path) -> Secrets:
        if path.exists():
            return cls(**json.loads(path.read_text()))
        made = cls(*(secrets.token_urlsafe(24) for _ in range(3)))
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as out:
            json.dump(asdict(made), out)
        return made


@dataclass
class Layout:
    """Every address of one rehearsal. Internal ports are free loopback ports, chosen per run."""

    root: Path
    proxy_port: int
    rasa_ports: list[int]
    action_ports: list[int]
    web_port: int
    actions_proxy_port: int
    postgres_port: int
    redis_port: int
    secrets: Secrets
    rasa_cpus: list[str] = field(default_factory=list)

    @classmethod
    def create(cls, root: Path, proxy_port: int, rasa_servers: int = 2, action_servers: int = 2,
               rasa_cpus: list[str] | None = None) -> Layout:
        root = root.resolve()
        return cls(
            root=root, proxy_port=proxy_port,
            rasa_ports=[free_port() for _ in range(rasa_servers)],
            action_ports=[free_port() for _ in range(action_servers)],
            web_port=free_port(), actions_proxy_port=free_port(),
            postgres_port=free_port(), redis_port=free_port(),
            secrets=Secrets.load_or_create(root / "secrets.json"),
            rasa_cpus=list(rasa_cpus or []),
        )

    # -- places -----------------------------------------------------------------------

    @property
    def postgres_data(self) -> Path:
        return self.root / "postgres"

    @property
    def redis_dir(self) -> Path:
        return self.root / "redis"

    @property
    def nginx_prefix(self) -> Path:
        return self.root / "nginx"

    # -- addresses ----------------------------------------------------------------------

    @property
    def proxy_url(self) -> str:
        return f"http://{LOOPBACK}:{self.proxy_port}"

    def rasa_url(self, index: int) -> str:
        return f"http://{LOOPBACK}:{self.rasa_ports[index]}"

    def postgres_url(self, database: str, admin: bool = False) -> str:
        user, password = ("postgres", self.secrets.postgres_admin) if admin else (
            APP_ROLE, self.secrets.postgres_app)
        return (f"postgresql+psycopg2://{user}:{quote(password, safe='')}@{LOOPBACK}:"
                f"{self.postgres_port}/{database}")

    @property
    def tracker_store_url(self) -> str:
        return self.postgres_url(TRACKER_DB)

    @property
    def analytics_url(self) -> str:
        return self.postgres_url(ANALYTICS_DB)

    @property
    def lock_store_url(self) -> str:
        return f"redis://:{quote(self.secrets.redis, safe='')}@{LOOPBACK}:{self.redis_port}/0"

    @property
    def action_server_url(self) -> str:
        return f"http://{LOOPBACK}:{self.actions_proxy_port}/webhook"

    def shared_env(self) -> dict[str, str]:
        """What every process of the rehearsal is told about the shared stores."""
        origins = settings.text("BOT_ALLOWED_ORIGINS").split()
        for origin in (self.proxy_url, f"http://localhost:{self.proxy_port}"):
            if origin not in origins:
                origins.append(origin)
        return {
            "TRACKER_STORE_URL": self.tracker_store_url,
            "LOCK_STORE_URL": self.lock_store_url,
            "DATABASE_URL": self.analytics_url,
            "ACTION_SERVER_URL": self.action_server_url,
            "BOT_ALLOWED_ORIGINS": " ".join(origins),
            # The demo page's widget reaches Rasa through the proxy, on the page's own origin.
            "BOT_PUBLIC_URL": settings.text("BOT_PUBLIC_URL") or self.proxy_url,
            "WEB_HOST": LOOPBACK,
            "WEB_PORT": str(self.web_port),
            "RASA_TELEMETRY_ENABLED": "false",
            "PYTHONUNBUFFERED": "1",
        }

    # -- files --------------------------------------------------------------------------

    def nginx_config(self, run_as: str | None = None) -> str:
        from bot.scaled.nginx import Site, rehearsal_config

        site = Site(
            rasa_servers=[f"{LOOPBACK}:{port}" for port in self.rasa_ports],
            web_servers=[f"{LOOPBACK}:{self.web_port}"],
            listen=f"{LOOPBACK}:{self.proxy_port}",
            action_servers=[f"{LOOPBACK}:{port}" for port in self.action_ports],
            actions_listen=f"{LOOPBACK}:{self.actions_proxy_port}",
            server_name="localhost",
        )
        return rehearsal_config(site, str(self.nginx_prefix), run_as)

    def redis_config(self) -> str:
        return "\n".join([
            f"bind {LOOPBACK}",
            f"port {self.redis_port}",
            "protected-mode yes",
            f"requirepass {self.secrets.redis}",
            # Locks live for seconds: nothing to keep across restarts.
            'save ""',
            "appendonly no",
            f"dir {self.redis_dir}",
            'logfile ""',
            "",
        ])

    def describe(self) -> dict[str, object]:
        """``run.json``: what tests, the benchmark and a curious operator need to find things."""
        return {
            "proxy": self.proxy_url,
            "rasa": [self.rasa_url(i) for i in range(len(self.rasa_ports))],
            "actions": [f"http://{LOOPBACK}:{port}" for port in self.action_ports],
            "web": f"http://{LOOPBACK}:{self.web_port}",
            "tracker_store_url": self.tracker_store_url,
            "analytics_url": self.analytics_url,
            "lock_store_url": self.lock_store_url,
            "postgres_port": self.postgres_port,
            "redis_port": self.redis_port,
        }
