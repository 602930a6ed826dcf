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
from datetime import date, datetime, timezone
from typing import IO, Any, TextIO

from sqlalchemy.engine import Connection

from bot.analytics import answers, checks, dashboard, follow_through, incidents, population, unanswered
from bot.analytics.export import COLUMNS as TURN_COLUMNS
from bot.analytics.export import export_turns, turn_rows
from bot.analytics.filters import Filters
from bot.analytics.report_periods import Interval
from bot.analytics.spreadsheet import SafeWriter, XlsxSheet
from bot.web.staff import config
from bot.web.staff.query import Chosen


def today() -> date:
    return datetime.now(timezone.utc).date()


#: Longest conversation list one export writes (the page itself is paginated).
CONVERSATION_EXPORT_ROWS = 1_000_000


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    page: str  # the page it is shown on
    columns: tuple[str, ...]
    rows: Callable[[Connection, Chosen], Iterator[dict[str, Any]] | list[dict[str, Any]]]


Rows = Callable[[Connection, Chosen], list[dict[str, Any]]]


def _over(function: Callable[[Connection, Filters], list[dict[str, Any]]]) -> Rows:
    """A table that needs only the date range and segment."""
    return lambda conn, chosen: function(conn, chosen.filters)


def headline_rows(conn: Connection, chosen: Chosen) -> list[dict[str, Any]]:
    """Each headline figure, its value in the previous equal period, and the change."""
    before = chosen.previous
    figures = dashboard.compared(dashboard.headline(conn, chosen.filters),
                                 dashboard.headline(conn, chosen.previous_filters()))
    return [{"figure": key, "value": row["value"], "previous": row["previous"], "change": row["change"],
             "change_percent": row["percent"], "previous_from": before.start, "previous_to": before.end}
            for key, row in figures.items()]


def _trend(interval: Interval) -> Rows:
    def rows(conn: Connection, chosen: Chosen) -> list[dict[str, Any]]:
        return dashboard.trend(conn, chosen.filters, interval, today(), chosen.current.full_end)

    return rows


def _kept(interval: Interval) -> Rows:
    def rows(conn: Connection, chosen: Chosen) -> list[dict[str, Any]]:
        return follow_through.trend(conn, chosen.filters, interval, today(), chosen.current.full_end)

    return rows


def _population(conn: Connection, chosen: Chosen) -> list[dict[str, Any]]:
    found = population.ratios(conn, chosen.filters)
    return [{"dimension": dimension, **row} for dimension, rows in found.items() for row in rows]


def _incidents(part: str) -> Rows:
    return lambda conn, chosen: incidents.summary(conn, chosen.filters)[part]


def _segments(by: str) -> Rows:
    return lambda conn, chosen: dashboard.segments(conn, chosen.filters, by)


def _checks(conn: Connection, chosen: Chosen) -> list[dict[str, Any]]:
    return list(checks.summary(conn, chosen.filters)["kinds"].values())


def _check_findings(conn: Connection, chosen: Chosen) -> list[dict[str, Any]]:
    found = checks.summary(conn, chosen.filters)["findings"]
    return [row for kind in checks.KINDS for row in found[kind]]


def _check_problems(by: str) -> Rows:
    return lambda conn, chosen: checks.problem_rows(checks.summary(conn, chosen.filters), by)


def unanswered_report(conn: Connection, chosen: Chosen) -> dict[str, Any]:
    """The period's unanswered groups, biggest first, against the previous equal period."""
    return unanswered.report(conn, chosen.filters, chosen.previous_filters(), limit=config.unanswered_limit())


def _unanswered_rows(conn: Connection, chosen: Chosen) -> list[dict[str, Any]]:
    groups = unanswered_report(conn, chosen)["groups"]
    return [{**group, "examples": " | ".join(group["examples"])} for group in groups]


def _conversations(conn: Connection, chosen: Chosen) -> list[dict[str, Any]]:
    rows, _ = dashboard.conversation_page(conn, chosen.filters, 0, CONVERSATION_EXPORT_ROWS)
    return rows


POPULATION_COLUMNS = ("dimension", "group", "values", "businesses", "rounded", "reach", "reach_per_1000",
                      "plans_delivered", "plans_delivered_per_1000", "commitments", "commitments_per_1000",
                      "reported_done", "reported_done_per_1000", "lowest")
INCIDENT_COLUMNS = ("key", "title", "conversations", "share")
TREND_COLUMNS = ("period", "first_day", "last_day", "partial", "note", *dashboard.TREND_SERIES)
KEPT_COLUMNS = ("period", "first_day", "last_day", "partial", "note", *follow_through.SERIES)
CHECK_PROBLEM_COLUMNS = ("segment", "kind", "checks", "rank", "finding", "title", "problems", "share")
SEGMENT_COLUMNS = ("segment", "reach", "conversations", "plans_delivered", "commitment_rate", "commitments",
                   "reported_done", "uptake_rate", "helpfulness", "feedback")

