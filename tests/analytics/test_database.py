"""The analytics database: engine settings, and migrations that match the models."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from bot.storage import database
from bot.storage.models import Base
from tests.analytics.conftest import Backend


def test_default_is_a_sqlite_file_in_var_created_with_wal_and_a_busy_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    default = tmp_path / "project" / "var" / "analytics.db"
    monkeypatch.setattr(database, "DEFAULT_ANALYTICS_PATH", default)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert database.analytics_url() == f"sqlite:///{default}"
    engine = database.create_engine()
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == database.BUSY_TIMEOUT_MS
    engine.dispose()
    assert default.exists()


def test_database_url_wins_and_postgres_urls_are_normalised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://user:pw@db.example:5432/analytics")
    assert database.analytics_url() == "postgresql://user:pw@db.example:5432/analytics"
    assert database.analytics_url("sqlite:////x.db") == "sqlite:////x.db"
    assert "pw" not in database.describe(database.analytics_url())
    assert database.create_engine().dialect.name == "postgresql"  # lazily: nothing connects


def test_the_tracker_engine_leaves_the_journal_mode_alone(tmp_path: Path) -> None:
    engine = database.tracker_engine(f"sqlite:///{tmp_path / 'tracker.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "delete"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == database.BUSY_TIMEOUT_MS
    engine.dispose()


def test_migrated_schema_matches_the_models(analytics_url: str) -> None:
    engine = database.create_engine(analytics_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                               "compare_server_default": True})
        assert compare_metadata(context, Base.metadata) == []
    engine.dispose()
    assert database.current_revision(analytics_url) == "0002"


def test_migrations_are_repeatable_and_reversible(backend: Backend) -> None:
    url, create = backend.later()  # a database of its own (PostgreSQL: default schema)
    create()
    assert database.current_revision(url) is None
    database.upgrade(url)
    database.upgrade(url)  # again: a no-op
    database.downgrade(url, "base")
    engine = database.create_engine(url)
    assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
    database.upgrade(url)
    assert database.current_revision(url) == "0002"
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    engine.dispose()


def test_every_model_index_is_created(analytics_url: str) -> None:
    engine = database.create_engine(analytics_url)
    inspector = sa.inspect(engine)
    for table in Base.metadata.sorted_tables:
        created = {index["name"] for index in inspector.get_indexes(table.name)}
        assert {index.name for index in table.indexes} <= created, table.name
    engine.dispose()


def test_rollup_tables_are_left_to_their_own_code(analytics_url: str) -> None:
    engine = database.create_engine(analytics_url)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE rollup_example (n INTEGER)")
    database.upgrade(analytics_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": database.migrated_name})
        assert compare_metadata(context, Base.metadata) == []
        assert "rollup_example" in sa.inspect(connection).get_table_names()
    engine.dispose()
