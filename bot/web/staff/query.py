"""Reading the dashboard's filters from a URL query string, and writing them back.

Filters live in the URL (``?period=last_month&interval=week&size=micro``, or
``?period=custom&from=2025-04-01&to=2025-06-29``) so a view can be shared by copying the
address. A period preset (this or last week, month, quarter or UK financial year) sets
the dates itself; ``custom`` (or dates without a preset) uses ``from`` and ``to``. Every
page compares the period with the previous equal one (bot/analytics/report_periods.py).

Dates are clamped: a range never reaches past today, nor starts before the first day
the analytics database holds, so ``?from=1000-01-01`` costs what the data's whole span
costs and ``9999-12-31`` cannot overflow. A date that is not a real date is an error
(the pages answer 400 with the reason); an unknown segment value is reported above the
figures and left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Mapping
from urllib.parse import urlencode

from bot.analytics.filters import DIMENSIONS, SEGMENT_VALUES, Filters
from bot.analytics.report_periods import (
    CUSTOM,
    INTERVALS,
    PRESET_TITLES,
    PRESETS,
    Interval,
    Period,
    custom,
    preset,
)

#: The period shown when the URL names none: the last whole calendar month.
DEFAULT_PERIOD = "last_month"
FILTER_KEYS = ("period", "from", "to", "interval", *DIMENSIONS)
#: Dates outside these years are not dates anyone reports on (and would overflow day arithmetic).
FIRST_YEAR, LAST_YEAR = 2000, 2100


@dataclass
class Chosen:
    filters: Filters
    errors: list[str] = field(default_factory=list)
    period: Period | None = None
    interval: Interval = "week"
    #: Dates that are not dates (``2025-02-30``, ``tomorrow``): pages answer 400.
    impossible: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.period is None:
            f = self.filters
            self.period = Period(CUSTOM, f.start, f.end, f.end)

    @property
    def current(self) -> Period:
        assert self.period is not None
        return self.period

    @property
    def previous(self) -> Period:
        return self.current.previous()

    def previous_filters(self) -> Filters:
        """The same segment over the previous equal period."""
        before = self.previous
        f = self.filters
        return Filters(before.start, before.end, size=f.size, sector=f.sector, nation=f.nation)

    @property
    def title(self) -> str:
        return PRESET_TITLES.get(self.current.preset, "Custom dates")

    def params(self) -> dict[str, str]:
        """The filters as query parameters: a preset by name (a "last month" link stays last
        month), custom dates written out."""
        values = {"period": self.current.preset, "interval": self.interval}
        if self.current.preset == CUSTOM:
            values.update({"from": self.filters.start.isoformat(), "to": self.current.full_end.isoformat()})
        for dimension in DIMENSIONS:
            value = self.filters.segment(dimension)
            if value is not None:
                values[dimension] = value
        return values

    def query(self, **extra: Any) -> str:
        values: dict[str, Any] = {**self.params(), **{k: v for k, v in extra.items() if v is not None}}
        if values.get("period") != CUSTOM:
            values.pop("from", None)
            values.pop("to", None)
        return urlencode(values)


def _day(raw: str, label: str, impossible: list[str]) -> date | None:
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        impossible.append(f"The {label} date {raw[:40]!r} is not a real date. Write it like 2025-03-31.")
        return None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        impossible.append(f"The {label} date {raw[:40]!r} is outside {FIRST_YEAR} to {LAST_YEAR}.")
        return None
    return day


def read_filters(args: Mapping[str, Any], today: date | None = None,
                 span: tuple[date, date] | None = None) -> Chosen:
    """Filters from query arguments (Sanic's ``request.args`` or any mapping of lists/strings).

    ``span`` is the first and last day the database holds; custom ranges are clamped to
    start no earlier than its first day. Every range ends by ``today`` at the latest.
    """

    def first(name: str) -> str:
        value = args.get(name)
        if isinstance(value, list):
            value = value[0] if value else ""
        return str(value or "").strip()

    errors: list[str] = []
    impossible: list[str] = []
    today = today or datetime.now(timezone.utc).date()
    raw_end, raw_start = _day(first("to"), "end", impossible), _day(first("from"), "start", impossible)
    name = first("period").lower()
    if name and name not in PRESETS and name != CUSTOM:
        errors.append(f"There is no period called {name[:40]!r}, so it was left out.")
        name = ""
    if not name:
        name = CUSTOM if (raw_start or raw_end) else DEFAULT_PERIOD
    if name in PRESETS:
        period = preset(name, today)
    else:
        end = raw_end or today
        start = raw_start or end.replace(day=1)
        if end < start:
            errors.append("The end date is before the start date, so the dates were swapped.")
            start, end = end, start
        if span is not None and start < span[0] <= end:
            errors.append(f"Nothing is recorded before {span[0]:%d %b %Y}, so the range starts there.")
            start = span[0]
        period = custom(start, end, today)  # counted up to today; later days make it unfinished
    interval_name = first("interval").lower() or "week"
    interval: Interval = "week"
    if interval_name in INTERVALS:
        interval = "month" if interval_name == "month" else "week"
    else:
        errors.append(f"There is no interval called {interval_name[:40]!r}; showing weeks.")
    segments: dict[str, str | None] = {}
    for dimension in DIMENSIONS:
        value = first(dimension).lower()
        if value and value not in SEGMENT_VALUES[dimension]:
            errors.append(f"There is no {dimension} called {value[:40]!r}; showing every {dimension}.")
            value = ""
        segments[dimension] = value or None
    filters = Filters(period.start, period.end, size=segments["size"], sector=segments["sector"],
                      nation=segments["nation"])
    return Chosen(filters, errors, period=period, interval=interval, impossible=impossible)


def page_number(args: Mapping[str, Any]) -> int:
    raw = args.get("page")
    if isinstance(raw, list):
        raw = raw[0] if raw else None
    try:
        return max(1, min(int(str(raw)), 1_000_000))
    except (TypeError, ValueError):
        return 1

