"""Keeping the rollup cells (bot/storage/rollups.py) in step with the analytics tables.

Ingestion must call :func:`refresh_rollups` after the batches it commits (``bot ingest
--follow`` at most every ``ROLLUP_REFRESH_SECONDS``, and anything else that writes the
analytics tables, such as ``bot demo-data``); the
``report`` command also refreshes before it reads, so a stale rollup is never reported.
Refresh is idempotent and incremental: it recomputes only the days that changed.

What changed is found without scanning ``turns``. Ingestion moves
``conversations.last_at`` forward on every event it applies to a conversation (a turn,
a slot, a topic added to a turn by the bot's reply, a plan, a commitment), so the
conversations changed since the last refresh are those started recently
(``started_at`` is indexed) whose ``last_at`` passed the watermark. From them:

* every day a changed conversation spans is recomputed (its turns, plan items, feedback);
* for their visitors, the days of their later conversations (a visitor's previous
  conversation is part of each conversation's measured), and the days of commitments whose
  status changed, with the days of that visitor's earlier plan conversations (whether a
  plan was followed by a commitment is part of the plan conversation's measured).

A day is recomputed whole, from the analytics tables, then its week and four-week block
are re-summed from the days and weeks below them. Two limits, both covered by
``refresh_rollups(conn, full=True)``: a conversation changed more than :data:`WINDOW`
after it started, or rows written with timestamps more than :data:`MARGIN` older than
what was already counted, are not noticed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Union

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from bot.analytics.rollups.maintain import (
    CELLS,
    QUESTIONS,
    UNANSWERED,
    apply_days,
    insert_days,
    replace_unanswered,
    resum,
)
from bot.analytics.rollups.measures import day_measures
from bot.analytics.rollups.periods import block_start, day_start, monday
from bot.storage.models import Commitment, Conversation, Feedback, StoredPlanStep, Turn
from bot.storage.rollups import ROLLUP_VERSION, RollupBase, RollupState

Connectable = Union[Connection, Session]

STATE: sa.Table = RollupState.__table__
#: Longest a conversation is expected to go on changing after it started (Rasa sessions
#: expire after an hour of silence, so this is generous).
WINDOW = timedelta(days=2)
#: Tolerance for rows arriving slightly out of timestamp order (several senders at once).
MARGIN = timedelta(minutes=10)
#: Days recomputed per pass, to bound memory on a full rebuild.
CHUNK_DAYS = 7
_VISITOR_BATCH = 500
#: SQLite page cache during a full rebuild, in KiB.
REBUILD_CACHE_KIB = 128 * 1024


@dataclass(frozen=True)
class RefreshReport:
    full: bool
    days: int  # days recomputed
    cells: int  # finest (day, full segment) cells written
    seconds: float


def as_connection(target: Connectable) -> Connection:
    """The Connection behind a Session (its current transaction), or the Connection itself."""
    if isinstance(target, Session):
        connection: Connection = target.connection()
        return connection
    return target


def ensure_rollup_tables(target: Connectable) -> None:
    """Create the rollup tables if missing (they are derived data, outside the migrations)."""
    RollupBase.metadata.create_all(as_connection(target), checkfirst=True)


def refresh_rollups(target: Connectable, *, full: bool = False) -> RefreshReport:
    """Bring the rollup cells up to date with the analytics tables; see the module doc.

    Runs in the caller's transaction: commit it (or use ``engine.begin()``) afterwards.
    ``full=True`` throws the cells away and recomputes every day.
    """
    started = time.perf_counter()
    conn = as_connection(target)
    ensure_rollup_tables(conn)
    state = conn.execute(sa.select(STATE).where(STATE.c.id == 1)).first()
    if state is not None and state.version != ROLLUP_VERSION:
        RollupBase.metadata.drop_all(conn)
        RollupBase.metadata.create_all(conn)
        state = None
    if full or state is None or state.watermark is None:
        with _large_cache(conn):
            days, cells = _rebuild(conn)
        return RefreshReport(True, days, cells, time.perf_counter() - started)
    days, cells = _incremental(conn, state)
    return RefreshReport(False, days, cells, time.perf_counter() - started)


@contextmanager
def _large_cache(conn: Connection) -> Iterator[None]:
    """On SQLite, a bigger page cache while rebuilding: the rollup b-trees are written in
    key order per period, not globally, and the default 2 MB cache makes that I/O bound."""
    if conn.dialect.name != "sqlite":
        yield
        return
    previous = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size = {-REBUILD_CACHE_KIB}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size = {int(previous)}")


def forget_question_texts(target: Connectable, before: datetime) -> None:
    """Drop counted question texts from before ``before``: retention must call this.

    Top questions are counted under their (redacted) text, and unanswered messages under
    a digest of it. When retention blanks ``turns.text`` it must also remove those from
    the rollups, or they would outlive the retention period there. Every other count
    stays. The week and block that straddle the cut-off are re-summed from the days kept.
    """
    conn = as_connection(target)
    ensure_rollup_tables(conn)
    last_day = before.date() if before == day_start(before.date()) else before.date() + timedelta(days=1)
    conn.execute(sa.delete(QUESTIONS).where(QUESTIONS.c.period < last_day))
    conn.execute(sa.update(UNANSWERED).where(UNANSWERED.c.at < before, UNANSWERED.c.text_hash.isnot(None))
                 .values(text_hash=None))
    edge = last_day - timedelta(days=1)
    resum(conn, "w", monday(edge))
    resum(conn, "b", block_start(edge))


# ---- what changed -----------------------------------------------------------------------


def _save_state(conn: Connection, watermark: datetime | None, recent: list[tuple[int, datetime]]) -> None:
    values = {"version": ROLLUP_VERSION, "watermark": watermark,
              "recent": json.dumps([[cid, at.isoformat()] for cid, at in recent]),
              "refreshed_at": datetime.utcnow()}
    if conn.execute(sa.update(STATE).where(STATE.c.id == 1).values(**values)).rowcount == 0:
        conn.execute(sa.insert(STATE).values(id=1, **values))


def _scalar(conn: Connection, statement: Any) -> Any:
    return conn.execute(statement).scalar()


def _data_span(conn: Connection) -> tuple[date, date] | None:
    """First and last day holding any row; each min/max is one index probe."""
    columns = (Conversation.started_at, Turn.at, StoredPlanStep.at, Commitment.committed_at, Feedback.at)
    moments = [m for column in columns for fn in (sa.func.min, sa.func.max)
               if (m := _scalar(conn, sa.select(fn(column)))) is not None]
    if not moments:
        return None
    return min(moments).date(), max(moments).date()


def _rebuild(conn: Connection) -> tuple[int, int]:
    conn.execute(sa.delete(CELLS))
    conn.execute(sa.delete(QUESTIONS))
    conn.execute(sa.delete(UNANSWERED))
    span = _data_span(conn)
    days: set[date] = set()
    if span is not None:
        days = {span[0] + timedelta(days=i) for i in range((span[1] - span[0]).days + 1)}
    cells = _recompute(conn, days, bulk=True)
    watermark = _scalar(conn, sa.select(sa.func.max(Conversation.last_at)))
    recent: list[tuple[int, datetime]] = []
    if watermark is not None:
        recent = [(row.id, row.last_at) for row in conn.execute(
            sa.select(Conversation.id, Conversation.last_at)
            .where(Conversation.last_at >= watermark - MARGIN))]
    _save_state(conn, watermark, recent)
    return len(days), cells


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def _incremental(conn: Connection, state: Any) -> tuple[int, int]:
    watermark: datetime = state.watermark
    seen = {(cid, at) for cid, at in json.loads(state.recent or "[]")}
    changed = conn.execute(
        sa.select(Conversation.id, Conversation.visitor_key, Conversation.started_at, Conversation.last_at)
        .where(Conversation.started_at >= watermark - WINDOW, Conversation.last_at >= watermark - MARGIN)
    ).all()
    fresh = [row for row in changed if (row.id, row.last_at.isoformat()) not in seen]
    if not fresh:
        return 0, 0
    dirty: set[date] = set()
    earliest: dict[str, datetime] = {}
    for row in fresh:
        dirty.update(_days(row.started_at.date(), row.last_at.date()))
        earliest[row.visitor_key] = min(earliest.get(row.visitor_key, row.started_at), row.started_at)
    keys = sorted(earliest)
    for batch in (keys[i:i + _VISITOR_BATCH] for i in range(0, len(keys), _VISITOR_BATCH)):
        plans: dict[str, list[datetime]] = {}
        for row in conn.execute(sa.select(Conversation.visitor_key, Conversation.started_at,
                                          Conversation.got_plan)
                                .where(Conversation.visitor_key.in_(batch))):
            if row.started_at >= earliest[row.visitor_key]:
                dirty.add(row.started_at.date())
            if row.got_plan:
                plans.setdefault(row.visitor_key, []).append(row.started_at)
        for row in conn.execute(sa.select(Commitment.visitor_key, Commitment.committed_at)
                                .where(Commitment.visitor_key.in_(batch),
                                       Commitment.status_at >= watermark - MARGIN)):
            dirty.add(row.committed_at.date())
            dirty.update(at.date() for at in plans.get(row.visitor_key, []) if at <= row.committed_at)
    cells = _recompute(conn, dirty, bulk=False)
    newest = max(watermark, *(row.last_at for row in changed))
    _save_state(conn, newest, [(row.id, row.last_at) for row in changed if row.last_at >= newest - MARGIN])
    return len(dirty), cells


# ---- recomputing days, weeks and blocks -------------------------------------------------


def _runs(days: Iterable[date], longest: int) -> Iterator[tuple[date, date]]:
    """Consecutive days as (first, last) runs of at most ``longest`` days."""
    first: date | None = None
    last: date | None = None
    for day in sorted(days):
        if first is not None and last is not None and day == last + timedelta(days=1) \
                and (day - first).days < longest:
            last = day
            continue
        if first is not None and last is not None:
            yield first, last
        first = last = day
    if first is not None and last is not None:
        yield first, last


def _recompute(conn: Connection, days: set[date], *, bulk: bool) -> int:
    """Recompute every measure of ``days`` from the analytics tables (see rollups/maintain.py)."""
    written = 0
    for first, last in _runs(days, CHUNK_DAYS):
        measured = day_measures(conn, day_start(first), day_start(last + timedelta(days=1)))
        replace_unanswered(conn, first, last, measured)
        write = insert_days if bulk else apply_days
        written += write(conn, first, last, measured)
    if bulk:
        for week in sorted({monday(day) for day in days}):
            resum(conn, "w", week)
        for block in sorted({block_start(day) for day in days}):
            resum(conn, "b", block)
    return written
