"""Every table the dashboard shows, as named CSV and .xlsx exports with the page's filters.

One registry, so the Exports page, the download links and the export route agree on
what exists. Rates are written as fractions (0.25), counts as integers, dates as ISO.
Both formats write every cell through bot/analytics/spreadsheet.py, so visitor text that
begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is never a formula, and
the CSV starts with a UTF-8 byte-order mark so Excel shows "£" as "£".
Nothing here holds a visitor or conversation key: conversations are numbered by their
row id, which links to nothing outside the database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any, TextIO

from sqlalchemy.engine import Connection

from bot.analytics import dashboard, metrics
from bot.analytics.export import COLUMNS as TURN_COLUMNS
from bot.analytics.export import export_turns, turn_rows
from bot.analytics.filters import Filters
from bot.analytics.similar import group_questions
from bot.analytics.spreadsheet import SafeWriter, XlsxSheet
from bot.web.staff import config

#: Longest conversation list one export writes (the page itself is paginated).
CONVERSATION_EXPORT_ROWS = 1_000_000


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    page: str  # the page it is shown on
    columns: tuple[str, ...]
    rows: Callable[[Connection, Filters], Iterator[dict[str, Any]] | list[dict[str, Any]]]


def _headline(conn: Connection, filters: Filters) -> list[dict[str, Any]]:
    return [{"figure": key, "value": value} for key, value in dashboard.headline(conn, filters).items()]


def _segments(by: str) -> Callable[[Connection, Filters], list[dict[str, Any]]]:
    return lambda conn, filters: dashboard.segments(conn, filters, by)


def unanswered_groups(conn: Connection, filters: Filters) -> list[dict[str, Any]]:
    items = metrics.unanswered_examples(conn, filters, limit=config.unanswered_limit())
    return group_questions(items)


def _unanswered_rows(conn: Connection, filters: Filters) -> list[dict[str, Any]]:
    groups = unanswered_groups(conn, filters)
    return [{**group, "examples": " | ".join(group["examples"])} for group in groups]


def _conversations(conn: Connection, filters: Filters) -> list[dict[str, Any]]:
    rows, _ = dashboard.conversation_page(conn, filters, 0, CONVERSATION_EXPORT_ROWS)
    return rows


SEGMENT_COLUMNS = ("segment", "reach", "conversations", "plans_delivered", "commitment_rate", "commitments",
                   "reported_done", "uptake_rate", "helpfulness", "feedback")

TABLES: dict[str, Table] = {table.name: table for table in (
    Table("headline", "Headline figures", "overview", ("figure", "value"), _headline),
    Table("funnel", "Uptake funnel", "overview", ("step", "visitors", "share"), dashboard.funnel),
    Table("trend", "Weekly trend", "overview",
          ("week", "visitors", "conversations", "plans_delivered", "commitments", "reported_done"),
          dashboard.weekly_trend),
    Table("segments-size", "Figures by size band", "segments", SEGMENT_COLUMNS, _segments("size")),
    Table("segments-sector", "Figures by sector", "segments", SEGMENT_COLUMNS, _segments("sector")),
    Table("segments-nation", "Figures by nation", "segments", SEGMENT_COLUMNS, _segments("nation")),
    Table("topics", "Questions and helpfulness by topic", "topics",
          ("topic", "title", "questions", "feedback", "helpful", "helpfulness"), dashboard.topics),
    Table("actions", "Actions offered, committed and done", "topics",
          ("action", "title", "topic", "offered", "committed", "commit_rate", "reported_done", "done_rate"),
          dashboard.actions),
    Table("unanswered", "Unanswered questions, grouped", "unanswered",
          ("text", "count", "fallback", "out_of_scope", "newest", "oldest", "examples"), _unanswered_rows),
    Table("conversations", "Conversations", "conversations",
          ("id", "started_at", "last_at", "channel", "user_turns", "profiled", "got_plan", "returning",
           "last_intent", "last_topic", "size", "sector", "nation"), _conversations),
)}

#: The redacted turns export of ``bot export`` (one line per message), also offered.
TURNS_EXPORT = "turns"


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return int(value)
    if hasattr(value, "isoformat"):
        return value.isoformat(timespec="seconds") if hasattr(value, "hour") else value.isoformat()
    if isinstance(value, float):
        return f"{value:.4f}"
    return value


#: Download formats and their content types.
FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def write_csv(conn: Connection, name: str, filters: Filters, out: TextIO) -> int:
    """Write table ``name`` (or the turns export) as CSV to ``out``; returns the data rows."""
    if name == TURNS_EXPORT:
        return export_turns(conn, filters, out, bom=True)
    table = TABLES[name]
    writer = SafeWriter(out, bom=True)
    writer.writerow(table.columns)
    count = 0
    for row in table.rows(conn, filters):
        writer.writerow([_cell(row.get(column)) for column in table.columns])
        count += 1
    return count


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)) or value is None:
        return value
    return _cell(value)


def write_xlsx(conn: Connection, name: str, filters: Filters, out: IO[bytes]) -> int:
    """Write table ``name`` (or the turns export) as a one-sheet .xlsx to ``out``; returns rows."""
    sheet = XlsxSheet(out, name)
    try:
        if name == TURNS_EXPORT:
            sheet.writerow(TURN_COLUMNS)
            count = 0
            for values in turn_rows(conn, filters):
                sheet.writerow(values)
                count += 1
            return count
        table = TABLES[name]
        sheet.writerow(table.columns)
        count = 0
        for row in table.rows(conn, filters):
            sheet.writerow([_xlsx_value(row.get(column)) for column in table.columns])
            count += 1
        return count
    finally:
        sheet.close()
