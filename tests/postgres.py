"""A throwaway PostgreSQL 15 cluster for the tests that need one (tests marked ``postgres``).

The cluster is created once per test session with ``initdb`` in a temporary directory and
started with ``pg_ctl`` on a free loopback port (run as the ``postgres`` OS user via
``runuser`` when we are root, since PostgreSQL refuses to run as root). Tests get a schema
of their own in one shared database (CREATE DATABASE costs half a second), or a database of
their own where that matters, and drop it afterwards. When the binaries are missing the
fixture FAILS rather than skips, so CI cannot pass without having run them; deselect the
tests on a laptop with ``-m "not postgres"``.

The ``postgres_server`` fixture is registered in tests/conftest.py, so tests/analytics and
tests/analytics/metrics share one cluster per session.
"""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


@dataclass
class PostgresServer:
    host: str
    port: int
    user: str = "postgres"
    #: Most tests get a schema of their own in this database: much faster than CREATE DATABASE.
    shared: str = "analytics_tests"
    #: How to run pg_ctl for this cluster: the command prefix and start arguments.
    pg_ctl: list[str] = field(default_factory=list)
    start_args: list[str] = field(default_factory=list)
    _names: Iterator[int] = field(default_factory=itertools.count)

    def stop(self) -> None:
        """Stop the server (fast shutdown), as an outage would."""
        _run([*self.pg_ctl, "-m", "fast", "-w", "stop"])

    def start(self) -> None:
        _run([*self.pg_ctl, *self.start_args])

    def url(self, database: str) -> str:
        return f"postgresql+psycopg2://{self.user}@{self.host}:{self.port}/{database}"

    def schema_url(self, schema: str) -> str:
        return f"{self.url(self.shared)}?options=-csearch_path%3D{schema}"

    def _admin(self, statement: str, database: str = "postgres") -> None:
        engine = sa.create_engine(self.url(database), isolation_level="AUTOCOMMIT", future=True)
        try:
            with engine.connect() as connection:
                connection.exec_driver_sql(statement)
        finally:
            engine.dispose()

    def fresh_name(self) -> str:
        return f"t_{os.getpid()}_{next(self._names)}_{uuid.uuid4().hex[:6]}"

    def create(self, name: str) -> str:
        self._admin(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop(self, name: str) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def create_schema(self, name: str) -> str:
        self._admin(f'CREATE SCHEMA "{name}"', self.shared)
        return self.schema_url(name)

    def drop_schema(self, name: str) -> None:
        self._admin(f'DROP SCHEMA IF EXISTS "{name}" CASCADE', self.shared)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _run(command: list[str], log: Path | None = None) -> None:
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    if result.returncode != 0:
        server_log = log.read_text(errors="replace") if log and log.exists() else ""
        pytest.fail(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}\n"
                    f"{result.stderr}\n{server_log}", pytrace=False)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    initdb, pg_ctl = PG_BIN / "initdb", PG_BIN / "pg_ctl"
    if not (initdb.exists() and pg_ctl.exists()):
        pytest.fail(
            f"PostgreSQL 15 server binaries not found in {PG_BIN} (set PG_BIN to another bin "
            "directory). Install them with `apt-get update && apt-get install -y postgresql-15` "
            "(Debian 12), or deselect these tests with -m 'not postgres'.",
            pytrace=False,
        )
    as_root = os.geteuid() == 0
    if as_root and shutil.which("runuser") is None:
        pytest.fail("running as root needs `runuser` (util-linux) to start PostgreSQL as the "
                    "postgres user", pytrace=False)
    root = Path(tempfile.mkdtemp(prefix="analytics-pg-"))
    prefix: list[str] = []
    if as_root:
        try:
            shutil.chown(root, "postgres", "postgres")
        except (LookupError, PermissionError) as error:
            shutil.rmtree(root, ignore_errors=True)
            pytest.fail(f"cannot hand {root} to the postgres OS user ({error}); the postgresql-15 "
                        "package creates that user", pytrace=False)
        prefix = ["runuser", "-u", "postgres", "--"]
    data, log, port = root / "data", root / "server.log", _free_port()
    try:
        _run([*prefix, str(initdb), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
              "--locale=C", "--no-sync"])
        options = (f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off")
        control = [*prefix, str(pg_ctl), "-D", str(data)]
        start_args = ["-l", str(log), "-o", options, "-w", "-t", "60", "start"]
        _run([*control, *start_args], log)
        server = PostgresServer("127.0.0.1", port, pg_ctl=control, start_args=start_args)
        server.create(server.shared)
        yield server
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run([*prefix, str(pg_ctl), "-D", str(data), "-m", "immediate", "-w", "stop"],
                           capture_output=True, timeout=60, check=False)
        shutil.rmtree(root, ignore_errors=True)
