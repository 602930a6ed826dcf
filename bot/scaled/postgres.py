"""The rehearsal's PostgreSQL cluster: created on first use, run in the foreground.

PostgreSQL refuses to run as root, so when we are root the server runs as the ``postgres``
OS user (made by Debian's postgresql package) through ``runuser``. Every connection needs
a password (scram-sha-256); the passwords are in the rehearsal's ``secrets.json``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Callable

import sqlalchemy as sa
from psycopg2 import sql

from bot import settings
from bot.scaled.layout import ANALYTICS_DB, APP_ROLE, LOOPBACK, TRACKER_DB, Layout

PG_BIN = Path(settings.text("PG_BIN", "/usr/lib/postgresql/15/bin"))
OS_USER = "postgres"


class PostgresError(RuntimeError):
    """The cluster could not be created or reached."""


def as_server_user() -> list[str]:
    """The command prefix that runs a PostgreSQL binary as a user it accepts."""
    if os.geteuid() != 0:
        return []
    if shutil.which("runuser") is None:
        raise PostgresError("running as root needs `runuser` (util-linux) to start PostgreSQL "
                            "as the postgres user")
    return ["runuser", "-u", OS_USER, "--"]


def _hand_over(path: Path) -> None:
    if os.geteuid() == 0:
        shutil.chown(path, OS_USER, OS_USER)


def ensure_cluster(layout: Layout) -> bool:
    """Create the cluster with ``initdb`` unless it exists; True if it was created now."""
    data = layout.postgres_data
    if (data / "PG_VERSION").exists():
        return False
    initdb = PG_BIN / "initdb"
    if not initdb.exists():
        raise PostgresError(f"{initdb} not found: install postgresql-15 "
                            "(apt-get install postgresql-15) or set PG_BIN")
    data.mkdir(parents=True, exist_ok=True)
    data.chmod(0o700)
    _hand_over(data)
    password_file = layout.root / ".initdb-password"
    password_file.write_text(layout.secrets.postgres_admin + "\n")
    password_file.chmod(0o600)
    _hand_over(password_file)
    try:
        result = subprocess.run(  # noqa: S603 - argv built here, no shell
            [*as_server_user(), str(initdb), "-D", str(data), "-U", "postgres",
             "-A", "scram-sha-256", f"--pwfile={password_file}", "-E", "UTF8", "--locale=C"],
            capture_output=True, text=True, timeout=300, check=False)
    finally:
        password_file.unlink(missing_ok=True)
    if result.returncode != 0:
        shutil.rmtree(data, ignore_errors=True)
        raise PostgresError(f"initdb failed:\n{result.stdout}\n{result.stderr}")
    return True


def server_command(layout: Layout) -> list[str]:
    """Run the server in the foreground, TCP on loopback only (no Unix socket)."""
    return [*as_server_user(), str(PG_BIN / "postgres"), "-D", str(layout.postgres_data),
            "-c", f"port={layout.postgres_port}", "-c", f"listen_addresses={LOOPBACK}",
            "-c", "unix_socket_directories=", "-c", "max_connections=200"]


def wait_until_ready(layout: Layout, seconds: float, alive: Callable[[], bool] | None = None) -> None:
    """Until PostgreSQL accepts the admin password, or ``alive()`` says the server died."""
    engine = sa.create_engine(layout.postgres_url("postgres", admin=True), future=True)
    deadline = time.monotonic() + seconds
    try:
        while True:
            try:
                with engine.connect() as connection:
                    connection.exec_driver_sql("select 1")
                return
            except sa.exc.OperationalError as error:
                if time.monotonic() > deadline:
                    raise PostgresError(f"PostgreSQL did not accept connections: {error}") from error
                if alive is not None and not alive():
                    raise PostgresError("PostgreSQL stopped while starting") from error
                time.sleep(0.5)
    finally:
        engine.dispose()


def ensure_databases(layout: Layout) -> None:
    """The application role and its two databases (tracker store, analytics), made idempotently."""
    engine = sa.create_engine(layout.postgres_url("postgres", admin=True), future=True,
                              isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            cursor = connection.connection.cursor()
            cursor.execute("select 1 from pg_roles where rolname = %s", (APP_ROLE,))
            verb = "ALTER" if cursor.fetchone() else "CREATE"
            cursor.execute(sql.SQL(verb + " ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier(APP_ROLE), sql.Literal(layout.secrets.postgres_app)))
            for name in (TRACKER_DB, ANALYTICS_DB):
                cursor.execute("select 1 from pg_database where datname = %s", (name,))
                if not cursor.fetchone():
                    cursor.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(
                        sql.Identifier(name), sql.Identifier(APP_ROLE)))
            cursor.close()
    finally:
        engine.dispose()
