"""The periods people report in, the period before each, and the intervals of a trend.

A programme reports by calendar week (Monday to Sunday), month, quarter and the UK
financial year (1 April to 31 March), and compares each with the one before. This
module turns a preset name and today's date into a date range, finds the previous
*equal* period, and splits a range into weekly or monthly intervals, saying which are
unfinished or cut by the range, so a chart can label them instead of drawing a fall.

"Equal" means the same stretch of the previous period: while a month is still running
(the 3rd of December), this month so far is compared with the first three days of
November, not with all of November, which would always look like a fall. A finished
period is compared with the whole previous one; a custom range with the same number of
days just before it. (The tiling of a range into rollup cells is bot/analytics/rollups/periods.py.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

Unit = Literal["week", "month", "quarter", "year"]
Interval = Literal["week", "month"]

INTERVALS: tuple[Interval, ...] = ("week", "month")
#: Preset name -> (unit, how many periods back: 0 this one, 1 the last one).
PRESETS: dict[str, tuple[Unit, int]] = {
    "this_week": ("week", 0), "last_week": ("week", 1),
    "this_month": ("month", 0), "last_month": ("month", 1),
    "this_quarter": ("quarter", 0), "last_quarter": ("quarter", 1),
    "this_financial_year": ("year", 0), "last_financial_year": ("year", 1),
}
CUSTOM = "custom"
PRESET_TITLES = {
    "this_week": "This week", "last_week": "Last week", "this_month": "This month",
    "last_month": "Last month", "this_quarter": "This quarter", "last_quarter": "Last quarter",
    "this_financial_year": "This financial year", "last_financial_year": "Last financial year",
    CUSTOM: "Custom dates",
}
#: The UK financial year starts in April.
FINANCIAL_YEAR_MONTH = 4


def _add_months(day: date, months: int) -> date:
    """The first of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def unit_start(day: date, unit: Unit) -> date:
    """The first day of the week, month, quarter or financial year that ``day`` falls in."""
    if unit == "week":
        return day - timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    if unit == "quarter":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    year = day.year if day.month >= FINANCIAL_YEAR_MONTH else day.year - 1
    return date(year, FINANCIAL_YEAR_MONTH, 1)


def shift(start: date, unit: Unit, count: int) -> date:
    """The start of the period ``count`` units after the one starting at ``start``."""
    if unit == "week":
        return start + timedelta(weeks=count)
    months = {"month": 1, "quarter": 3, "year": 12}[unit]
    return _add_months(start, months * count)


def unit_end(start: date, unit: Unit) -> date:
    """The last day of the period starting at ``start``."""
    return shift(start, unit, 1) - timedelta(days=1)


@dataclass(frozen=True)
class Period:
    """A reporting period: the days it covers so far, and the days it will cover in full."""

    preset: str
    start: date
    end: date  # the last day counted (today at most)
    full_end: date  # the period's natural last day
    unit: Unit | None = None  # None for a custom range

    @property
    def unfinished(self) -> bool:
        return self.end < self.full_end

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The equal period before: the same stretch of the previous week, month, quarter or year."""
        if self.unit is None:
            end = self.start - timedelta(days=1)
            return Period(CUSTOM, end - timedelta(days=self.days - 1), end, end)
        start = shift(self.start, self.unit, -1)
        full_end = unit_end(start, self.unit)
        end = min(start + timedelta(days=self.days - 1), full_end)
        if not self.unfinished:
            end = full_end
        return Period(self.preset, start, end, full_end, self.unit)

    def year_before(self) -> Period:
        """The same stretch a year earlier (for the monthly report's "same month last year")."""
        if self.unit is None:
            start = _same_day_last_year(self.start)
            end = start + timedelta(days=self.days - 1)
            return Period(CUSTOM, start, end, end)
        steps = {"week": 52, "month": 12, "quarter": 4, "year": 1}[self.unit]
        start = shift(self.start, self.unit, -steps)
        full_end = unit_end(start, self.unit)
        end = full_end if not self.unfinished else min(start + timedelta(days=self.days - 1), full_end)
        return Period(self.preset, start, end, full_end, self.unit)


def _same_day_last_year(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def preset(name: str, today: date) -> Period:
    """The period a preset names, as of ``today`` (a "this" period runs to today)."""
    unit, back = PRESETS[name]
    start = shift(unit_start(today, unit), unit, -back)
    full_end = unit_end(start, unit)
    return Period(name, start, min(full_end, today), full_end, unit)


def custom(start: date, end: date, today: date) -> Period:
    """A range of the user's choosing; unfinished when it runs past today."""
    return Period(CUSTOM, start, min(end, max(today, start)), end)


@dataclass(frozen=True)
class Bucket:
    """One interval of a trend: its days inside the range, and whether it is whole."""

    label: str
    first: date  # first day inside the range
    last: date  # last day inside the range
    days: int  # days it has inside the range so far
    full_days: int  # days it has in full (7 for a week, 28-31 for a month)
    unfinished: bool  # it runs past today
    cut: bool  # the range starts or ends inside it

    @property
    def partial(self) -> bool:
        return self.unfinished or self.cut

    @property
    def note(self) -> str:
        if self.unfinished:
            return f"unfinished: {self.days} of {self.full_days} days so far"
        if self.cut:
            return f"part only: {self.days} of {self.full_days} days in the range"
        return ""


def buckets(start: date, end: date, interval: Interval, today: date, range_end: date | None = None
            ) -> list[Bucket]:
    """The weeks or months overlapping ``start``..``end``; ``range_end`` is the range's chosen end.

    ``end`` is the last day counted (today at most); ``range_end`` (default ``end``) the
    last day asked for, so an interval the range cuts short is told apart from one that
    is simply not over yet.
    """
    unit: Unit = "week" if interval == "week" else "month"
    chosen_end = range_end or end
    out: list[Bucket] = []
    first = unit_start(start, unit)
    while first <= end:
        last = unit_end(first, unit)
        inside_first, inside_last = max(first, start), min(last, end)
        full_days = (last - first).days + 1
        label = first.isoformat() if interval == "week" else first.strftime("%Y-%m")
        out.append(Bucket(label=label, first=inside_first, last=inside_last,
                          days=(inside_last - inside_first).days + 1, full_days=full_days,
                          unfinished=last > end and end >= today,
                          cut=first < start or last > chosen_end))
        first = shift(first, unit, 1)
    return out


def change(current: int | float | None, previous: int | float | None) -> dict[str, float | int | None]:
    """The previous value, and the change from it in number and per cent (None if unknown)."""
    if current is None or previous is None:
        return {"previous": previous, "change": None, "percent": None}
    difference = current - previous
    percent = difference / previous if previous else None
    return {"previous": previous, "change": difference, "percent": percent}
