"""What a metric is computed over: a date range and, optionally, one segment.

Segment values are the profile's vocabulary (bot/guidance/profile.py) plus ``unknown`` for rows
whose profile did not hold that attribute, so "how did we do with businesses that never
told us their size" is a filter like any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from bot.guidance.profile import NATIONS, SECTORS, SIZES
from bot.storage.rollups import UNKNOWN

Dimension = Literal["size", "sector", "nation"]
Breakdown = Literal["size", "sector", "nation", "week"]

DIMENSIONS: tuple[Dimension, ...] = ("size", "sector", "nation")
BREAKDOWNS: tuple[Breakdown, ...] = ("size", "sector", "nation", "week")
#: Every value a segment column can hold in the rollups, in report order.
SEGMENT_VALUES: dict[str, tuple[str, ...]] = {
    "size": (*SIZES, UNKNOWN),
    "sector": (*SECTORS, UNKNOWN),
    "nation": (*NATIONS, UNKNOWN),
}


def check_segment(dimension: str, value: str) -> str:
    """``value`` if it is a known value of ``dimension``; else a ValueError listing them."""
    allowed = SEGMENT_VALUES[dimension]
    if value not in allowed:
        raise ValueError(f"unknown {dimension} {value!r}; allowed: {', '.join(allowed)}")
    return value


@dataclass(frozen=True)
class Filters:
    """A date range (both ends inclusive, UTC days) and optional segment values."""

    start: date
    end: date
    size: str | None = None
    sector: str | None = None
    nation: str | None = None

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"the range ends ({self.end}) before it starts ({self.start})")
        for dimension in DIMENSIONS:
            value = self.segment(dimension)
            if value is not None:
                check_segment(dimension, value)

    def segment(self, dimension: str) -> str | None:
        value: str | None = getattr(self, dimension)
        return value

    def as_dict(self) -> dict[str, Any]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(),
                "size": self.size, "sector": self.sector, "nation": self.nation}
