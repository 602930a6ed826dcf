"""The month's report: headline figures against the month before and the same month last year.

One function gathers what the printable report page (``/staff/report``) shows: the
headline figures of a calendar month beside the previous month and the same month a
year earlier, uptake per 1,000 businesses, the urgent path, and the biggest unanswered
groups. Everything comes from the same functions as the dashboard's own pages, so the
report and the pages cannot disagree.
"""

from __future__ import annotations

from typing import Any

from bot.analytics import dashboard, incidents, population, unanswered
from bot.analytics.filters import Filters
from bot.analytics.report_periods import Period
from bot.analytics.rollups.refresh import Connectable

TOP_GROUPS = 10


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
        "headline": headline,
        "against_previous": dashboard.compared(headline, dashboard.headline(conn, before)),
        "against_last_year": dashboard.compared(headline, dashboard.headline(conn, last_year)),
        "population": population.ratios(conn, current),
        "source": population.default_population(),
        "incidents": incidents.summary(conn, current),
        "unanswered": {**found, "groups": found["groups"][:TOP_GROUPS]},
    }
