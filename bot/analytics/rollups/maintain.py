"""Writing rollup cells: in bulk for a rebuild, by difference for an incremental refresh.

Every count is kept at three grains (day, week, four-week block) and eight masks
(bot/storage/rollups.py). Two ways to keep them:

* **Bulk** (a full rebuild): the finest cells of each day (all three dimensions kept) are
  inserted from Python, and the database sums them into the other masks, then days into
  weeks and weeks into blocks, with INSERT ... SELECT ... GROUP BY.
* **By difference** (an ingestion batch): the day's finest cells are recomputed and
  compared with those stored; only the cells that changed, usually a few dozen, are
  added to (or subtracted from) the day, week and block cells of every mask, with an
  upsert. Re-summing a whole week and block instead costs seconds at a million turns,
  which a refresh after every batch cannot afford.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from bot.analytics.rollups.measures import QUESTION, DayMeasures
from bot.analytics.rollups.periods import BLOCK_WEEKS, ORDER, day_start, monday, period_start
from bot.storage.rollups import ALL, DIMENSION_BITS, FULL_MASK, RollupCell, RollupQuestion, RollupUnanswered

CELLS: sa.Table = RollupCell.__table__
QUESTIONS: sa.Table = RollupQuestion.__table__
UNANSWERED: sa.Table = RollupUnanswered.__table__
TABLES = (CELLS, QUESTIONS)
_DIMENSIONS = tuple(DIMENSION_BITS.items())
_BATCH = 5000


def _key_names(table: sa.Table) -> list[str]:
    return [column.name for column in table.primary_key.columns]


def _measure(table: sa.Table) -> list[Any]:
    """The measure column, which the questions table does not have (it holds one measure)."""
    return [table.c.measure] if "measure" in table.c else []


def _finest(measured: DayMeasures) -> dict[str, Counter[tuple[Any, ...]]]:
    """The days' measures as finest cells per table: {table name: {primary key: n}}."""
    cells: Counter[tuple[Any, ...]] = Counter()
    questions: Counter[tuple[Any, ...]] = Counter()
    for (measure, day, size, sector, nation, key), n in measured.cells.items():
        if measure == QUESTION:
            questions[("d", FULL_MASK, size, sector, nation, key, day)] += n
        else:
            cells[("d", FULL_MASK, measure, size, sector, nation, day, key)] += n
    return {CELLS.name: cells, QUESTIONS.name: questions}


def _row(table: sa.Table, key: tuple[Any, ...], n: int) -> dict[str, Any]:
    row = dict(zip(_key_names(table), key, strict=True))
    row["week"] = monday(row["period"]) if row["grain"] == "d" else row["period"]
    row["n"] = n
    return row


# ---- bulk ---------------------------------------------------------------------------------


def insert_days(conn: Connection, first: date, last: date, measured: DayMeasures) -> int:
    """Bulk: write the days' cells of every mask (the days must hold no cells yet)."""
    written = 0
    for table in TABLES:
        rows = [_row(table, key, n) for key, n in _finest(measured)[table.name].items()]
        for start in range(0, len(rows), _BATCH):
            conn.execute(sa.insert(table), rows[start:start + _BATCH])
        if rows:
            _derive_masks(conn, table, first, last)
        written += len(rows)
    return written


def _insert_from(conn: Connection, table: sa.Table, columns: list[Any], group: list[Any],
                 where: list[Any]) -> None:
    """INSERT INTO table SELECT columns, sum(n) ... GROUP BY group."""
    source = sa.select(*columns, sa.func.sum(table.c.n).label("n")).where(*where).group_by(*group)
    conn.execute(sa.insert(table).from_select([*(c.name for c in columns), "n"], source))


def _derive_masks(conn: Connection, table: sa.Table, first: date, last: date) -> None:
    c = table.c
    for mask in range(FULL_MASK):
        kept = [c[name] for name, bit in _DIMENSIONS if mask & bit]
        dims = [c[name] if mask & bit else sa.literal(ALL, c[name].type).label(name)
                for name, bit in _DIMENSIONS]
        columns = [c.grain, sa.literal(mask, sa.Integer).label("mask"), *_measure(table), *dims, c.period,
                   c.key, c.week]
        _insert_from(conn, table, columns, group=[c.grain, *_measure(table), *kept, c.period, c.key, c.week],
                     where=[c.grain == "d", c.mask == FULL_MASK, c.period >= first, c.period <= last])


