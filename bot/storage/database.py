"""Connecting to the analytics database and migrating it: the one place that knows how.

A laptop needs no set-up: without ``DATABASE_URL`` the record is a SQLite file,
``var/analytics.db`` under the project root. Production points ``DATABASE_URL`` at
PostgreSQL. SQLite connections get WAL mode and a busy timeout, so staff can run read
queries while the ingester writes, and a second writer waits instead of failing at once.

The schema is owned by the Alembic migrations in ``migrations/``; ``upgrade`` runs them
from Python so ``bot migrate`` and ``bot ingest`` need no ``alembic`` command line.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.engine.url import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

from bot import settings
from bot.paths import PROJECT_ROOT
from bot.storage.owner_only import owner_only_dir, prepare_sqlite

DEFAULT_ANALYTICS_PATH = PROJECT_ROOT / "var" / "analytics.db"
#: The help text of every command's ``--database-url`` option.
DATABASE_URL_HELP = "Analytics database URL (default: DATABASE_URL, else the SQLite file var/analytics.db)."
DEFAULT_TRACKER_PATH = PROJECT_ROOT / "var" / "tracker.db"
ALEMBIC_INI = PROJECT_ROOT / "alembic.ini"
MIGRATIONS = PROJECT_ROOT / "migrations"
#: How long a SQLite connection waits for another writer before giving up.
BUSY_TIMEOUT_MS = 10_000


def _normalise(url: str) -> str:
    # Hosting platforms hand out "postgres://" URLs, which SQLAlchemy 1.4 no longer accepts.
    if url.startswith("postgres://"):
        return "postgresql://" + url.removeprefix("postgres://")
    return url


def analytics_url(url: str | None = None) -> str:
    """The analytics database URL: the argument, else ``DATABASE_URL``, else the SQLite file."""
    chosen = url or settings.text("DATABASE_URL")
    if chosen:
        return _normalise(chosen)
    owner_only_dir(DEFAULT_ANALYTICS_PATH.parent)
    return f"sqlite:///{DEFAULT_ANALYTICS_PATH}"


def tracker_url(url: str | None = None) -> str:
    """Rasa's SQL tracker store: the argument, else ``TRACKER_STORE_URL``, else ``var/tracker.db``."""
    chosen = url or settings.text("TRACKER_STORE_URL")
    return _normalise(chosen) if chosen else f"sqlite:///{DEFAULT_TRACKER_PATH}"


def describe(url: str | URL) -> str:
    """The URL with any password hidden, for messages and logs."""
    return str(make_url(str(url)).render_as_string(hide_password=True))


def create_engine(url: str | None = None, *, wal: bool = True) -> Engine:
    """An engine for ``url`` (default: :func:`analytics_url`).

    ``wal=False`` is for databases this project does not own (Rasa's tracker store): WAL
    is a persistent property of a SQLite file, so we leave its journal mode alone and only
    set the per-connection busy timeout.
    """
    resolved = make_url(analytics_url(url))
    kwargs: dict[str, Any] = {"future": True}
    if resolved.get_backend_name() != "sqlite":
        kwargs["pool_pre_ping"] = True
    engine = sa.create_engine(resolved, **kwargs)
    if resolved.get_backend_name() == "sqlite":
        prepare_sqlite(str(resolved))  # owner-only before SQLite creates anything

        def sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                if wal:
                    cursor.execute("PRAGMA journal_mode = WAL")
            finally:
                cursor.close()

        sa.event.listen(engine, "connect", sqlite_pragmas)
    return engine


def tracker_engine(url: str | None = None) -> Engine:
    """An engine for Rasa's tracker store (see :func:`tracker_url`), journal mode untouched."""
    return create_engine(tracker_url(url), wal=False)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions bound to ``engine`` that keep loaded rows usable after commit."""
    return sessionmaker(bind=engine, future=True, expire_on_commit=False)


def migrated_name(name: str | None, type_: str, _parents: Any) -> bool:
    """Alembic's ``include_name``: leave out the rebuildable ``rollup_*`` tables, not ours."""
    return not (type_ == "table" and name is not None and name.startswith("rollup_"))


def _alembic_config(**attributes: Any) -> Any:
    from alembic.config import Config

    config = Config(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(MIGRATIONS))
    # Called from our own process: keep its logging set-up (env.py would replace it).
    config.attributes["configure_logger"] = False
    config.attributes.update(attributes)
    return config


def _migrate(direction: str, url: str | Engine | None, revision: str) -> None:
    """Run Alembic's upgrade or downgrade in one transaction on the analytics database."""
    from alembic import command

    engine = url if isinstance(url, Engine) else create_engine(url)
    try:
        with engine.begin() as connection:
            getattr(command, direction)(_alembic_config(connection=connection), revision)
    finally:
        if not isinstance(url, Engine):
            engine.dispose()


def upgrade(url: str | Engine | None = None, revision: str = "head") -> None:
    """Migrate the analytics database to ``revision``; a no-op when already there."""
    _migrate("upgrade", url, revision)


def downgrade(url: str | Engine | None = None, revision: str = "base") -> None:
    """Migrate the analytics database down to ``revision`` (for tests and rollbacks)."""
    _migrate("downgrade", url, revision)


def current_revision(url: str | Engine | None = None) -> str | None:
    """The revision the database is at, or None before the first migration."""
    from alembic.runtime.migration import MigrationContext

    engine = url if isinstance(url, Engine) else create_engine(url)
    try:
        with engine.connect() as connection:
            revision: str | None = MigrationContext.configure(connection).get_current_revision()
            return revision
    finally:
        if not isinstance(url, Engine):
            engine.dispose()
