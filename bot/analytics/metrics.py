"""Uptake metrics: how many small businesses the assistant reached and what they did with it.

Each metric takes a Connection (or Session), a :class:`Filters` and optionally a
breakdown (``size``, ``sector``, ``nation`` or ``week``) and returns ``{group: row}``
(group ``"all"`` without a breakdown). Rows are plain dicts of numbers, lists and
strings, so :func:`full_report` is JSON as it stands. Exact definitions are in
docs/metrics.md; the measures they count are decided in bot/analytics/rollups/measures.py.

Metrics read rollup cells (bot/analytics/rollups/cells.py), never ``turns``: whatever writes the
analytics tables must call :func:`bot.analytics.rollups.refresh.refresh_rollups` afterwards
(re-exported here).

Distinct visitors. A visitor is counted once in a range, in the segment (and week) of
their first conversation in it. Conversation measures carry the day of the visitor's
previous conversation, so

    visitors   = conversations - those whose previous conversation is in the range
    returning  = conversations whose previous conversation is before the range
    new        = visitors - returning = conversations with no previous conversation

all of which are sums, hence exact for any range and any segment. Visitors with a plan
and visitors who committed work the same way over plan conversations.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from functools import lru_cache
from typing import Any, Union

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from bot.analytics.filters import BREAKDOWNS, DIMENSIONS, Breakdown, Filters
from bot.analytics.rollups import measures as f
from bot.analytics.rollups.cells import TOTAL, Counts, group_start, groups, read
from bot.analytics.rollups.periods import day_start
from bot.analytics.rollups.ranking import top_keys
from bot.analytics.rollups.refresh import as_connection, refresh_rollups
from bot.privacy.redaction import redact
from bot.storage.models import Turn
from bot.storage.rollups import RollupUnanswered

__all__ = [
    "METRICS",
    "TOTAL",
    "Filters",
    "commitment_rate",
    "drop_off",
    "full_report",
    "helpfulness",
    "plans_delivered",
    "profile_completion",
    "reach",
    "refresh_rollups",
    "time_to_done",
    "top_questions",
    "top_topics",
    "unanswered",
    "unanswered_examples",
    "uptake",
]

Connectable = Union[Connection, Session]
Row = dict[str, Any]
Table = dict[str, Row]
TOP = 10
EXAMPLES = 10
UNANSWERED: sa.Table = RollupUnanswered.__table__
TURNS: sa.Table = Turn.__table__
STATUSES = ("open", "done", "not_yet", "dropped")


def rate(part: int, whole: int) -> float | None:
    """``part / whole``, or None (JSON null) when there is nothing to divide by."""
    return part / whole if whole else None


def _since(counts: Counter[str], start: date) -> int:
    """How many of a repeat measure have their previous conversation on or after ``start``."""
    boundary = start.isoformat()
    return sum(n for key, n in counts.items() if key >= boundary)


def _table(conn: Connectable, filters: Filters, by: Breakdown | None, measures: list[str],
           row: Callable[[dict[str, Counter[str]], date], Row]) -> Table:
    counts: Counts = read(as_connection(conn), filters, measures, by)
    return {name: row(counts[name], group_start(filters, by, name)) for name in groups(filters, by)}


def _ranked(counter: Mapping[str, int], total: int, label: str, top: int | None) -> list[Row]:
    ordered = sorted(((key, n) for key, n in counter.items() if n), key=lambda item: (-item[1], item[0]))
    chosen = ordered if top is None else ordered[:top]
    return [{label: key, "count": n, "share": rate(n, total)} for key, n in chosen]


# ---- metrics ----------------------------------------------------------------------------


def reach(conn: Connectable, filters: Filters, by: Breakdown | None = None) -> Table:
    """Unique, new and returning visitors, and conversations started in the range."""

    def row(c: dict[str, Counter[str]], start: date) -> Row:
        conversations, repeats = c[f.CONVERSATIONS][""], c[f.REPEAT]
        visitors = conversations - _since(repeats, start)
        returning = sum(repeats.values()) - _since(repeats, start)
        return {"unique_visitors": visitors, "new_visitors": visitors - returning,
                "returning_visitors": returning, "conversations": conversations}

    return _table(conn, filters, by, [f.CONVERSATIONS, f.REPEAT], row)


def profile_completion(conn: Connectable, filters: Filters, by: Breakdown | None = None) -> Table:
    """Conversations in which every profile question was answered or skipped."""

    def row(c: dict[str, Counter[str]], _start: date) -> Row:
        conversations, profiled = c[f.CONVERSATIONS][""], c[f.PROFILED][""]
        return {"conversations": conversations, "profiled": profiled, "rate": rate(profiled, conversations)}

    return _table(conn, filters, by, [f.CONVERSATIONS, f.PROFILED], row)


def plans_delivered(conn: Connectable, filters: Filters, by: Breakdown | None = None) -> Table:
    """Conversations that got a plan, and the plan items offered (by topic)."""

    def row(c: dict[str, Counter[str]], _start: date) -> Row:
        conversations, with_plan = c[f.CONVERSATIONS][""], c[f.PLAN_CONVERSATIONS][""]
        items = c[f.PLAN_ITEMS]
        return {"conversations": conversations, "conversations_with_plan": with_plan,
                "plan_rate": rate(with_plan, conversations), "plan_items": sum(items.values()),
                "plan_items_by_topic": dict(sorted(items.items()))}

    return _table(conn, filters, by, [f.CONVERSATIONS, f.PLAN_CONVERSATIONS, f.PLAN_ITEMS], row)


def commitment_rate(conn: Connectable, filters: Filters, by: Breakdown | None = None) -> Table:
    """Of the visitors who got a plan, the share who committed to at least one action."""

    def row(c: dict[str, Counter[str]], start: date) -> Row:
        with_plan = c[f.PLAN_CONVERSATIONS][""] - _since(c[f.PLAN_REPEAT], start)
        committed = c[f.PLAN_COMMITTED][""] - _since(c[f.PLAN_REPEAT_COMMITTED], start)
        return {"visitors_with_plan": with_plan, "visitors_committed": committed,
                "rate": rate(committed, with_plan)}

    measures = [f.PLAN_CONVERSATIONS, f.PLAN_COMMITTED, f.PLAN_REPEAT, f.PLAN_REPEAT_COMMITTED]
    return _table(conn, filters, by, measures, row)


def uptake(conn: Connectable, filters: Filters, by: Breakdown | None = None) -> Table:
    """Commitments made in the range, by current status; uptake = done / made."""

    def row(c: dict[str, Counter[str]], _start: date) -> Row:
        statuses = c[f.COMMITMENTS]
        made = sum(statuses.values())
        result: Row = {"commitments_made": made}
        result.update({status: statuses[status] for status in STATUSES})
        result["rate"] = rate(statuses["done"], made)
        return result

    return _table(conn, filters, by, [f.COMMITMENTS], row)


def median(histogram: Mapping[int, int]) -> float | None:
    """The median of values given as value -> count (mean of the middle two if even)."""
    total = sum(histogram.values())
    if total == 0:
        return None
    wanted = [(total - 1) // 2, total // 2]
    found: list[int] = []
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        while wanted and wanted[0] < seen:
            found.append(value)
            wanted.pop(0)
    return (found[0] + found[1]) / 2


def time_to_done(conn: Connectable, filters: Filters, by: Breakdown | None = None) -> Table:
    """Median whole days from commitment to done, for commitments made in the range."""

    def row(c: dict[str, Counter[str]], _start: date) -> Row:
        histogram = {int(key): n for key, n in c[f.DAYS_TO_DONE].items() if n}
        return {"done": sum(histogram.values()), "median_days": median(histogram)}

    return _table(conn, filters, by, [f.DAYS_TO_DONE], row)


def helpfulness(conn: Connectable, filters: Filters, by: Breakdown | None = None) -> Table:
    """Thumbs-up share of all feedback, overall and per topic."""

    def row(c: dict[str, Counter[str]], _start: date) -> Row:
        given, helpful = c[f.FEEDBACK], c[f.HELPFUL]
        topics = {topic: {"feedback": n, "helpful": helpful[topic], "rate": rate(helpful[topic], n)}
                  for topic, n in sorted(given.items()) if n}
        total, up = sum(given.values()), sum(helpful.values())
        return {"feedback": total, "helpful": up, "rate": rate(up, total), "topics": topics}

    return _table(conn, filters, by, [f.FEEDBACK, f.HELPFUL], row)


def top_topics(conn: Connectable, filters: Filters, by: Breakdown | None = None, top: int = TOP) -> Table:
    """Topics most often answered (turns.topics); share of turns that had a topic."""

    def row(c: dict[str, Counter[str]], _start: date) -> Row:
        with_topic = c[f.TOPIC_TURNS][""]
        return {"turns_with_topic": with_topic, "topics": _ranked(c[f.TOPIC], with_topic, "topic", top)}

    return _table(conn, filters, by, [f.TOPIC, f.TOPIC_TURNS], row)


def top_questions(conn: Connectable, filters: Filters, by: Breakdown | None = None,
                  top: int = TOP) -> Table:
    """The most frequent topic questions, by normalised redacted text."""

    connection = as_connection(conn)
    totals = read(connection, filters, [f.QUESTION_TURNS], by)
    best = top_keys(connection, filters, by, top)
    table: Table = {}
    for name, ranking in best.items():
        total = totals[name][f.QUESTION_TURNS][""]
        table[name] = {"questions": total,
                       "top": [{"text": text, "count": n, "share": rate(n, total)} for text, n in ranking]}
    return table


def unanswered(conn: Connectable, filters: Filters, by: Breakdown | None = None) -> Table:
    """Fallback and out-of-scope turns as shares of all user turns."""

    def row(c: dict[str, Counter[str]], _start: date) -> Row:
        turns, fallback, out_of_scope = c[f.TURNS][""], c[f.FALLBACK][""], c[f.OUT_OF_SCOPE][""]
        return {"turns": turns, "fallback": fallback, "out_of_scope": out_of_scope,
                "fallback_rate": rate(fallback, turns), "out_of_scope_rate": rate(out_of_scope, turns)}

    return _table(conn, filters, by, [f.TURNS, f.FALLBACK, f.OUT_OF_SCOPE], row)


def drop_off(conn: Connectable, filters: Filters, by: Breakdown | None = None) -> Table:
    """Where conversations without a plan ended: their last intent."""

    def row(c: dict[str, Counter[str]], _start: date) -> Row:
        intents = c[f.DROP_OFF]
        total = sum(intents.values())
        return {"conversations_without_plan": total, "last_intents": _ranked(intents, total, "intent", None)}

    return _table(conn, filters, by, [f.DROP_OFF], row)


@lru_cache(maxsize=50_000)
def _redacted(text: str) -> str:
    """Redaction costs about 0.1 ms and unanswered texts repeat a lot, so results are cached."""
    return redact(text).text


def unanswered_rows_in_range(filters: Filters) -> list[Any]:
    """``rollup_unanswered`` rows of the filters' days and segment (no join to ``turns``)."""
    u = UNANSWERED
    conditions = [u.c.at >= day_start(filters.start), u.c.at < day_start(filters.end + timedelta(days=1))]
    for dimension in DIMENSIONS:
        value = filters.segment(dimension)
        if value is not None:
            conditions.append(u.c[dimension] == value)
    return conditions


