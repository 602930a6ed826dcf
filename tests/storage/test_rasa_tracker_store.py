"""The tracker store keeps what Rasa's SQL store keeps, and on PostgreSQL never stalls the loop.

Each test compares with Rasa's own ``SQLTrackerStore`` on the same table, so the rows and
trackers must be the same, and the stall test shows Rasa's store stalling where ours does not.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.paths import PROJECT_ROOT
from bot.storage.rasa_tracker_store import OffLoopSQLTrackerStore
from tests.loops import run
from tests.postgres import PostgresServer

ROOT = PROJECT_ROOT
T0 = 1_790_000_000.0
#: How long another connection holds the events table locked in the stall test.
HOLD_SECONDS = 1.0
TICK_SECONDS = 0.05


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


@pytest.fixture
def pg_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A database of its own on the test cluster, dropped afterwards."""
    name = postgres_server.fresh_name()
    yield postgres_server.create(name)
    postgres_server.drop(name)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'tracker.db'}"
    return str(request.getfixturevalue("pg_url"))


def _open_stores(url: str, domain: Domain) -> Iterator[tuple[OffLoopSQLTrackerStore, SQLTrackerStore]]:
    """Ours and Rasa's own store, on the same database."""
    ours = OffLoopSQLTrackerStore(domain=domain, host=url)
    rasas = SQLTrackerStore(domain=domain, host=url)
    yield ours, rasas
    ours.engine.dispose()
    rasas.engine.dispose()


@pytest.fixture
def stores(url: str, domain: Domain) -> Iterator[tuple[OffLoopSQLTrackerStore, SQLTrackerStore]]:
    yield from _open_stores(url, domain)


@pytest.fixture
def pg_stores(pg_url: str, domain: Domain) -> Iterator[tuple[OffLoopSQLTrackerStore, SQLTrackerStore]]:
    yield from _open_stores(pg_url, domain)


def _session(start: float, text: str) -> list[Any]:
    return [
        ActionExecuted("action_session_start", timestamp=start),
        SessionStarted(timestamp=start + 0.1),
        ActionExecuted("action_listen", timestamp=start + 0.2),
        UserUttered(text, {"name": "ask_backups", "confidence": 0.9},
                    parse_data={"intent": {"name": "ask_backups", "confidence": 0.9},
                                "entities": [], "text": text}, timestamp=start + 1),
        ActionExecuted("action_topic_answer", timestamp=start + 1.1),
        BotUttered("Keep a copy of your files somewhere else.", timestamp=start + 1.2),
        SlotSet("last_topic", "backups", timestamp=start + 1.3),
        ActionExecuted("action_listen", timestamp=start + 1.4),
    ]


def _tracker(sender: str, domain: Domain, events: list[Any]) -> DialogueStateTracker:
    return DialogueStateTracker.from_events(sender, events, domain.slots)


def _rows(url: str, sender: str) -> list[tuple[Any, ...]]:
    engine = sa.create_engine(url, future=True)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(sa.text(
                "select type_name, timestamp, intent_name, action_name, data from events "
                "where sender_id = :sender order by id"), {"sender": sender})]
    finally:
        engine.dispose()


def test_queries_leave_the_loop_only_on_postgresql(stores: Any, url: str) -> None:
    ours, _ = stores
    assert ours.off_loop is url.startswith("postgresql")


def test_saves_the_same_rows_as_rasas_store(stores: Any, url: str, domain: Domain) -> None:
    ours, rasas = stores
    events = _session(T0, "how do I back up?")
    run(ours.save(_tracker("ours", domain, events)))
    run(rasas.save(_tracker("rasas", domain, events)))
    assert len(_rows(url, "ours")) == len(events)
    assert _rows(url, "ours") == _rows(url, "rasas")