def resum(conn: Connection, grain: str, start: date) -> None:
    """Bulk: replace the week (or block) at ``start`` with the sum of its days (or weeks)."""
    source_grain, days = ("d", 7) if grain == "w" else ("w", 7 * BLOCK_WEEKS)
    for table in TABLES:
        c = table.c
        conn.execute(sa.delete(table).where(c.grain == grain, c.period == start))
        columns = [sa.literal(grain, c.grain.type).label("grain"), c.mask, *_measure(table), c.size, c.sector,
                   c.nation, sa.literal(start, c.period.type).label("period"), c.key,
                   sa.literal(start, c.week.type).label("week")]
        _insert_from(conn, table, columns,
                     group=[c.mask, *_measure(table), c.size, c.sector, c.nation, c.key],
                     where=[c.grain == source_grain, c.period >= start,
                            c.period < start + timedelta(days=days)])


# ---- by difference ------------------------------------------------------------------------


def _stored(conn: Connection, table: sa.Table, first: date, last: date) -> Counter[tuple[Any, ...]]:
    c = table.c
    names = _key_names(table)
    rows = conn.execute(sa.select(*(c[name] for name in names), c.n)
                        .where(c.grain == "d", c.period >= first, c.period <= last, c.mask == FULL_MASK))
    return Counter({tuple(row[:-1]): int(row[-1]) for row in rows})


def _spread(table: sa.Table, changes: Counter[tuple[Any, ...]]) -> Counter[tuple[Any, ...]]:
    """Finest-cell changes as changes of every mask and grain they count towards."""
    names = _key_names(table)
    at = {name: i for i, name in enumerate(names)}
    spread: Counter[tuple[Any, ...]] = Counter()
    for key, change in changes.items():
        day: date = key[at["period"]]
        for mask in range(FULL_MASK + 1):
            masked = list(key)
            masked[at["mask"]] = mask
            for name, bit in _DIMENSIONS:
                if not mask & bit:
                    masked[at[name]] = ALL
            for grain in ORDER:
                masked[at["grain"]] = grain
                masked[at["period"]] = period_start(day, grain)
                spread[tuple(masked)] += change
    return Counter({key: change for key, change in spread.items() if change})


def _upsert(conn: Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Add each row's n to the stored cell, creating it if missing."""
    names = _key_names(table)
    dialect = {"sqlite": sqlite, "postgresql": postgresql}.get(conn.dialect.name)
    if dialect is not None:
        statement = dialect.insert(table)
        statement = statement.on_conflict_do_update(
            index_elements=names, set_={"n": table.c.n + statement.excluded.n})
        conn.execute(statement, rows)
        return
    for row in rows:  # any other database: two statements per cell
        match = [table.c[name] == row[name] for name in names]
        if conn.execute(sa.update(table).where(*match).values(n=table.c.n + row["n"])).rowcount == 0:
            conn.execute(sa.insert(table).values(**row))


def apply_days(conn: Connection, first: date, last: date, measured: DayMeasures) -> int:
    """By difference: make the stored cells of these days, and their weeks and blocks,
    agree with ``measured``; returns how many finest cells changed."""
    changed = 0
    for table in TABLES:
        changes = _finest(measured)[table.name]
        changes.subtract(_stored(conn, table, first, last))
        changes = Counter({key: n for key, n in changes.items() if n})
        if not changes:
            continue
        changed += len(changes)
        spread = _spread(table, changes)
        rows = [_row(table, key, n) for key, n in spread.items()]
        for start in range(0, len(rows), _BATCH):
            _upsert(conn, table, rows[start:start + _BATCH])
        emptied = [{f"k_{name}": value for name, value in zip(_key_names(table), key, strict=True)}
                   for key, n in spread.items() if n < 0]
        if emptied:
            conn.execute(sa.delete(table).where(
                *(table.c[name] == sa.bindparam(f"k_{name}") for name in _key_names(table)), table.c.n <= 0),
                emptied)
    return changed


def replace_unanswered(conn: Connection, first: date, last: date, measured: DayMeasures) -> None:
    lo, hi = day_start(first), day_start(last + timedelta(days=1))
    conn.execute(sa.delete(UNANSWERED).where(UNANSWERED.c.at >= lo, UNANSWERED.c.at < hi))
    if measured.unanswered:
        conn.execute(sa.insert(UNANSWERED), measured.unanswered)
