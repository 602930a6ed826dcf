"""Production shape: Rasa's tracker store and the analytics record both on PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from bot.analytics import ingest_once, purge
from tests.analytics.conftest import PostgresServer
from tests.analytics.support import ANALYTICS_TABLES, SECRET, T0, Conversation, table_rows

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_tracker(postgres_server: PostgresServer, domain: Any) -> Iterator[tuple[Any, str]]:
    from rasa.core.tracker_store import SQLTrackerStore

    name = postgres_server.fresh_name()
    url = postgres_server.create(name)
    store = SQLTrackerStore(domain=domain, dialect="postgresql", host=postgres_server.host,
                            port=postgres_server.port, db=name, username=postgres_server.user)
    yield store, url
    store.engine.dispose()
    postgres_server.drop(name)


def test_ingest_and_purge_from_a_postgresql_tracker_store(pg_tracker: tuple[Any, str],
                                                          analytics_url: str) -> None:
    store, tracker_url = pg_tracker
    visitor = Conversation(store, "pg-visitor", T0).session()
    visitor.user("email me at pg.person@example.com", "ask_backups").bot("...", topic="backups")
    visitor.bot("plan", plan=[{"topic": "backups", "action": "backups_automatic", "title": "t"}]).save()
    report = ingest_once(tracker_url, analytics_url, secret=SECRET)
    assert (report.turns, report.plan_items, report.skipped) == (1, 1, 0)
    [turn] = table_rows(analytics_url, "turns")
    assert (turn["text"], turn["topics"]) == ("email me at [EMAIL]", "backups")
    purged = purge(tracker_url, analytics_url, days=90)
    assert purged.events_deleted == report.last_event_id - 1 and purged.texts_cleared == 1


def test_concurrent_ingesters_never_double_count(pg_tracker: tuple[Any, str], backend: Any) -> None:
    store, tracker_url = pg_tracker
    for number in range(6):
        visitor = Conversation(store, f"visitor-{number}", T0 + number).session()
        for turn in range(4):
            visitor.user(f"question {turn}", "ask_backups").bot("...", topic="backups",
                                                                commitment={"topic": "backups",
                                                                            "action": f"a{turn}"})
        visitor.user("thanks", "feedback_helpful").save()
    reference = backend.new()
    ingest_once(tracker_url, reference, secret=SECRET)

    target = backend.new()
    errors: list[BaseException] = []

    def run() -> None:
        try:
            ingest_once(tracker_url, target, batch_size=5, secret=SECRET)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for table in ANALYTICS_TABLES:
        skip = ("id", "updated_at")
        assert table_rows(target, table, skip) == table_rows(reference, table, skip), table
