"""The month's report: headline figures against the month before and the same month last year.

One function gathers what the printable report page (``/staff/report``) shows: the
headline figures of a calendar month beside the previous month and the same month a
year earlier, uptake per 1,000 businesses, the urgent path, and the biggest unanswered
groups. Everything comes from the same functions as the dashboard's own pages, so the
report and the pages cannot disagree. The PDF (``monthly_pdf``), the email
(``monthly_email``) and the page all draw from ``report``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.analytics import dashboard, incidents, population, unanswered
from bot.analytics.filters import DIMENSIONS, Filters
from bot.analytics.report_periods import Period, preset, unit_end
from bot.analytics.rollups.refresh import Connectable

TOP_GROUPS = 10
#: The figures of the headline table, in order (the page, the PDF and the email show these).
HEADLINE = ("reach", "conversations", "plans_delivered", "commitments", "reported_done", "helpfulness")
#: Figures that are shares: their change is in percentage points, not numbers.
SHARES = frozenset({"helpfulness"})


def month_period(month: str | None, today: date) -> Period:
    """The calendar month ``YYYY-MM`` (default: last month) as a period, cut at ``today``.

    A ValueError names the expected form; a month still running is unfinished.
    """
    if month is None:
        return preset("last_month", today)
    try:
        first = date.fromisoformat(month.strip() + "-01")
    except ValueError as error:
        raise ValueError(f"{month!r} is not a month; use YYYY-MM, e.g. 2026-11") from error
    last = unit_end(first, "month")
    return Period("custom", first, max(first, min(last, today)), last, "month")


def _over(period: Period, segment: Filters) -> Filters:
    return Filters(period.start, period.end, size=segment.size, sector=segment.sector, nation=segment.nation)


def report(conn: Connectable, month: Period, segment: Filters) -> dict[str, Any]:
    """The report of ``month`` for the segment of ``segment`` (its dates are not used)."""
    current, before, last_year = _over(month, segment), _over(month.previous(), segment), _over(
        month.year_before(), segment)
    headline = dashboard.headline(conn, current)
    found = unanswered.report(conn, current, before)
    return {
        "month": month, "previous": month.previous(), "last_year": month.year_before(),
        "headline": headline, "figures": HEADLINE,
        "segment": {str(d): str(segment.segment(d)) for d in DIMENSIONS if segment.segment(d)},
        "against_previous": dashboard.compared(headline, dashboard.headline(conn, before)),
        "against_last_year": dashboard.compared(headline, dashboard.headline(conn, last_year)),
        "population": population.ratios(conn, current),
        "source": population.default_population(),
        "incidents": incidents.summary(conn, current),
        "unanswered": {**found, "groups": found["groups"][:TOP_GROUPS]},
    }
