"""Reading the dashboard's filters from a URL query string, and writing them back.

Filters live in the URL (``?from=2025-04-01&to=2025-06-29&size=micro``) so a view can be
shared by copying the address. A bad value is not an error page: it is reported above
the figures and left out, and the page shows the default for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Mapping
from urllib.parse import urlencode

from bot.analytics.filters import DIMENSIONS, SEGMENT_VALUES, Filters

#: Default range: the 12 weeks ending today (UTC), as ``bot report``.
DEFAULT_WEEKS = 12
FILTER_KEYS = ("from", "to", *DIMENSIONS)


@dataclass
class Chosen:
    filters: Filters
    errors: list[str] = field(default_factory=list)

    def params(self) -> dict[str, str]:
        """The filters as query parameters (dates always written out, so a link is stable)."""
        values = {"from": self.filters.start.isoformat(), "to": self.filters.end.isoformat()}
        for dimension in DIMENSIONS:
            value = self.filters.segment(dimension)
            if value is not None:
                values[dimension] = value
        return values

    def query(self, **extra: Any) -> str:
        values: dict[str, Any] = {**self.params(), **{k: v for k, v in extra.items() if v is not None}}
        return urlencode(values)


def _day(raw: str, label: str, errors: list[str]) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors.append(f"The {label} date must be a real date, like 2025-03-31.")
        return None


def read_filters(args: Mapping[str, Any], today: date | None = None) -> Chosen:
    """Filters from query arguments (Sanic's ``request.args`` or any mapping of lists/strings)."""

    def first(name: str) -> str:
        value = args.get(name)
        if isinstance(value, list):
            value = value[0] if value else ""
        return str(value or "").strip()

    errors: list[str] = []
    end = _day(first("to"), "end", errors) or today or datetime.now(timezone.utc).date()
    start = _day(first("from"), "start", errors) or end - timedelta(weeks=DEFAULT_WEEKS) + timedelta(days=1)
    if end < start:
        errors.append("The end date is before the start date, so the dates were swapped.")
        start, end = end, start
    segments: dict[str, str | None] = {}
    for dimension in DIMENSIONS:
        value = first(dimension).lower()
        if value and value not in SEGMENT_VALUES[dimension]:
            errors.append(f"There is no {dimension} called {value!r}; showing every {dimension}.")
            value = ""
        segments[dimension] = value or None
    return Chosen(Filters(start, end, size=segments["size"], sector=segments["sector"],
                          nation=segments["nation"]), errors)


def page_number(args: Mapping[str, Any]) -> int:
    raw = args.get("page")
    if isinstance(raw, list):
        raw = raw[0] if raw else None
    try:
        return max(1, min(int(str(raw)), 1_000_000))
    except (TypeError, ValueError):
        return 1