def unanswered_in_range(filters: Filters) -> list[Any]:
    """Unanswered messages of the filters' days and segment whose text is still kept."""
    return [*unanswered_rows_in_range(filters), TURNS.c.text.isnot(None)]


def unanswered_examples(conn: Connectable, filters: Filters, limit: int = EXAMPLES) -> list[Row]:
    """The newest fallback / out-of-scope turns in the range that still have their text.

    Reads the small ``rollup_unanswered`` index backwards from the end of the range and
    joins ``turns`` by id, so blanked (retention) texts are never shown. Texts are
    redacted again on the way out, as a second line of defence.
    """
    u = UNANSWERED
    conditions = unanswered_in_range(filters)
    statement = (
        sa.select(u.c.at, u.c.fallback, u.c.out_of_scope, TURNS.c.intent, TURNS.c.text)
        .select_from(u.join(TURNS, TURNS.c.id == u.c.turn_id))
        .where(*conditions).order_by(u.c.at.desc(), u.c.turn_id.desc()).limit(limit)
    )
    return [{"at": row.at.isoformat(timespec="seconds"),
             "kind": "fallback" if row.fallback else "out_of_scope",
             "intent": row.intent, "text": _redacted(row.text)}
            for row in as_connection(conn).execute(statement)]


MetricFunction = Callable[[Connectable, Filters, Union[Breakdown, None]], Table]

#: Report order.
METRICS: dict[str, MetricFunction] = {
    "reach": reach,
    "profile_completion": profile_completion,
    "plans_delivered": plans_delivered,
    "commitment_rate": commitment_rate,
    "uptake": uptake,
    "time_to_done": time_to_done,
    "helpfulness": helpfulness,
    "top_topics": top_topics,
    "top_questions": top_questions,
    "unanswered": unanswered,
    "drop_off": drop_off,
}


def full_report(conn: Connectable, filters: Filters) -> dict[str, Any]:
    """Every metric, in total and by size, sector, nation and week, plus examples.

    Plain dicts and lists only: ``json.dumps`` takes it as it is.
    """
    metrics: dict[str, Any] = {}
    for name, metric in METRICS.items():
        section: dict[str, Any] = {"total": metric(conn, filters, None)[TOTAL]}
        for by in BREAKDOWNS:
            section[f"by_{by}"] = metric(conn, filters, by)
        metrics[name] = section
    return {"filters": filters.as_dict(), "metrics": metrics,
            "unanswered_examples": unanswered_examples(conn, filters)}

