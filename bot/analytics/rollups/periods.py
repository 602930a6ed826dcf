"""Days, ISO weeks and four-week blocks, and tiling a date range with them.

Rollup cells are kept per day, per week and per block (bot/storage/rollups.py). A date
range is answered from the coarsest periods that fit inside it exactly: days up to the
first Monday, weeks up to the first block boundary, blocks, then weeks and days again at
the end. A 26-week range needs about 10 periods instead of 182 days, and the answer is
still exact for any start and end date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

Grain = Literal["d", "w", "b"]

#: A Monday; blocks of four weeks are counted from here, so every block starts on a Monday.
EPOCH = date(2001, 1, 1)
BLOCK_WEEKS = 4
SPAN_DAYS: dict[str, int] = {"d": 1, "w": 7, "b": 7 * BLOCK_WEEKS}
#: Coarsest first.
ORDER: tuple[Grain, ...] = ("b", "w", "d")


def monday(day: date) -> date:
    """The Monday of the ISO week that ``day`` falls in."""
    return day - timedelta(days=day.weekday())


def block_start(day: date) -> date:
    """The first day of the four-week block that ``day`` falls in."""
    week = monday(day)
    return week - timedelta(weeks=((week - EPOCH).days // 7) % BLOCK_WEEKS)


def period_start(day: date, grain: str) -> date:
    if grain == "d":
        return day
    if grain == "w":
        return monday(day)
    return block_start(day)


def day_start(day: date) -> datetime:
    """Midnight at the start of ``day`` (timestamps are naive UTC, as the tables store them)."""
    return datetime(day.year, day.month, day.day)


@dataclass(frozen=True)
class Piece:
    """Periods of one grain whose starts run from ``first`` to ``last`` (inclusive)."""

    grain: Grain
    first: date
    last: date


def cover(start: date, end: date, largest: Grain = "b") -> list[Piece]:
    """Tile ``start``..``end`` (inclusive) exactly with the coarsest periods that fit.

    ``largest`` caps the grain: a breakdown by week must not read four-week blocks.
    """
    if end < start:
        return []
    grains: tuple[Grain, ...] = ORDER[ORDER.index(largest):]
    pieces: list[Piece] = []
    day = start
    while day <= end:
        for grain in grains:
            span = timedelta(days=SPAN_DAYS[grain])
            if period_start(day, grain) == day and day + span - timedelta(days=1) <= end:
                if pieces and pieces[-1].grain == grain:
                    pieces[-1] = Piece(grain, pieces[-1].first, day)
                else:
                    pieces.append(Piece(grain, day, day))
                day += span
                break
    return pieces


def weeks_between(start: date, end: date) -> list[date]:
    """The Mondays of every ISO week that overlaps ``start``..``end``."""
    weeks, week = [], monday(start)
    while week <= end:
        weeks.append(week)
        week += timedelta(weeks=1)
    return weeks
