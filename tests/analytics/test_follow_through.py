"""The "Plans kept and followed up" figures, counted over a real database with known answers.

Rows are written by the real writer (bot/plans/follow_through.py) with its clock moved, on
SQLite and PostgreSQL, and counted by bot/analytics/follow_through.py over periods whose
first and last seconds are tested on both sides, per week, per month and per segment.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.analytics import follow_through as counted
from bot.analytics.definitions import DEFINITIONS
from bot.analytics.filters import Filters
from bot.plans import follow_through
from bot.storage.database import create_engine
from bot.storage.models import PlanFollowThrough
from bot.web.staff.tables import TABLES, write_csv

MICRO_RETAIL_WALES = {"size": "micro", "sector": "retail", "nation": "wales"}
#: (time, kind, the conversation's slots): around a period of 3 to 16 March 2025 (two weeks).
EVENTS: tuple[tuple[datetime, follow_through.Kind, dict[str, Any]], ...] = (
    (datetime(2025, 3, 2, 23, 59, 59), "link_created", MICRO_RETAIL_WALES),  # the day before
    (datetime(2025, 3, 3, 0, 0, 0), "link_created", MICRO_RETAIL_WALES),  # the first second
    (datetime(2025, 3, 5, 9), "reminder_sent", {"size": "small", "nation": "england"}),
    (datetime(2025, 3, 10, 8), "link_opened", MICRO_RETAIL_WALES),
    (datetime(2025, 3, 10, 18), "link_opened", MICRO_RETAIL_WALES),
    (datetime(2025, 3, 12, 12), "plan_emailed", {}),
    (datetime(2025, 3, 12, 13), "unsubscribed", {"size": "unknown", "sector": "retail"}),
    (datetime(2025, 3, 16, 23, 59, 59), "done_after_reminder", {"size": "micro", "nation": "scotland"}),
    (datetime(2025, 3, 17, 0, 0, 0), "unsubscribed", MICRO_RETAIL_WALES),  # the day after
)
PERIOD = Filters(date(2025, 3, 3), date(2025, 3, 16))
NOTHING = dict.fromkeys(counted.SERIES, 0)


@pytest.fixture
def engine(analytics_url: str) -> Iterator[Engine]:
    engine = create_engine(analytics_url)
    for at, kind, slots in EVENTS:
        follow_through.record(engine, kind, slots, clock=lambda at=at: at)
    yield engine
    engine.dispose()


def totals(engine: Engine, filters: Filters) -> dict[str, int]:
    with engine.connect() as conn:
        return counted.totals(conn, filters)


def test_every_kind_of_event_is_a_figure_with_a_definition() -> None:
    assert sorted(kind for _, kind in counted.FIGURES) == sorted(follow_through.KINDS)
    assert all(key in DEFINITIONS for key in counted.SERIES)


def test_the_period_counts_from_its_first_second_to_its_last(engine: Engine) -> None:
    assert totals(engine, PERIOD) == {"links_made": 1, "plans_emailed": 1, "links_opened": 2,
                                      "reminders_sent": 1, "done_after_reminder": 1, "unsubscribed": 1}
    assert totals(engine, Filters(date(2025, 3, 2), date(2025, 3, 2))) == {**NOTHING, "links_made": 1}
    assert totals(engine, Filters(date(2025, 3, 17), date(2025, 3, 31))) == {**NOTHING, "unsubscribed": 1}
    assert totals(engine, Filters(date(2024, 1, 1), date(2024, 12, 31))) == NOTHING


def test_each_segment_filter_counts_the_rows_own_snapshot(engine: Engine) -> None:
    micro = Filters(PERIOD.start, PERIOD.end, size="micro")
    assert totals(engine, micro) == {**NOTHING, "links_made": 1, "links_opened": 2, "done_after_reminder": 1}
    unknown_size = Filters(PERIOD.start, PERIOD.end, size="unknown")
    assert totals(engine, unknown_size) == {**NOTHING, "plans_emailed": 1, "unsubscribed": 1}
    retail = Filters(PERIOD.start, PERIOD.end, sector="retail")
    assert totals(engine, retail) == {**NOTHING, "links_made": 1, "links_opened": 2, "unsubscribed": 1}
    wales_micro = Filters(PERIOD.start, PERIOD.end, size="micro", nation="wales")
    assert totals(engine, wales_micro) == {**NOTHING, "links_made": 1, "links_opened": 2}
    assert totals(engine, Filters(PERIOD.start, PERIOD.end, nation="northern_ireland")) == NOTHING


def test_per_week_lines_up_with_the_trend_and_marks_cut_weeks(engine: Engine) -> None:
    today = date(2025, 6, 1)
    with engine.connect() as conn:
        weeks = counted.trend(conn, PERIOD, "week", today)
        cut = counted.trend(conn, Filters(date(2025, 3, 5), date(2025, 3, 11)), "week", today)
        micro = counted.trend(conn, Filters(PERIOD.start, PERIOD.end, size="micro"), "week", today)
    assert [(row["period"], row["partial"]) for row in weeks] == [("2025-03-03", False),
                                                                  ("2025-03-10", False)]
    assert {key: weeks[0][key] for key in counted.SERIES} == {**NOTHING, "links_made": 1, "reminders_sent": 1}
    assert {key: weeks[1][key] for key in counted.SERIES} == {
        **NOTHING, "plans_emailed": 1, "links_opened": 2, "done_after_reminder": 1, "unsubscribed": 1}
    # 5 to 11 March cuts both weeks: the Monday link and the Wednesday email fall outside.
    assert [(row["period"], row["partial"], row["note"]) for row in cut] == [
        ("2025-03-03", True, "part only: 5 of 7 days in the range"),
        ("2025-03-10", True, "part only: 2 of 7 days in the range")]
    assert [{key: row[key] for key in counted.SERIES} for row in cut] == [
        {**NOTHING, "reminders_sent": 1}, {**NOTHING, "links_opened": 2}]
    assert [row["links_opened"] + row["links_made"] + row["done_after_reminder"] for row in micro] == [1, 3]


def test_per_month_counts_calendar_months(engine: Engine) -> None:
    with engine.connect() as conn:
        months = counted.trend(conn, Filters(date(2025, 2, 1), date(2025, 3, 31)), "month", date(2025, 6, 1))
    assert [row["period"] for row in months] == ["2025-02", "2025-03"]
    assert {key: months[0][key] for key in counted.SERIES} == NOTHING
    assert {key: months[1][key] for key in counted.SERIES} == {
        "links_made": 2, "plans_emailed": 1, "links_opened": 2, "reminders_sent": 1, "done_after_reminder": 1,
        "unsubscribed": 2}


def test_the_exports_hold_counts_only_through_the_safe_writer(engine: Engine) -> None:
    assert {column.name for column in PlanFollowThrough.__table__.columns} == {
        "id", "at", "week", "kind", "size", "sector", "nation"}
    out = io.StringIO()
    with engine.connect() as conn:
        rows = write_csv(conn, "kept-weekly", PERIOD, out)
        totals_out = io.StringIO()
        write_csv(conn, "kept", PERIOD, totals_out)
    text = out.getvalue()
    assert rows == 2 and text.startswith("\ufeff")
    lines = text.lstrip("\ufeff").splitlines()
    assert lines[0].split(",") == list(TABLES["kept-weekly"].columns)
    assert lines[1].startswith("2025-03-03,2025-03-03,2025-03-09,0,,1,0,0,1,0,0")
    assert totals_out.getvalue().lstrip("\ufeff").splitlines()[1:] == [
        "links_made,1", "plans_emailed,1", "links_opened,2", "reminders_sent,1", "done_after_reminder,1",
        "unsubscribed,1"]


def test_a_value_off_the_vocabulary_is_counted_as_unknown(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(sa.insert(PlanFollowThrough).values(at=datetime(2025, 3, 4), week=date(2025, 3, 3),
                                                         kind="link_opened", size="=1+1"))
    assert totals(engine, Filters(PERIOD.start, PERIOD.end, size="unknown"))["links_opened"] == 1
