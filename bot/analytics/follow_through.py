"""Whether kept plans are followed up: the funnel's last part, per period, week and segment.

Reads ``plan_follow_through`` (written by bot/plans/follow_through.py): one row per event,
with its time, its week (Monday) and the business's size, sector and nation, and nothing
that points at anyone (no visitor key, token or email address). So every figure here is a
count of events, filtered like every other figure: by the event's time within the
period's days, and by the row's own segment snapshot (``unknown`` is NULL).

Definitions are in bot/analytics/definitions.py and docs/metrics.md ("Plans kept and
followed up").
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa

from bot.analytics.dashboard import in_range
from bot.analytics.filters import Filters
from bot.analytics.report_periods import Interval, buckets, unit_start
from bot.analytics.rollups.refresh import Connectable, as_connection
from bot.storage.models import PlanFollowThrough

TABLE: sa.Table = PlanFollowThrough.__table__
#: The figures in funnel order: (definition key, kind of event in bot/plans/follow_through.py).
FIGURES: tuple[tuple[str, str], ...] = (
    ("links_made", "link_created"), ("plans_emailed", "plan_emailed"), ("links_opened", "link_opened"),
    ("reminders_sent", "reminder_sent"), ("done_after_reminder", "done_after_reminder"),
    ("unsubscribed", "unsubscribed"))
SERIES: tuple[str, ...] = tuple(key for key, _ in FIGURES)


def _conditions(filters: Filters) -> list[Any]:
    """The period's days and segment; the week bound lets the database use the week index."""
    return [*in_range(TABLE, "at", filters), TABLE.c.week >= unit_start(filters.start, "week"),
            TABLE.c.week <= filters.end]


def _figures(found: dict[str, int]) -> dict[str, int]:
    return {key: found.get(kind, 0) for key, kind in FIGURES}


def totals(conn: Connectable, filters: Filters) -> dict[str, int]:
    """Each figure over the period and segment (0 when nothing happened)."""
    statement = (sa.select(TABLE.c.kind, sa.func.count().label("n")).where(*_conditions(filters))
                 .group_by(TABLE.c.kind))
    return _figures({row.kind: int(row.n) for row in as_connection(conn).execute(statement)})


def _by_week(conn: Connectable, filters: Filters) -> dict[str, dict[str, int]]:
    statement = (sa.select(TABLE.c.week, TABLE.c.kind, sa.func.count().label("n"))
                 .where(*_conditions(filters)).group_by(TABLE.c.week, TABLE.c.kind))
    found: dict[str, dict[str, int]] = {}
    for row in as_connection(conn).execute(statement):
        week = row.week if isinstance(row.week, date) else date.fromisoformat(str(row.week)[:10])
        found.setdefault(week.isoformat(), {})[row.kind] = int(row.n)
    return {week: _figures(kinds) for week, kinds in found.items()}


def table(conn: Connectable, filters: Filters) -> list[dict[str, Any]]:
    """The totals as rows (figure, count), for the CSV export."""
    return [{"figure": key, "count": count} for key, count in totals(conn, filters).items()]


def trend(conn: Connectable, filters: Filters, interval: Interval, today: date,
          range_end: date | None = None) -> list[dict[str, Any]]:
    """Per week (or calendar month) of the range: each figure, and whether the interval is whole.

    The same intervals, labels and partial marks as the overview's trend
    (bot/analytics/dashboard.py), so the two tables line up.
    """
    parts = buckets(filters.start, filters.end, interval, today, range_end)
    if interval == "week":
        weeks = _by_week(conn, filters)
        figures = {part.label: weeks.get(part.label, {}) for part in parts}
    else:
        figures = {part.label: totals(conn, Filters(part.first, part.last, size=filters.size,
                                                     sector=filters.sector, nation=filters.nation))
                   for part in parts}
    return [{"period": part.label, "first_day": part.first, "last_day": part.last, "partial": part.partial,
             "note": part.note, **{key: figures[part.label].get(key, 0) for key in SERIES}}
            for part in parts]
