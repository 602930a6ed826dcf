"""Reading rollup cells: sums of measures over a date range, filtered and broken down.

One statement per call. It picks the mask of exactly the dimensions that are filtered or
broken down by, tiles the date range with the coarsest periods that fit
(``periods.cover``), and reads each tile with an index seek: the dimensions filtered are
equalities, the dimension broken down by is an IN list of its known values, the rest
are ``*``. So the rows read depend on the range and the segments asked for, not on how
many turns the database holds.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.analytics.filters import DIMENSIONS, SEGMENT_VALUES, Breakdown, Filters
from bot.analytics.rollups.periods import Grain, cover, weeks_between
from bot.storage.rollups import ALL, DIMENSION_BITS, RollupCell

CELLS: sa.Table = RollupCell.__table__
#: Group name of an un-broken-down result.
TOTAL = "all"

#: group -> measure -> key -> count
Counts = dict[str, dict[str, Counter[str]]]


def groups(filters: Filters, by: Breakdown | None) -> list[str]:
    """The groups a breakdown reports, in order, including those with nothing in them."""
    if by is None:
        return [TOTAL]
    if by == "week":
        return [week.isoformat() for week in weeks_between(filters.start, filters.end)]
    chosen = filters.segment(by)
    return [chosen] if chosen is not None else list(SEGMENT_VALUES[by])


def group_start(filters: Filters, by: Breakdown | None, group: str) -> date:
    """The first day a group covers: the range start, or a week's Monday if later."""
    if by == "week":
        return max(filters.start, date.fromisoformat(group))
    return filters.start


def mask_for(filters: Filters, by: Breakdown | None) -> int:
    mask = 0
    for dimension in DIMENSIONS:
        if filters.segment(dimension) is not None or by == dimension:
            mask |= DIMENSION_BITS[dimension]
    return mask


def _tile(filters: Filters, by: Breakdown | None, measures: list[str], mask: int, grain: Grain,
          first: date, last: date) -> Any:
    if by in DIMENSIONS:
        group_column: Any = CELLS.c[str(by)]
    elif by == "week":
        group_column = CELLS.c.week
    else:
        group_column = sa.literal(TOTAL, sa.String)
    conditions = [CELLS.c.grain == grain, CELLS.c.mask == mask, CELLS.c.measure.in_(measures)]
    for dimension in DIMENSIONS:
        column, value = CELLS.c[dimension], filters.segment(dimension)
        if value is not None:
            conditions.append(column == value)
        elif by == dimension:
            conditions.append(column.in_(SEGMENT_VALUES[dimension]))
        else:
            conditions.append(column == ALL)
    conditions += [CELLS.c.period >= first, CELLS.c.period <= last]
    return sa.select(CELLS.c.measure, group_column.label("grp"), CELLS.c.key, CELLS.c.n).where(*conditions)


def _summed(filters: Filters, measures: list[str], by: Breakdown | None) -> Any:
    """measure, grp, key, n: the sums over the range, as a subquery."""
    mask = mask_for(filters, by)
    pieces = cover(filters.start, filters.end, "w" if by == "week" else "b")
    tiles = [_tile(filters, by, measures, mask, p.grain, p.first, p.last) for p in pieces]
    union = (tiles[0] if len(tiles) == 1 else sa.union_all(*tiles)).subquery()
    return (sa.select(union.c.measure, union.c.grp, union.c.key, sa.func.sum(union.c.n).label("n"))
            .group_by(union.c.measure, union.c.grp, union.c.key))


def _name(group: Any) -> str:
    return group.isoformat() if isinstance(group, date) else str(group)


def read(conn: Connection, filters: Filters, measures: list[str], by: Breakdown | None = None) -> Counts:
    """Sum ``measures`` over ``filters`` per group of ``by`` and per key."""
    counts: Counts = {name: {measure: Counter() for measure in measures} for name in groups(filters, by)}
    for measure, group, key, n in conn.execute(_summed(filters, measures, by)):
        name = _name(group)
        if name in counts:
            counts[name][measure][key] += int(n)
    return counts
