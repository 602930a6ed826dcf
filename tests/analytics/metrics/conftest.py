"""A real analytics database per test, on SQLite and on PostgreSQL (``postgres`` marker).

SQLite: migrated once per session and copied (fast). PostgreSQL: a fresh schema in the
session's throwaway cluster (tests/postgres.py), migrated, and dropped after the test.
Every test that asks for ``engine``, ``db_url`` or ``new_database`` runs once per database.
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bot.storage.database import create_engine, upgrade
from tests.postgres import PostgresServer

#: Parameters of every database fixture here: each test runs on both.
DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]

NewDatabase = Callable[[], str]


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "analytics.db"
    engine = create_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # the last connection closing checkpoints the WAL into the file
    return path


def databases(kind: str, request: pytest.FixtureRequest, folder: Path,
              template: Path) -> Iterator[NewDatabase]:
    """A maker of new, migrated analytics databases of ``kind``; dropped when done."""
    counter = itertools.count()
    if kind == "sqlite":

        def new_sqlite() -> str:
            path = folder / f"analytics-{next(counter)}" / "analytics.db"
            path.parent.mkdir(parents=True)
            shutil.copy(template, path)
            return f"sqlite:///{path}"

        yield new_sqlite
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    schemas: list[str] = []

    def new_postgres() -> str:
        schemas.append(server.fresh_name())
        url = server.create_schema(schemas[-1])
        upgrade(url)
        return url

    try:
        yield new_postgres
    finally:
        for name in schemas:
            server.drop_schema(name)


@pytest.fixture(params=DATABASES)
def database_kind(request: pytest.FixtureRequest) -> str:
    """``sqlite`` or ``postgresql``: the database this run of the test uses."""
    kind: str = request.param
    return kind


@pytest.fixture()
def new_database(database_kind: str, request: pytest.FixtureRequest, tmp_path: Path,
                 migrated_template: Path) -> Iterator[NewDatabase]:
    """Call it for a new, migrated analytics database (URL) of the parametrised kind."""
    yield from databases(database_kind, request, tmp_path, migrated_template)


@pytest.fixture(scope="module", params=DATABASES)
def module_database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                    migrated_template: Path) -> Iterator[str]:
    """One new, migrated analytics database (URL) per module and database kind, for data
    that is costly to generate and only read by the tests."""
    folder = tmp_path_factory.mktemp("module")
    for new in databases(request.param, request, folder, migrated_template):
        yield new()


@pytest.fixture()
def db_url(new_database: NewDatabase) -> str:
    return new_database()


@pytest.fixture()
def engine(db_url: str) -> Iterator[Engine]:
    engine = create_engine(db_url)
    yield engine
    engine.dispose()
