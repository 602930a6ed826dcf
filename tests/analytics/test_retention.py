"""Retention: old, ingested tracker events and old message texts go; counts stay."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from bot.analytics import ingest_once, purge
from bot.checks import history
from bot.checks.findings import CheckResult, Finding
from bot.privacy.pseudonyms import visitor_key
from tests.analytics.support import SECRET, T0, Conversation, table_rows

NOW = datetime.fromtimestamp(T0, tz=timezone.utc) + timedelta(days=120)
OLD = T0  # 120 days before NOW
RECENT = (NOW - timedelta(days=10)).timestamp()


def event_ids(tracker_url: str) -> list[int]:
    engine = sa.create_engine(tracker_url, future=True)
    with engine.connect() as connection:
        ids = [row[0] for row in connection.exec_driver_sql("SELECT id FROM events ORDER BY id")]
    engine.dispose()
    return ids


def test_purge_deletes_only_old_ingested_events_and_blanks_old_texts(
    conversation: Callable[..., Conversation], tracker_url: str, analytics_url: str
) -> None:
    conversation("old-visitor", OLD).session().user("old question", "ask_backups").bot("...").save()
    conversation("new-visitor", RECENT).session().user("new question", "ask_phishing").save()
    checkpoint = ingest_once(tracker_url, analytics_url, secret=SECRET).last_event_id
    # Old events that arrive after ingestion (a clock skew, a late save) must wait for it.
    conversation("late-visitor", OLD + 60).session().user("late question", "greet").save()
    before = event_ids(tracker_url)

    report = purge(tracker_url, analytics_url, days=90, now=NOW)
    after = event_ids(tracker_url)

    old_ingested = [i for i in before if i <= checkpoint][:6]  # old-visitor's six events
    assert report.events_deleted == len(old_ingested) == 6
    assert sorted(set(before) - set(after)) == old_ingested
    assert all(i in after for i in before if i > checkpoint)  # not ingested yet: kept
    assert report.texts_cleared == 1
    texts = {t["intent"]: t["text"] for t in table_rows(analytics_url, "turns")}
    assert texts == {"ask_backups": None, "ask_phishing": "new question"}
    assert report.cutoff == NOW - timedelta(days=90)

    again = purge(tracker_url, analytics_url, days=90, now=NOW)
    assert (again.events_deleted, again.texts_cleared) == (0, 0)

    # Once ingested, the late old events go too.
    ingest_once(tracker_url, analytics_url, secret=SECRET)
    assert purge(tracker_url, analytics_url, days=90, now=NOW).events_deleted > 0


def test_the_newest_event_is_kept_so_sqlite_never_reuses_ids(
    conversation: Callable[..., Conversation], tracker_url: str, analytics_url: str
) -> None:
    visitor = conversation("quiet-visitor", OLD).session().user("hello", "greet").save()
    ingest_once(tracker_url, analytics_url, secret=SECRET)
    newest = event_ids(tracker_url)[-1]
    report = purge(tracker_url, analytics_url, days=90, now=NOW)
    assert event_ids(tracker_url) == [newest] and report.events_deleted == newest - 1

    # The visitor comes back: Rasa's new rows get ids above the checkpoint and are ingested.
    visitor.at(RECENT).session().user("back again", "greet").save()
    assert min(event_ids(tracker_url)) == newest
    later = ingest_once(tracker_url, analytics_url, secret=SECRET)
    assert later.turns == 1 and later.skipped == 0
    [conversation_row] = [c for c in table_rows(analytics_url, "conversations") if c["is_returning"]]
    assert conversation_row["user_turns"] == 1


def test_purge_without_ingestion_deletes_nothing_from_the_tracker(
    conversation: Callable[..., Conversation], tracker_url: str, analytics_url: str
) -> None:
    conversation("someone", OLD).session().user("hi", "greet").save()
    before = event_ids(tracker_url)
    assert purge(tracker_url, analytics_url, days=90, now=NOW).events_deleted == 0
    assert event_ids(tracker_url) == before


def test_retention_days_come_from_the_environment(tracker_url: str, analytics_url: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RETENTION_DAYS", "200")
    assert purge(tracker_url, analytics_url, now=NOW).cutoff == NOW - timedelta(days=200)
    monkeypatch.setenv("RETENTION_DAYS", "soon")
    with pytest.raises(ValueError, match="RETENTION_DAYS"):
        purge(tracker_url, analytics_url, now=NOW)


def test_check_results_go_with_the_conversation_they_were_kept_beside(
    conversation: Callable[..., Conversation], tracker_url: str, analytics_url: str
) -> None:
    conversation("old-checker", OLD).session().user("check my website", "greet").save()
    conversation("still-here", RECENT).session().user("check my website", "greet").save()
    conversation("erased", RECENT).session().user("check my website", "greet").save()
    conversation("last-one", RECENT + 60).session().user("hello", "greet").save()
    ingest_once(tracker_url, analytics_url, secret=SECRET)
    analytics = sa.create_engine(analytics_url, future=True)
    run = CheckResult("website", "checked", findings=(Finding("https", "pass", "HTTPS works."),))
    recent = (NOW - timedelta(days=10)).replace(tzinfo=None)
    history.record(analytics, visitor_key("old-checker", SECRET), "t" * 64, run,
                   at=datetime.fromtimestamp(OLD, tz=timezone.utc).replace(tzinfo=None))
    for sender in ("still-here", "erased", "never-in-the-tracker"):
        history.record(analytics, visitor_key(sender, SECRET), "t" * 64, run, at=recent)
    # One conversation is erased from the tracker store by other means (an operator acting
    # on a request): its profile has gone, so its check results must go at the next purge.
    tracker = sa.create_engine(tracker_url, future=True)
    with tracker.begin() as connection:
        connection.exec_driver_sql("DELETE FROM events WHERE sender_id = 'erased'")
    tracker.dispose()

    report = purge(tracker_url, analytics_url, days=90, now=NOW, secret=SECRET)

    def runs(sender: str) -> int:
        return len(history.latest_runs(analytics, visitor_key(sender, SECRET)))

    # old-checker: by age (with its events); erased and never-in-the-tracker: no conversation.
    assert report.checks_forgotten == 2
    assert {s: runs(s) for s in ("old-checker", "still-here", "erased", "never-in-the-tracker")} == {
        "old-checker": 0, "still-here": 1, "erased": 0, "never-in-the-tracker": 0}
    with analytics.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM check_history").scalar() == 1
    assert purge(tracker_url, analytics_url, days=90, now=NOW, secret=SECRET).checks_forgotten == 0
    analytics.dispose()
