"""Start the real stack (Rasa, action server, web) with honcho, as `make run` does."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import requests

from bench.procs import free_port, interrupt, stack_env
from bot.paths import PROJECT_ROOT

ROOT = PROJECT_ROOT
MODEL = ROOT / "models" / "sme-assistant.tar.gz"
BIN = Path(sys.executable).parent
STARTUP_SECONDS = 240
STACK_SECRET = "stack-test-secret"  # noqa: S105 - HMAC key for throwaway test data


def wait_for(url: str, process: subprocess.Popen[bytes], deadline: float) -> None:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"stack exited early with code {process.returncode}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(1)
    raise TimeoutError(f"{url} did not answer within {STARTUP_SECONDS}s")


class Stack:
    def __init__(
        self, ports: dict[str, int], process: subprocess.Popen[bytes], log: Path, data: Path
    ) -> None:
        self.ports = ports
        self.process = process
        self.log = log
        self.data = data
        #: Visitor tokens the REST channel gave each sender (bot/channels/visitor_token.py).
        self.tokens: dict[str, str] = {}

    @property
    def rasa(self) -> str:
        return f"http://127.0.0.1:{self.ports['rasa']}"

    @property
    def web(self) -> str:
        return f"http://127.0.0.1:{self.ports['web']}"

    def send(self, sender: str, message: Any) -> list[dict[str, Any]]:
        """One message as the widget sends it, with the sender's visitor token once it has one."""
        body: dict[str, Any] = {"sender": sender, "message": message}
        if sender in self.tokens:
            body["visitor_token"] = self.tokens[sender]
        response = requests.post(f"{self.rasa}/webhooks/rest/webhook", json=body, timeout=60)
        assert response.status_code == 200, response.text
        if response.headers.get("X-Visitor-Token"):
            self.tokens[sender] = response.headers["X-Visitor-Token"]
        body: list[dict[str, Any]] = response.json()
        return body


def start_stack(
    extra_env: dict[str, str] | None = None, name: str = "stack", data_dir: Path | None = None,
    ports: dict[str, int] | None = None,
) -> Stack:
    """Start the stack; pass ``ports`` when the environment must name them (e.g. CORS origins)."""
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make train` first")
    ports = ports or {"rasa": free_port(), "actions": free_port(), "web": free_port()}
    data = data_dir or Path(tempfile.mkdtemp(prefix=f"{name}-"))
    env = stack_env(ports, data, STACK_SECRET, extra_env)
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    log = artifacts / f"{name}.log"
    process = subprocess.Popen(
        [str(BIN / "honcho"), "start", "-f", "Procfile"], cwd=ROOT, env=env,
        stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True,
    )
    deadline = time.monotonic() + STARTUP_SECONDS
    try:
        wait_for(f"http://127.0.0.1:{ports['actions']}/health", process, deadline)
        wait_for(f"http://127.0.0.1:{ports['web']}/health", process, deadline)
        wait_for(f"http://127.0.0.1:{ports['rasa']}/webhooks/rest/", process, deadline)
    except Exception:
        stop_stack(process)
        raise
    return Stack(ports, process, log, data)


def stop_stack(process: subprocess.Popen[bytes], timeout: float = 60) -> int:
    """Ctrl-C, as a user would press it; returns the exit code (a stack that will not stop fails)."""
    if not interrupt(process, timeout):
        raise TimeoutError(f"the stack did not stop within {timeout:g} s of Ctrl-C")
    return process.returncode


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    running = start_stack()
    yield running
    stop_stack(running.process)


@pytest.fixture()
def sender() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture()
def say(stack: Stack, sender: str) -> Callable[[Any], list[dict[str, Any]]]:
    return lambda message: stack.send(sender, message)


def texts(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m.get("text", "") for m in messages if m.get("text"))


def customs(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m["custom"] for m in messages if isinstance(m.get("custom"), dict)]


def topics(messages: list[dict[str, Any]]) -> list[str]:
    return [c["topic"] for c in customs(messages) if "topic" in c]


def plan(messages: list[dict[str, Any]]) -> list[dict[str, str]] | None:
    for custom in customs(messages):
        if "plan" in custom:
            result: list[dict[str, str]] = custom["plan"]
            return result
    return None


def buttons(messages: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [b for m in messages for b in (m.get("buttons") or [])]