def test_a_second_save_appends_only_the_new_events(stores: Any, url: str, domain: Domain) -> None:
    ours, _ = stores
    first = _session(T0, "how do I back up?")
    run(ours.save(_tracker("amy", domain, first)))

    async def reply_again() -> None:
        tracker = await ours.retrieve("amy")
        assert tracker is not None
        tracker.update(UserUttered("and passwords?", {"name": "ask_passwords", "confidence": 0.8},
                                   timestamp=T0 + 5))
        tracker.update(ActionExecuted("action_listen", timestamp=T0 + 6))
        await ours.save(tracker)
        await ours.save(tracker)  # nothing new: nothing added

    run(reply_again())
    types = [row[0] for row in _rows(url, "amy")]
    assert len(types) == len(first) + 2
    assert types[-2:] == ["user", "action"]


def test_retrieves_what_rasas_store_retrieves(stores: Any, domain: Domain) -> None:
    ours, rasas = stores
    old = _session(T0, "first visit")
    new = _session(T0 + 3600, "second visit")
    run(rasas.save(_tracker("ben", domain, old + new)))

    latest = run(ours.retrieve("ben"))
    assert latest is not None
    assert latest.current_state() == run(rasas.retrieve("ben")).current_state()
    assert latest.latest_message.text == "second visit"
    assert len(latest.events) == len(new) - 1  # from the latest SessionStarted on

    full = run(ours.retrieve_full_tracker("ben"))
    assert full is not None and len(full.events) == len(old) + len(new)
    assert run(ours.retrieve("nobody")) is None


def test_a_loaded_later_session_saves_what_rasas_store_saves(stores: Any, url: str,
                                                             domain: Domain) -> None:
    """A tracker this store loaded appends after the rows it was loaded from, as Rasa's does."""
    ours, rasas = stores
    old, new = _session(T0, "first visit"), _session(T0 + 3600, "second visit")
    more = [UserUttered("and phishing?", {"name": "ask_phishing", "confidence": 0.7}, timestamp=T0 + 3700),
            ActionExecuted("action_listen", timestamp=T0 + 3701)]
    for store, sender in ((ours, "cat-ours"), (rasas, "cat-rasas")):
        run(rasas.save(_tracker(sender, domain, old + new)))

        async def continue_conversation(store: SQLTrackerStore = store, sender: str = sender) -> None:
            tracker = await store.retrieve(sender)
            assert tracker is not None
            for event in more:
                tracker.update(event)
            await store.save(tracker)

        run(continue_conversation())
    assert len(_rows(url, "cat-ours")) == len(old) + len(new) + len(more)
    assert [row[:4] for row in _rows(url, "cat-ours")] == [row[:4] for row in _rows(url, "cat-rasas")]


def test_a_sqlite_tracker_store_writes_ahead(tmp_path: Path, domain: Domain) -> None:
    """WAL: a commit does not wait for the disk, and readers do not block the writer."""
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    store = OffLoopSQLTrackerStore(domain=domain, host=url)
    try:
        run(store.save(_tracker("dan", domain, _session(T0, "is wifi safe?"))))
        with store.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        engine = sa.create_engine(url, future=True)
        with engine.connect() as other:
            assert other.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        engine.dispose()
    finally:
        store.engine.dispose()


def _ticks_during_save(store: SQLTrackerStore, url: str, tracker: DialogueStateTracker) -> int:
    """How often a concurrent task got to run while ``save`` waited for a locked table."""
    locked, done = threading.Event(), threading.Event()

    def hold_the_table() -> None:
        engine = sa.create_engine(url, future=True)
        try:
            with engine.begin() as connection:
                connection.exec_driver_sql("LOCK TABLE events IN ACCESS EXCLUSIVE MODE")
                locked.set()
                time.sleep(HOLD_SECONDS)
        finally:
            engine.dispose()
            done.set()

    async def save_while_ticking() -> int:
        ticks = 0
        saving = True

        async def tick() -> None:
            nonlocal ticks
            while saving:
                await asyncio.sleep(TICK_SECONDS)
                ticks += 1

        ticker = asyncio.create_task(tick())
        await asyncio.sleep(0)
        await store.save(tracker)
        saving = False
        await ticker
        return ticks

    holder = threading.Thread(target=hold_the_table)
    holder.start()
    assert locked.wait(10)
    try:
        return run(save_while_ticking())
    finally:
        holder.join()
        assert done.is_set()


