"""The overview's "Plans kept and followed up": seeded events read back from the page in Chromium.

Follow-through rows are written by the real writer (bot/plans/follow_through.py) into the
demo dashboard's database, with its clock set inside two whole weeks of the demo data.
The page's figures, per-week table and CSV are checked against the seeded answers and
against plain SQL on the same file, and axe checks the page.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser, Page

from bot.analytics.follow_through import SERIES
from bot.plans import follow_through
from bot.storage.database import create_engine
from tests.browser import screenshot
from tests.web.staff.conftest import ADMIN, Dashboard
from tests.web.staff.test_dashboard import data_range, sign_in
from tests.web.staff.test_reporting import serious_violations

CHARITY_WALES = {"size": "micro", "sector": "charity", "nation": "wales"}
SMALL_CHARITY = {"size": "small", "sector": "charity", "nation": "england"}
#: (days after the first Monday, hour, kind, slots): the seeded events, all in charities.
SEEDED: tuple[tuple[int, int, follow_through.Kind, dict[str, Any]], ...] = (
    (0, 9, "link_created", CHARITY_WALES), (0, 10, "link_created", SMALL_CHARITY),
    (1, 9, "plan_emailed", CHARITY_WALES), (2, 9, "link_opened", CHARITY_WALES),
    (7, 9, "reminder_sent", CHARITY_WALES), (7, 12, "link_opened", SMALL_CHARITY),
    (8, 9, "done_after_reminder", CHARITY_WALES), (8, 9, "done_after_reminder", CHARITY_WALES),
    (13, 23, "unsubscribed", CHARITY_WALES),
    (14, 0, "reminder_sent", CHARITY_WALES),  # the Monday after the period: not counted
)


@pytest.fixture(scope="module")
def weeks(dashboard: Dashboard) -> tuple[date, date]:
    """Two whole weeks inside the demo data, with the follow-through events seeded in them."""
    first, last = data_range(dashboard)
    monday = last - timedelta(days=last.weekday() + 21)
    assert monday >= first
    engine = create_engine(dashboard.env["DATABASE_URL"])
    try:
        for days, hour, kind, slots in SEEDED:
            at = datetime(monday.year, monday.month, monday.day, hour) + timedelta(days=days)
            follow_through.record(engine, kind, slots, clock=lambda at=at: at)
    finally:
        engine.dispose()
    return monday, monday + timedelta(days=13)


def figures(page: Page) -> dict[str, int]:
    return {key: int(page.locator(f'#kept [data-figure="{key}"] dd').first.inner_text().replace(",", ""))
            for key in SERIES}


def week_rows(page: Page) -> dict[str, dict[str, int]]:
    rows: dict[str, dict[str, int]] = {}
    for row in page.locator("#kept-trend tbody tr").all():
        period = row.get_attribute("data-period") or ""
        rows[period] = {key: int(row.locator(f'td[data-figure="{key}"]').inner_text()) for key in SERIES}
    return rows


def test_the_overview_shows_plans_kept_and_followed_up(browser: Browser, dashboard: Dashboard,
                                                       weeks: tuple[date, date]) -> None:
    start, end = weeks
    second = (start + timedelta(days=7)).isoformat()
    # CSP is bypassed only so the test can inject axe-core; the page itself is unchanged.
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, dashboard, ADMIN)
        period = f"period=custom&from={start}&to={end}"
        page.goto(f"{dashboard.url}/staff/?{period}&sector=charity")
        assert figures(page) == {"links_made": 2, "plans_emailed": 1, "links_opened": 2, "reminders_sent": 1,
                                 "done_after_reminder": 2, "unsubscribed": 1}
        assert week_rows(page) == {
            start.isoformat(): {"links_made": 2, "plans_emailed": 1, "links_opened": 1, "reminders_sent": 0,
                                "done_after_reminder": 0, "unsubscribed": 0},
            second: {"links_made": 0, "plans_emailed": 0, "links_opened": 1, "reminders_sent": 1,
                     "done_after_reminder": 2, "unsubscribed": 1}}
        # The "?" beside a figure says what it counts.
        card = page.locator('#kept [data-figure="done_after_reminder"]')
        card.locator("summary").click()
        assert "ticked as done" in card.locator(".define p").first.inner_text()
        screenshot(page, "staff-overview-plans-kept")
        assert serious_violations(page) == []
        assert "@" not in page.locator("#kept").inner_text() + page.locator("#kept-trend").inner_text()

        # The page's segment filters apply: one size band, then one nation.
        page.goto(f"{dashboard.url}/staff/?{period}&sector=charity&size=small")
        assert figures(page) == {"links_made": 1, "plans_emailed": 0, "links_opened": 1, "reminders_sent": 0,
                                 "done_after_reminder": 0, "unsubscribed": 0}
        page.goto(f"{dashboard.url}/staff/?{period}&nation=wales&sector=charity")
        assert figures(page)["done_after_reminder"] == 2 and figures(page)["links_made"] == 1

        # Without a segment, the figures are the table's own counts over the period (plain SQL).
        page.goto(f"{dashboard.url}/staff/?{period}")
        counted = dict(dashboard.sql(
            "SELECT kind, count(*) FROM plan_follow_through WHERE at >= ? AND at < ? GROUP BY kind",
            start.isoformat(), (end + timedelta(days=1)).isoformat()))
        kinds = dict(zip(SERIES, ("link_created", "plan_emailed", "link_opened", "reminder_sent",
                                  "done_after_reminder", "unsubscribed"), strict=True))
        assert figures(page) == {key: int(str(counted.get(kinds[key], 0))) for key in SERIES}

        # The per-week CSV, through the tables registry's safe writer, holds counts only.
        page.goto(f"{dashboard.url}/staff/?{period}&sector=charity")
        link = page.locator('a[href^="/staff/export/kept-weekly.csv?"]')
        assert link.inner_text().startswith("Download CSV")
        href = link.get_attribute("href")
        assert href is not None
        answer = requests.get(f"{dashboard.url}{href}", timeout=30,
                              cookies={c["name"]: c["value"] for c in context.cookies()})
        assert answer.status_code == 200
        rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
        assert [(row["period"], row["done_after_reminder"], row["links_made"]) for row in rows] == [
            (start.isoformat(), "0", "2"), (second, "2", "0")]
        assert "@" not in answer.text and "token" not in answer.text and "visitor" not in answer.text
    finally:
        context.close()
