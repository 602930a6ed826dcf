"""Rollup tables: pre-counted cells that let the uptake metrics answer without scanning turns.

A metric over a date range and segment filter is a sum of counts. Summing a million turn
rows per question is too slow on SQLite, so ``bot.analytics.rollups.refresh.refresh_rollups``
keeps the counts in ``rollup_cells``, one row per

    (grain, mask, measure, size, sector, nation, period, key) -> n

* ``grain`` is ``d`` (a day), ``w`` (an ISO week, period = its Monday) or ``b`` (a block of
  four weeks counted from :data:`bot.analytics.rollups.periods.EPOCH`). A date range is answered
  from the fewest, coarsest periods that tile it exactly (``periods.cover``), so a query
  reads a number of rows set by the length of the range and the number of segments, not
  by the number of turns.
* ``mask`` says which of size (1), sector (2) and nation (4) the row keeps; a dimension
  the row does not keep holds :data:`ALL`. A query reads the mask of exactly the
  dimensions it filters or breaks down by, so it never adds up finer rows than it needs.
* ``key`` is a measure's own dimension (a topic, an intent, a status, the day of a
  visitor's previous conversation), ``""`` when it has none. Question texts, the one
  open-ended key, are counted the same way in ``rollup_questions``.

**Ingestion must call ``bot.analytics.rollups.refresh.refresh_rollups(connection)`` after the
batches** it commits (``bot ingest --follow`` does so at most every
``ROLLUP_REFRESH_SECONDS``; anything else that writes the analytics tables must too), and
retention must call ``forget_question_texts`` when it blanks ``turns.text``; otherwise
the metrics do not see the new rows. A refresh after a batch costs well under a second
even at a million turns: only the days that changed are recomputed.

These tables hold derived data only: they can be dropped and rebuilt from the analytics
tables at any time (``refresh_rollups(conn, full=True)``). That is why they live on their
own metadata, outside the Alembic migrations of ``bot/storage/models.py``: refresh
creates them when missing and rebuilds them when :data:`ROLLUP_VERSION` changes.
Alembic's autogenerate should ignore tables named ``rollup_*``.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from sqlalchemy import BigInteger, Boolean, Column, Date, DateTime, Index, Integer, MetaData, String, Text
from sqlalchemy.orm import declarative_base

if TYPE_CHECKING:
    # The same stand-in for SQLAlchemy 1.4's untyped declarative base as bot/storage/models.py.
    class RollupBase:
        metadata: MetaData
        __table__: Any

        def __init__(self, **columns: Any) -> None: ...

else:
    RollupBase = declarative_base()

#: Bump when a measure's definition or these tables change: the next refresh rebuilds.
ROLLUP_VERSION = 3
#: Value of a dimension a cell does not keep (its mask bit is 0).
ALL = "*"
#: Value of a dimension the profile does not know (NULL in the analytics tables).
UNKNOWN = "unknown"
#: Mask bits, in the order of the columns.
DIMENSION_BITS = {"size": 1, "sector": 2, "nation": 4}
FULL_MASK = 7
KEY_LENGTH = 200


def text_hash(text: str | None) -> int | None:
    """A 63-bit digest of a message's exact text (fits a signed BIGINT); None for no text."""
    if text is None:
        return None
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big") >> 1


class RollupCell(RollupBase):
    """One count: how many of ``measure`` fall in one period and segment (see module doc)."""

    __tablename__ = "rollup_cells"
    __table_args__ = (
        # Maintenance deletes and re-derives whole periods.
        Index("ix_rollup_cells_grain_period", "grain", "period"),
        {"sqlite_with_rowid": False},
    )

    grain = Column(String(1), primary_key=True)
    mask = Column(Integer, primary_key=True, autoincrement=False)
    measure = Column(String(24), primary_key=True)
    size = Column(String(16), primary_key=True)
    sector = Column(String(32), primary_key=True)
    nation = Column(String(24), primary_key=True)
    period = Column(Date, primary_key=True)
    key = Column(String(KEY_LENGTH), primary_key=True)
    week = Column(Date, nullable=False)  # Monday of the period (the period itself for w and b)
    n = Column(Integer, nullable=False)


class RollupQuestion(RollupBase):
    """Question counts: like ``rollup_cells`` for the one measure with an open-ended key.

    The key is the normalised question text, so a period can hold thousands of them.
    The ``(…, period, n)`` index lets "top 10 questions" read only the few dozen most
    asked texts of each period, and the primary key's ``(…, key, period)`` order lets it
    then count chosen texts exactly (bot/analytics/rollups/ranking.py).
    """

    __tablename__ = "rollup_questions"
    __table_args__ = (
        Index("ix_rollup_questions_top", "grain", "mask", "size", "sector", "nation", "period", "n"),
        Index("ix_rollup_questions_grain_period", "grain", "period"),
        {"sqlite_with_rowid": False},
    )

    grain = Column(String(1), primary_key=True)
    mask = Column(Integer, primary_key=True, autoincrement=False)
    size = Column(String(16), primary_key=True)
    sector = Column(String(32), primary_key=True)
    nation = Column(String(24), primary_key=True)
    key = Column(String(KEY_LENGTH), primary_key=True)
    period = Column(Date, primary_key=True)
    week = Column(Date, nullable=False)
    n = Column(Integer, nullable=False)


class RollupUnanswered(RollupBase):
    """A fallback or out-of-scope turn, so the newest examples need no scan of ``turns``.

    No text is copied: the examples query joins ``turns`` by id for it, so retention's
    blanking of ``turns.text`` applies to the examples at once. ``text_hash`` (a 63-bit
    digest of the text) lets a period's messages be counted per distinct text from this
    table alone, without reading a million wide ``turns`` rows; retention clears it
    with the text (bot/analytics/rollups/refresh.py's ``forget_question_texts``).
    """

    __tablename__ = "rollup_unanswered"
    # Covering: the grouping query reads the index alone (SQLite keeps turn_id, the rowid, in it).
    __table_args__ = (Index("ix_rollup_unanswered_at", "at", "size", "sector", "nation", "text_hash",
                            "fallback"),)

    turn_id = Column(Integer, primary_key=True, autoincrement=False)
    at = Column(DateTime, nullable=False)
    size = Column(String(16), nullable=False)
    sector = Column(String(32), nullable=False)
    nation = Column(String(24), nullable=False)
    fallback = Column(Boolean, nullable=False)
    out_of_scope = Column(Boolean, nullable=False)
    text_hash = Column(BigInteger, nullable=True)


class RollupState(RollupBase):
    """Where the last refresh got to (one row, id 1)."""

    __tablename__ = "rollup_state"

    id = Column(Integer, primary_key=True, autoincrement=False)
    version = Column(Integer, nullable=False)
    #: The newest ``conversations.last_at`` the rollups include.
    watermark = Column(DateTime)
    #: JSON list of [conversation id, last_at] already counted near the watermark.
    recent = Column(Text, nullable=False, default="[]")
    refreshed_at = Column(DateTime, nullable=False)
