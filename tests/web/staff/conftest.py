"""The real web process (``bot web``) on a free port, over a demo-data analytics database.

The database is filled once per test session by ``bot demo-data`` with a fixed seed;
accounts are made with ``bot staff add``. Tests read the same SQLite file with plain
``sqlite3`` to compute the figures they expect, independently of the dashboard's code.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest
import requests

from bench import procs
from bench.procs import Service
from bot.paths import PROJECT_ROOT

BIN = Path(sys.executable).parent
ROOT = PROJECT_ROOT
STARTUP_SECONDS = 120
SEED, TURNS, WEEKS = 7, 4000, 8
PASSWORD = "correct horse battery staple"  # noqa: S105 - throwaway test accounts
ADMIN, ANALYST, LOCKED = "admin.ada", "analyst.alan", "lock.target"


@dataclass
class Dashboard:
    url: str
    database: Path
    process: Service
    log: Path
    env: dict[str, str]

    def sql(self, statement: str, *params: object) -> list[tuple[object, ...]]:
        """Rows of a plain SQL query on the analytics database (read-only connection)."""
        connection = sqlite3.connect(f"file:{self.database}?mode=ro", uri=True)
        try:
            return list(connection.execute(statement, params))
        finally:
            connection.close()

    def sign_in(self, username: str, password: str = PASSWORD) -> requests.Session:
        """A plain HTTP session signed in through the real form (for status-code checks)."""
        session = requests.Session()
        form = session.get(f"{self.url}/staff/login", timeout=30)
        token = csrf_token(form.text)
        answer = session.post(f"{self.url}/staff/login", timeout=30, allow_redirects=False,
                              data={"csrf_token": token, "username": username, "password": password,
                                    "next": "/staff/"})
        assert answer.status_code == 302, answer.text
        return session


def csrf_token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "the page has no CSRF token field"
    return found.group(1)


def _run(*args: str, env: dict[str, str], stdin: str | None = None) -> None:
    subprocess.run([str(BIN / "bot"), *args], env=env, input=stdin, text=True, check=True,
                   capture_output=True, timeout=600)


@pytest.fixture(scope="session")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dashboard]:
    folder = tmp_path_factory.mktemp("staff-dashboard")
    database = folder / "analytics.db"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}",
           "TRACKER_STORE_URL": f"sqlite:///{folder / 'tracker.db'}",
           "WEB_HOST": "127.0.0.1", "STAFF_COOKIE_SECURE": "auto", "PYTHONUNBUFFERED": "1",
           # Every test signs in from 127.0.0.1: the per-address limit is tested on its own
           # (tests/web/staff/test_accounts.py), not left to trip the tests that follow.
           "STAFF_LOGIN_ADDRESS_ATTEMPTS": "1000"}
    _run("demo-data", "--turns", str(TURNS), "--seed", str(SEED), "--weeks", str(WEEKS), "--no-progress",
         env=env)
    for username, role in ((ADMIN, "admin"), (ANALYST, "analyst"), (LOCKED, "analyst")):
        _run("staff", "add", username, "--role", role, "--password-stdin", env=env, stdin=PASSWORD + "\n")
    process, url, log = start_web(env, folder / "web.log")
    try:
        yield Dashboard(url=url, database=database, process=process, log=log, env=env)
    finally:
        stop_web(process)


def start_web(env: dict[str, str], log: Path) -> tuple[Service, str, Path]:
    """``bot web`` with ``env`` on a new free port, once /health answers."""
    service, url = procs.start_web(env, log, startup=STARTUP_SECONDS)
    return service, url, log


def stop_web(service: Service) -> None:
    service.stop(grace=20)
