"""A redacted CSV of turns, for reading what owners actually ask.

Keys are not exported, in full or in part. ``visitor_key`` and ``conversation_key`` are
stable pseudonyms: the same business has the same key in every export and in the
database, so a file that leaves the programme team could be joined with other exports
to follow one business over time, and anyone holding ``ANALYTICS_SECRET`` could compute
the key of a widget id they know and find that person's messages. Instead each
conversation gets a number that only means something inside this one file (1, 2, 3, in
order of first appearance): enough to read a conversation's turns together, in order,
and nothing to link with. The visitor is left out altogether; returning visitors are in
the report.

Texts were redacted at ingestion; they are redacted again here (idempotent), so a text
that somehow escaped - a hand-loaded database, an older redactor - still leaves without
an email address, card or phone number. Blanked texts (retention) stay blank. Every cell
goes through :func:`bot.analytics.spreadsheet.safe_cell`, so a message that begins with
``=`` is text, not a formula, wherever the file is opened.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from functools import lru_cache
from typing import Any, TextIO

import sqlalchemy as sa

from bot.analytics.filters import DIMENSIONS, SEGMENT_VALUES, Filters
from bot.analytics.rollups.periods import day_start
from bot.analytics.rollups.refresh import Connectable, as_connection
from bot.analytics.spreadsheet import SafeWriter
from bot.privacy.redaction import redact
from bot.storage.models import Turn
from bot.storage.rollups import UNKNOWN

COLUMNS = ("conversation", "at", "week", "channel", "intent", "confidence", "topics", "entity_types",
           "fallback", "out_of_scope", "size", "sector", "nation", "text")
_STREAM_ROWS = 5000
_ONE_DAY = timedelta(days=1)


@lru_cache(maxsize=50_000)
def _redacted(text: str) -> str:
    """Redaction is slow-ish (~0.1 ms) and chat texts repeat a lot, so results are cached."""
    return redact(text).text


def _segment_condition(dimension: str, value: str) -> Any:
    column = Turn.__table__.c[dimension]
    if value == UNKNOWN:
        known = [v for v in SEGMENT_VALUES[dimension] if v != UNKNOWN]
        return sa.or_(column.is_(None), column.notin_(known))
    return column == value


def turn_rows(conn: Connectable, filters: Filters) -> Iterator[tuple[Any, ...]]:
    """The rows of the turns export (without the header), in time order, streamed."""
    t = Turn.__table__
    conditions = [t.c.at >= day_start(filters.start), t.c.at < day_start(filters.end) + _ONE_DAY]
    for dimension in DIMENSIONS:
        value = filters.segment(dimension)
        if value is not None:
            conditions.append(_segment_condition(dimension, value))
    statement = (sa.select(t.c.conversation_key, t.c.at, t.c.week, t.c.channel, t.c.intent, t.c.confidence,
                           t.c.topics, t.c.entity_types, t.c.fallback, t.c.out_of_scope, t.c.size,
                           t.c.sector, t.c.nation, t.c.text)
                 .where(*conditions).order_by(t.c.at, t.c.id)
                 .execution_options(stream_results=True))
    numbers: dict[str, int] = {}
    for row in as_connection(conn).execute(statement).yield_per(_STREAM_ROWS):
        number = numbers.setdefault(row.conversation_key, len(numbers) + 1)
        yield (
            number, row.at.isoformat(timespec="seconds"), row.week.isoformat(), row.channel or "",
            row.intent or "", "" if row.confidence is None else f"{row.confidence:.3f}",
            row.topics or "", row.entity_types or "", int(bool(row.fallback)), int(bool(row.out_of_scope)),
            row.size or UNKNOWN, row.sector or UNKNOWN, row.nation or UNKNOWN,
            _redacted(row.text) if row.text else "",
        )


def export_turns(conn: Connectable, filters: Filters, out: TextIO, bom: bool = False) -> int:
    """Write the turns of ``filters`` (their own profile snapshot) to ``out``; returns rows.

    ``bom`` starts the file with a UTF-8 byte-order mark, for files people open in Excel.
    """
    writer = SafeWriter(out, bom=bom)
    writer.writerow(COLUMNS)
    count = 0
    for row in turn_rows(conn, filters):
        writer.writerow(row)
        count += 1
    return count
