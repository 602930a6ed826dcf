"""When the analytics database is down: a clear error, back-off, and nothing lost."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from bot.analytics import AnalyticsUnavailable, SchemaMissing, follow, ingest_once
from tests.analytics.conftest import Backend
from tests.analytics.support import SECRET, Conversation, table_rows


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
