"""The staff Checks page's figures: website and email checks run, and what they found.

Read from ``check_runs`` (one row per check reply, written by ingestion from
``custom.check``: kind, outcome and each finding's id and status, never the address)
joined to the conversation's profile snapshot for the segment, as
``bot.checks.staff_stats`` does. A run counts in the period by its own time. Only runs
that checked something (outcome ``checked``) count as checks run; refused, unreachable
and rate-limited ones are counted apart. The commonest problems are shown per segment
value only where that value has at least ``staff_stats.MIN_COUNT`` checks of the kind,
so one business's results can't be picked out; the others are counted as withheld.
No website address or email domain reaches the analytics database, so none can be shown.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from bot.analytics.dashboard import segment_condition
from bot.analytics.filters import DIMENSIONS, SEGMENT_VALUES, Filters
from bot.analytics.rollups.periods import day_start
from bot.analytics.rollups.refresh import Connectable, as_connection
from bot.checks.catalogue import KIND_TITLES, TITLES, title
from bot.checks.staff_stats import MIN_COUNT, SegmentChecks, parse
from bot.storage.models import CheckRun, Conversation
from bot.storage.rollups import UNKNOWN

RUNS: sa.Table = CheckRun.__table__
CONVERSATIONS: sa.Table = Conversation.__table__
KINDS = ("website", "email_domain")
#: How many problems each segment lists.
COMMONEST = 3


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _segment(dimension: str, value: str | None) -> str:
    """The row's segment value; anything off the vocabulary is ``unknown``, as in the filters."""
    return value if value in SEGMENT_VALUES[dimension] else UNKNOWN


def _rows(conn: Connectable, filters: Filters) -> list[Any]:
    r, c = RUNS, CONVERSATIONS
    conditions = [r.c.at >= day_start(filters.start), r.c.at < day_start(filters.end + timedelta(days=1))]
    conditions += [segment_condition(c, dimension, value) for dimension in DIMENSIONS
                   if (value := filters.segment(dimension)) is not None]
    query = (sa.select(r.c.conversation_key, r.c.visitor_key, r.c.kind, r.c.outcome, r.c.findings,
                       c.c.size, c.c.sector, c.c.nation)
             .select_from(r.outerjoin(c, r.c.conversation_key == c.c.conversation_key))
             .where(*conditions).order_by(r.c.at, r.c.id))
    return list(as_connection(conn).execute(query))


def _counts(rows: list[Any], kind: str) -> dict[str, Any]:
    checked = [row for row in rows if row.kind == kind and row.outcome == "checked"]
    return {"kind": kind, "title": KIND_TITLES[kind], "checks": len(checked),
            "conversations": len({row.conversation_key for row in checked}),
            "businesses": len({row.visitor_key for row in checked}),
            "not_run": sum(1 for row in rows if row.kind == kind and row.outcome != "checked")}


def _findings(rows: list[Any], kind: str) -> list[dict[str, Any]]:
    """Each finding the kind's checks reported, in catalogue order, with its share passing."""
    statuses: dict[str, Counter[str]] = {}
    for row in rows:
        if row.kind == kind and row.outcome == "checked":
            for finding, status in parse(row.findings):
                statuses.setdefault(finding, Counter())[status] += 1
    order = {finding: n for n, finding in enumerate(TITLES)}
    found = []
    for finding in sorted(statuses, key=lambda name: (order.get(name, len(order)), name)):
        count = statuses[finding]
        checked = sum(count.values())
        found.append({"kind": kind, "finding": finding, "title": title(finding), "checked": checked,
                      "passed": count["pass"], "warnings": count["warning"], "fails": count["fail"],
                      "pass_share": _share(count["pass"], checked)})
    return found


def _by(rows: list[Any], dimension: str) -> dict[str, Any]:
    """Per segment value and kind, busiest first: the checks and their commonest problems."""
    groups: dict[tuple[str, str], SegmentChecks] = {}
    for row in rows:
        if row.outcome == "checked":
            key = (_segment(dimension, getattr(row, dimension)), row.kind)
            groups.setdefault(key, SegmentChecks(*key)).add(row.findings)
    shown = sorted((g for g in groups.values() if g.checks >= MIN_COUNT),
                   key=lambda g: (-g.checks, g.segment, g.kind))
    return {"shown": [{"segment": g.segment, "kind": g.kind, "kind_title": KIND_TITLES.get(g.kind, g.kind),
                       "checks": g.checks,
                       "problems": [{"finding": finding, "title": title(finding), "count": n,
                                     "share": _share(n, g.checks)}
                                    for finding, n in g.commonest(COMMONEST)]} for g in shown],
            "withheld": sum(1 for g in groups.values() if g.checks < MIN_COUNT)}


def summary(conn: Connectable, filters: Filters) -> dict[str, Any]:
    """The Checks page over ``filters``: runs per kind, findings' pass shares, problems by segment."""
    rows = _rows(conn, filters)
    return {"kinds": {kind: _counts(rows, kind) for kind in KINDS},
            "findings": {kind: _findings(rows, kind) for kind in KINDS},
            "segments": {dimension: _by(rows, dimension) for dimension in DIMENSIONS},
            "min_count": MIN_COUNT}


def problem_rows(found: dict[str, Any], dimension: str) -> list[dict[str, Any]]:
    """The segment table flattened for export: one row per segment, kind and problem."""
    return [{"segment": group["segment"], "kind": group["kind"], "checks": group["checks"], "rank": rank,
             "finding": problem["finding"], "title": problem["title"], "problems": problem["count"],
             "share": problem["share"]}
            for group in found["segments"][dimension]["shown"]
            for rank, problem in enumerate(group["problems"], start=1)]