TABLES: dict[str, Table] = {table.name: table for table in (
    Table("headline", "Headline figures against the previous period", "overview",
          ("figure", "value", "previous", "change", "change_percent", "previous_from", "previous_to"),
          headline_rows),
    Table("funnel", "Uptake funnel", "overview", ("step", "visitors", "share"), _over(dashboard.funnel)),
    Table("trend", "Weekly trend", "overview", TREND_COLUMNS, _trend("week")),
    Table("trend-monthly", "Monthly trend", "overview", TREND_COLUMNS, _trend("month")),
    Table("kept", "Plans kept and followed up", "overview", ("figure", "count"), _over(follow_through.table)),
    Table("kept-weekly", "Plans kept and followed up, by week", "overview", KEPT_COLUMNS, _kept("week")),
    Table("kept-monthly", "Plans kept and followed up, by month", "overview", KEPT_COLUMNS, _kept("month")),
    Table("segments-size", "Figures by size band", "segments", SEGMENT_COLUMNS, _segments("size")),
    Table("segments-sector", "Figures by sector", "segments", SEGMENT_COLUMNS, _segments("sector")),
    Table("segments-nation", "Figures by nation", "segments", SEGMENT_COLUMNS, _segments("nation")),
    Table("topics", "Questions and helpfulness by topic", "topics",
          ("topic", "title", "questions", "feedback", "helpful", "helpfulness"), _over(dashboard.topics)),
    Table("steps", "Guidance steps offered, committed to and done", "topics",
          ("step", "title", "topic", "offered", "committed", "commit_rate", "reported_done", "done_rate"),
          _over(dashboard.steps)),
    Table("answers", "Specific answers given, most used first", "topics",
          ("answer", "question", "topic", "given", "ratings", "helpful", "helpfulness"),
          lambda conn, chosen: answers.usage(conn, chosen.filters, top=100_000)["answers"]),
    Table("population", "Per 1,000 UK businesses, by group", "segments", POPULATION_COLUMNS, _population),
    Table("incidents", "Conversations after an incident, by kind", "incidents", INCIDENT_COLUMNS,
          _incidents("by_kind")),
    Table("incident-routes", "Reporting routes given after an incident", "incidents", INCIDENT_COLUMNS,
          _incidents("routes")),
    Table("incidents-nation", "Conversations after an incident, by nation", "incidents", INCIDENT_COLUMNS,
          _incidents("by_nation")),
    Table("incidents-size", "Conversations after an incident, by size band", "incidents", INCIDENT_COLUMNS,
          _incidents("by_size")),
    Table("incidents-week", "Conversations after an incident, by week", "incidents", INCIDENT_COLUMNS,
          _incidents("by_week")),
    Table("checks", "Website and email checks run", "checks",
          ("kind", "title", "checks", "conversations", "businesses", "not_run"), _checks),
    Table("check-findings", "Share of checks passing each finding", "checks",
          ("kind", "finding", "title", "checked", "passed", "warnings", "fails", "pass_share"),
          _check_findings),
    *(Table(f"check-problems-{by}", f"Commonest check problems by {label}", "checks", CHECK_PROBLEM_COLUMNS,
            _check_problems(by)) for by, label in (("size", "size band"), ("sector", "sector"),
                                                   ("nation", "nation"))),
    Table("unanswered", "Unanswered questions, grouped", "unanswered",
          ("text", "count", "share", "fallback", "out_of_scope", "previous", "newest", "oldest", "examples"),
          _unanswered_rows),
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


def _chosen(chosen: Chosen | Filters) -> Chosen:
    return chosen if isinstance(chosen, Chosen) else Chosen(chosen)


def write_csv(conn: Connection, name: str, chosen: Chosen | Filters, out: TextIO) -> int:
    """Write table ``name`` (or the turns export) as CSV to ``out``; returns the data rows."""
    chosen = _chosen(chosen)
    if name == TURNS_EXPORT:
        return export_turns(conn, chosen.filters, out, bom=True)
    table = TABLES[name]
    writer = SafeWriter(out, bom=True)
    writer.writerow(table.columns)
    count = 0
    for row in table.rows(conn, chosen):
        writer.writerow([_cell(row.get(column)) for column in table.columns])
        count += 1
    return count


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)) or value is None:
        return value
    return _cell(value)


def write_xlsx(conn: Connection, name: str, chosen: Chosen | Filters, out: IO[bytes]) -> int:
    """Write table ``name`` (or the turns export) as a one-sheet .xlsx to ``out``; returns rows."""
    chosen = _chosen(chosen)
    sheet = XlsxSheet(out, name)
    try:
        if name == TURNS_EXPORT:
            sheet.writerow(TURN_COLUMNS)
            count = 0
            for values in turn_rows(conn, chosen.filters):
                sheet.writerow(values)
                count += 1
            return count
        table = TABLES[name]
        sheet.writerow(table.columns)
        count = 0
        for row in table.rows(conn, chosen):
            sheet.writerow([_xlsx_value(row.get(column)) for column in table.columns])
            count += 1
        return count
    finally:
        sheet.close()