@pytest.mark.postgres
def test_a_slow_database_does_not_stall_other_conversations(pg_stores: Any, pg_url: str,
                                                            domain: Domain) -> None:
    ours, rasas = pg_stores
    events = _session(T0, "is this safe?")
    started = time.monotonic()
    ticks_ours = _ticks_during_save(ours, pg_url, _tracker("ours", domain, events))
    assert time.monotonic() - started >= HOLD_SECONDS * 0.9  # the save really waited
    ticks_rasas = _ticks_during_save(rasas, pg_url, _tracker("rasas", domain, events))
    expected = HOLD_SECONDS / TICK_SECONDS
    assert ticks_ours >= expected * 0.5, "the loop stood still while ours saved"
    assert ticks_rasas <= 2, "Rasa's own store should stall the loop (the comparison)"
    assert len(_rows(pg_url, "ours")) == len(events)


@pytest.mark.postgres
def test_loading_a_conversation_opens_no_transaction(pg_stores: Any, domain: Domain) -> None:
    """One statement in autocommit: no BEGIN and ROLLBACK round trips around it."""
    ours, rasas = pg_stores
    run(rasas.save(_tracker("cy", domain, _session(T0, "hello"))))
    seen: list[tuple[str, bool]] = []

    def note(connection: Any, cursor: Any, statement: str, *_: Any) -> None:
        seen.append((statement.split()[0], cursor.connection.autocommit))

    for store in (ours, rasas):
        sa.event.listen(store.engine, "before_cursor_execute", note)
    assert run(ours.retrieve("cy")) is not None
    assert seen == [("SELECT", True)]
    seen.clear()
    assert run(rasas.retrieve("cy")) is not None
    assert seen == [("SELECT", False)]  # Rasa's store: inside BEGIN ... ROLLBACK


def test_recent_events_start_at_the_nth_latest_user_message(stores: Any, domain: Domain) -> None:
    ours, _ = stores
    events = _session(T0, "visit one") + _session(T0 + 3600, "visit two") \
        + _session(T0 + 7200, "visit three")
    run(ours.save(_tracker("cara", domain, events)))
    run(ours.save(_tracker("dev", domain, _session(T0, "someone else"))))

    two = run(ours.recent_events_async("cara", 2))
    # From "visit two" on, across the session boundary, and nothing of the other visitor.
    assert two[0] == UserUttered("visit two", {"name": "ask_backups", "confidence": 0.9},
                                 parse_data={"intent": {"name": "ask_backups", "confidence": 0.9},
                                             "entities": [], "text": "visit two"},
                                 timestamp=T0 + 3601).as_dict()
    assert [e["event"] for e in two] == ["user", "action", "bot", "slot", "action"] \
        + [e.type_name for e in _session(T0, "")]
    assert [e.get("text") for e in two if e["event"] == "user"] == ["visit two", "visit three"]
    assert len(run(ours.recent_events_async("cara", 10))) == len(events) - 3  # from the 1st user
    assert run(ours.recent_events_async("nobody", 10)) == []


def test_redelivery_finds_the_query_inside_rasas_wrapper_and_copes_without_it(
        stores: Any, domain: Domain) -> None:
    from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore

    from bot.channels.redelivery import RECENT_USER_MESSAGES, recent_events_of

    ours, _ = stores
    events = _session(T0, "visit one") + _session(T0 + 3600, "visit two")
    run(ours.save(_tracker("eve", domain, events)))
    # The Rasa server holds the configured store inside a FailSafeTrackerStore.
    assert run(recent_events_of(FailSafeTrackerStore(ours), "eve")) == \
        run(ours.recent_events_async("eve", RECENT_USER_MESSAGES))

    # Another store (Rasa's in-memory one) has no such query: the whole conversation is read.
    memory = InMemoryTrackerStore(domain)
    run(memory.save(_tracker("eve", domain, events)))
    whole = run(recent_events_of(FailSafeTrackerStore(memory), "eve"))
    assert [event["event"] for event in whole] == [event.type_name for event in events]
    assert [e["text"] for e in whole if e["event"] == "user"] == ["visit one", "visit two"]
    assert run(recent_events_of(FailSafeTrackerStore(memory), "nobody")) == []
