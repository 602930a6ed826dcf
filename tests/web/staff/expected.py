"""Figures computed straight from the demo database's rows, with plain SQL and Python.

Deliberately independent of bot/analytics: no rollups, no shared helpers, only the
definitions in docs/metrics.md applied to the raw tables.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

Query = Callable[..., list[tuple[Any, ...]]]


def bounds(start: date, end: date) -> tuple[str, str]:
    """Stored timestamps are ISO text, so a day range is a string comparison."""
    return start.isoformat(), (end + timedelta(days=1)).isoformat()


def segment_sql(segments: dict[str, str], prefix: str = "") -> tuple[str, list[str]]:
    clauses = [f"{prefix}{column} = ?" for column in segments]
    return "".join(f" AND {clause}" for clause in clauses), list(segments.values())


def headline(sql: Query, start: date, end: date, **segments: str) -> dict[str, Any]:
    low, high = bounds(start, end)
    where, values = segment_sql(segments)
    conversations = sql("SELECT id, visitor_key, started_at, got_plan, size, sector, nation "
                        "FROM conversations WHERE started_at >= ? AND started_at < ? "
                        "ORDER BY started_at, id", low, high)
    first_in_range: dict[str, tuple[Any, ...]] = {}
    for row in conversations:
        first_in_range.setdefault(row[1], row)
    columns = {"size": 4, "sector": 5, "nation": 6}

    def matches(row: tuple[Any, ...]) -> bool:
        return all(row[columns[name]] == value for name, value in segments.items())

    reach = sum(1 for row in first_in_range.values() if matches(row))
    in_segment = [row for row in conversations if matches(row)]
    commitments = sql(f"SELECT status FROM commitments WHERE committed_at >= ? AND committed_at < ?{where}",
                      low, high, *values)
    conv_where, conv_values = segment_sql(segments, "c.")
    feedback = sql("SELECT f.helpful FROM feedback f "
                   "JOIN conversations c ON c.conversation_key = f.conversation_key "
                   f"WHERE f.at >= ? AND f.at < ?{conv_where}", low, high, *conv_values)
    helpful = sum(1 for (value,) in feedback if value)
    return {
        "reach": reach,
        "conversations": len(in_segment),
        "plans_delivered": sum(1 for row in in_segment if row[3]),
        "commitments": len(commitments),
        "reported_done": sum(1 for (status,) in commitments if status == "done"),
        "helpfulness": f"{helpful / len(feedback) * 100:.1f}%" if feedback else "-",
        "visitors_in_segment": len({row[1] for row in in_segment}),
        "visitors_with_plan": len({row[1] for row in in_segment if row[3]}),
        "conversation_ids": [row[0] for row in in_segment],
    }


def unanswered(sql: Query, start: date, end: date) -> list[tuple[str, str]]:
    """(at, text) of fallback and out-of-scope turns with text in the range, newest first."""
    low, high = bounds(start, end)
    return [(row[0], row[1]) for row in sql(
        "SELECT at, text FROM turns WHERE (fallback OR out_of_scope) AND text IS NOT NULL "
        "AND at >= ? AND at < ? ORDER BY at DESC, id DESC", low, high)]
