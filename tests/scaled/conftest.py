"""Start the scaled-out topology once for every test here, as `make run-scaled` does.

PostgreSQL, Redis, two Rasa servers, two action servers, the web process, ingestion and
nginx, all on free loopback ports with their data in a temporary directory.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
import sqlalchemy as sa

from bench.procs import base_env, interrupt
from bot.paths import PROJECT_ROOT
from bot.scaled.layout import free_port, read_run_file

# A throwaway Redis server for the lock store tests.
from tests.scaled.redis_server import redis_url  # noqa: F401

ROOT = PROJECT_ROOT
MODEL = ROOT / "models" / "sme-assistant.tar.gz"
BIN = Path(sys.executable).parent
STARTUP_SECONDS = 600
SECRET = "scaled-test-secret"  # noqa: S105 - HMAC key for throwaway test data
SCALED_DIR = Path(__file__).parent

#: Visitor tokens the REST channel gave each sender (bot/channels/visitor_token.py).
VISITOR_TOKENS: dict[str, str] = {}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SCALED_DIR in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.scaled)


@dataclass
class Scaled:
    process: subprocess.Popen[bytes]
    root: Path
    log: Path
    info: dict[str, Any]

    @property
    def proxy(self) -> str:
        return str(self.info["proxy"])

    @property
    def rasa(self) -> list[str]:
        return list(self.info["rasa"])

    def pid(self, name: str) -> int:
        return int(self.info["pids"][name])

    def send(self, sender: str, message: str, via: str | None = None,
             timeout: float = 120) -> list[dict[str, Any]]:
        """One message through the proxy (``via=None``) or straight to one Rasa server.

        Each message gets an id of its own, as the widget gives it (bot/channels/redelivery.py).
        """
        body = {"sender": sender, "message": message, "message_id": f"m-{uuid.uuid4().hex}"}
        if sender in VISITOR_TOKENS:  # the token the conversation's first reply gave
            body["visitor_token"] = VISITOR_TOKENS[sender]
        response = requests.post(f"{via or self.proxy}/webhooks/rest/webhook", json=body, timeout=timeout)
        assert response.status_code == 200, f"{response.status_code}: {response.text[:300]}"
        if response.headers.get("X-Visitor-Token"):
            VISITOR_TOKENS[sender] = response.headers["X-Visitor-Token"]
        body: list[dict[str, Any]] = response.json()
        return body

    def tracker(self) -> sa.engine.Engine:
        return sa.create_engine(self.info["tracker_store_url"], future=True)

    def analytics(self) -> sa.engine.Engine:
        return sa.create_engine(self.info["analytics_url"], future=True)


def start_scaled(name: str = "scaled", extra: list[str] | None = None) -> Scaled:
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make train` first")
    root = Path(tempfile.mkdtemp(prefix=f"{name}-"))
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    log = artifacts / f"{name}.log"
    env = base_env({"ANALYTICS_SECRET": SECRET, "BOT_ALLOWED_ORIGINS": ""})
    process = subprocess.Popen(
        [str(BIN / "bot"), "run-scaled", "--dir", str(root), "--proxy-port", str(free_port()),
         *(extra or [])],
        cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)
    described = read_run_file(root, lambda: process.poll() is None, STARTUP_SECONDS)
    if described is None:
        stop_scaled(process, root)
        pytest.fail(f"the scaled topology did not start; see {log}:\n"
                    + log.read_text(errors="replace")[-3000:], pytrace=False)
    return Scaled(process, root, log, described)


def stop_scaled(process: subprocess.Popen[bytes], root: Path, timeout: float = 120) -> int | None:
    """Ctrl-C, as a user would press it."""
    interrupt(process, timeout)
    shutil.rmtree(root, ignore_errors=True)
    return process.returncode


@pytest.fixture(scope="session")
def scaled() -> Iterator[Scaled]:
    running = start_scaled()
    yield running
    code = stop_scaled(running.process, running.root)
    assert code == 0, f"run-scaled exited with {code} on Ctrl-C; see {running.log}"
