"""When the analytics database is down: a clear error, back-off, and nothing lost."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from bot.analytics import AnalyticsUnavailable, SchemaMissing, follow, ingest_once, metrics
from bot.analytics.filters import Filters
from tests.analytics.conftest import Backend
from tests.analytics.support import SECRET, T0, Conversation, table_rows


def test_an_unreachable_analytics_database_raises_a_clear_error(
    backend: Backend, tracker_url: str, conversation: Callable[..., Conversation]
) -> None:
    conversation("someone").session().user("hi", "greet").save()
    url, _create = backend.later()  # never created
    with pytest.raises(AnalyticsUnavailable, match="analytics database unreachable"):
        ingest_once(tracker_url, url, secret=SECRET)


def test_an_unmigrated_analytics_database_says_to_migrate(backend: Backend, tracker_url: str) -> None:
    url, create = backend.later()
    create()
    with pytest.raises(SchemaMissing, match="bot migrate"):
        ingest_once(tracker_url, url, secret=SECRET)


def test_follow_backs_off_then_catches_up_without_losing_events(
    backend: Backend, tracker_url: str, conversation: Callable[..., Conversation],
    caplog: pytest.LogCaptureFixture,
) -> None:
    visitor = conversation("patient-visitor").session()
    visitor.user("first", "greet").save()
    url, create = backend.later()
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) == 5:
            create()  # the database comes back after five failed attempts
        if len(sleeps) == 6:
            visitor.user("second, while ingestion was running", "greet").save()

    with caplog.at_level(logging.ERROR, logger="bot.analytics.ingest"):
        follow(tracker_url, url, interval=2.0, secret=SECRET, migrate=True, sleep=sleep,
               stop=lambda: len(sleeps) >= 7)
    assert sleeps == [1, 2, 4, 8, 10, 2.0, 2.0]
    assert sum("analytics database unreachable" in r.getMessage() for r in caplog.records) == 5
    assert [t["text"] for t in sorted(table_rows(url, "turns"), key=lambda t: t["event_id"])] == [
        "first", "second, while ingestion was running"]


def test_follow_refreshes_the_dashboard_rollups_at_most_every_refresh_every_seconds(
    backend: Backend, tracker_url: str, conversation: Callable[..., Conversation],
) -> None:
    """A refresh recomputes whole days, so a busy day must not pay for one every pass."""
    url = backend.new()
    day = datetime.fromtimestamp(T0, tz=timezone.utc).date()
    now = [0.0]
    seen: list[int] = []
    arrivals = iter(range(1, 100))

    def conversations_on_the_dashboard() -> int:
        engine = sa.create_engine(url, future=True)
        try:
            with engine.connect() as connection:
                if not sa.inspect(connection).has_table("rollup_state"):
                    return 0
                return int(metrics.reach(connection, Filters(day, day))["all"]["conversations"])
        finally:
            engine.dispose()

    def sleep(seconds: float) -> None:
        seen.append(conversations_on_the_dashboard())
        now[0] += seconds
        if now[0] <= 14:  # a new visitor every pass for the first 14 s, then quiet
            conversation(f"visitor-{next(arrivals)}", start=T0 + now[0]).session() \
                .user("hello", "greet").save()

    conversation("visitor-0").session().user("hello", "greet").save()
    follow(tracker_url, url, interval=2.0, refresh_every=10.0, secret=SECRET, sleep=sleep,
           clock=lambda: now[0], stop=lambda: now[0] >= 40)
    # Refreshed on the first pass, then only when 10 s had passed since the last refresh,
    # and once more after the visitors stopped, though that pass ingested nothing new.
    assert seen == [1] * 5 + [6] * 5 + [8] * 10, seen
    engine = sa.create_engine(url, future=True)
    try:
        with engine.connect() as connection:
            assert connection.execute(sa.text("SELECT count(*) FROM conversations")).scalar() == 8
    finally:
        engine.dispose()
