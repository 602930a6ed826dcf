"""Real databases for the analytics tests: SQLite files and a throwaway PostgreSQL 15.

The PostgreSQL cluster (``postgres_server``) lives in tests/postgres.py and is shared
with tests/analytics/metrics: it is created once per test session. Each test gets its own
schema in one shared database (CREATE DATABASE costs half a second), or a database of its
own where that matters, dropped afterwards. Tests that need it are marked ``postgres``;
when the binaries are missing the fixture FAILS rather than skips, so CI cannot pass
without having run them. Deselect them on a laptop with ``-m "not postgres"``.

Tracker events are written by Rasa's own ``SQLTrackerStore`` (``support.Conversation``),
so the tests read exactly the rows Rasa writes.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.paths import PROJECT_ROOT
from bot.storage.database import upgrade
from tests.analytics.support import T0, Conversation
from tests.postgres import PostgresServer

__all__ = ["Backend", "PostgresServer"]



# ---- analytics databases, parametrised over both backends -------------------------------


@dataclass
class Backend:
    """Makes analytics databases of one kind: SQLite files, or PostgreSQL schemas/databases."""

    name: str
    empty: Callable[[], str]  # a new, empty database
    later: Callable[[], tuple[str, Callable[[], None]]]  # a URL that is unreachable until created

    def new(self) -> str:
        """A new, migrated analytics database."""
        url = self.empty()
        upgrade(url)
        return url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    counter = itertools.count()
    if request.param == "sqlite":

        def later_sqlite() -> tuple[str, Callable[[], None]]:
            folder = tmp_path / f"analytics-{next(counter)}"
            return f"sqlite:///{folder / 'analytics.db'}", lambda: folder.mkdir(parents=True)

        def empty_sqlite() -> str:
            url, create = later_sqlite()
            create()
            return url

        yield Backend("sqlite", empty_sqlite, later_sqlite)
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    databases: list[str] = []
    schemas: list[str] = []

    def empty_postgres() -> str:
        schemas.append(server.fresh_name())
        return server.create_schema(schemas[-1])

    def later_postgres() -> tuple[str, Callable[[], None]]:
        name = server.fresh_name()
        databases.append(name)

        def create() -> None:
            server.create(name)

        return server.url(name), create

    yield Backend("postgresql", empty_postgres, later_postgres)
    for name in databases:
        server.drop(name)
    for name in schemas:
        server.drop_schema(name)


@pytest.fixture
def analytics_url(backend: Backend) -> str:
    """A new, migrated analytics database on the parametrised backend."""
    return backend.new()


# ---- Rasa's tracker store ---------------------------------------------------------------


@pytest.fixture(scope="session")
def domain() -> Any:
    from rasa.shared.core.domain import Domain

    return Domain.load(str(PROJECT_ROOT / "domain.yml"))


@pytest.fixture
def tracker_path(tmp_path: Path) -> Path:
    return tmp_path / "tracker.db"


@pytest.fixture
def tracker_url(tracker_path: Path) -> str:
    return f"sqlite:///{tracker_path}"


@pytest.fixture
def tracker_store(domain: Any, tracker_path: Path) -> Iterator[Any]:
    from rasa.core.tracker_store import SQLTrackerStore

    store = SQLTrackerStore(domain=domain, dialect="sqlite", db=str(tracker_path))
    yield store
    store.engine.dispose()


@pytest.fixture
def conversation(tracker_store: Any) -> Callable[..., Conversation]:
    def start(sender_id: str, start: float = T0) -> Conversation:
        return Conversation(tracker_store, sender_id, start)

    return start
