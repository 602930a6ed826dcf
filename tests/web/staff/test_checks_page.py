"""The Checks page, one click from the overview: checks run and what they found, by segment.

Real web process, real Chromium, the demo database (tests/web/staff/conftest.py) with
website and email check runs added to last month's conversations here (demo data has
none); each figure is read from the page and worked out again with plain SQL.
"""

from __future__ import annotations

import csv
import io
import sqlite3
from collections import Counter
from datetime import date, timedelta
from typing import Iterator

import pytest
from playwright.sync_api import Browser, Page

from tests.browser import screenshot
from tests.web.staff import expected
from tests.web.staff.conftest import ADMIN, ANALYST, Dashboard
from tests.web.staff.test_dashboard import sign_in
from tests.web.staff.test_reporting import month_before, number, serious_violations, today

FIRST_EVENT = 9_000_000  # far above any event id the demo data writes


def last_month() -> tuple[date, date]:
    this_month = today().replace(day=1)
    return month_before(this_month), this_month - timedelta(days=1)


@pytest.fixture(scope="module")
def seeded(dashboard: Dashboard) -> Iterator[str]:
    """Eight website checks (three fail CAA) and two refused ones on last month's conversations
    of the commonest size band, and two email checks; removed again after the module."""
    low, high = expected.bounds(*last_month())
    [(size,)] = dashboard.sql(
        "SELECT size FROM conversations WHERE started_at >= ? AND started_at < ? AND size IS NOT NULL "
        "GROUP BY size ORDER BY count(*) DESC, size LIMIT 1", low, high)
    found = dashboard.sql("SELECT conversation_key, visitor_key, started_at FROM conversations WHERE "
                          "started_at >= ? AND started_at < ? AND size = ? ORDER BY id LIMIT 10",
                          low, high, size)
    assert len(found) == 10
    runs = []
    for n, (conversation, visitor, at) in enumerate(found):
        week = date.fromisoformat(str(at)[:10])
        week -= timedelta(days=week.weekday())
        if n < 8:
            findings = "https:pass,hsts:warning" + (",caa:fail" if n < 3 else ",caa:pass")
            runs.append((FIRST_EVENT + n, conversation, visitor, at, week.isoformat(), "website", "checked",
                         findings))
        else:
            runs.append((FIRST_EVENT + n, conversation, visitor, at, week.isoformat(), "email_domain",
                         "checked", "mx:pass,dmarc:warning"))
            runs.append((FIRST_EVENT + 100 + n, conversation, visitor, at, week.isoformat(), "website",
                         "refused", None))
    connection = sqlite3.connect(dashboard.database)
    try:
        with connection:
            connection.executemany(
                "INSERT INTO check_runs (event_id, conversation_key, visitor_key, at, week, kind, outcome, "
                "passes, warnings, fails, findings) VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, 0, ?)", runs)
        yield str(size)
    finally:
        with connection:
            connection.execute("DELETE FROM check_runs WHERE event_id >= ?", (FIRST_EVENT,))
        connection.close()


def test_checks_run_and_commonest_problems_from_the_overview(page: Page, dashboard: Dashboard,
                                                           seeded: str) -> None:
    sign_in(page, dashboard, ANALYST)  # the overview, last month
    page.get_by_role("link", name="Checks", exact=True).click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Website and email checks"
    low, high = expected.bounds(*last_month())
    [(checks, conversations, businesses)] = dashboard.sql(
        "SELECT count(*), count(DISTINCT conversation_key), count(DISTINCT visitor_key) FROM check_runs "
        "WHERE kind = 'website' AND outcome = 'checked' AND at >= ? AND at < ?", low, high)
    card = page.locator('[data-figure="website_checks"]')
    assert number(card.locator("dd").first.inner_text()) == checks == 8
    assert f"in {conversations} conversations, by {businesses} businesses" in card.inner_text()
    assert card.locator("[data-not-run]").get_attribute("data-not-run") == "2"
    assert number(page.locator('[data-figure="email_checks"] dd').first.inner_text()) == 2
    # The share passing each finding, as plain SQL counts it from the stored findings.
    rows = [findings for (findings,) in dashboard.sql(
        "SELECT findings FROM check_runs WHERE kind = 'website' AND outcome = 'checked' "
        "AND at >= ? AND at < ?", low, high)]
    caa = Counter(item.split(":")[1] for findings in rows for item in findings.split(",")
                  if item.startswith("caa:"))
    row = page.locator('#findings-website tr[data-finding="caa"]')
    assert row.locator("th").inner_text() == "CAA record names who may issue certificates"
    assert row.locator("td").last.inner_text() == f"{100 * caa['pass'] / sum(caa.values()):.1f}%"
    # The commonest problem in the seeded size band: every check warned on HSTS.
    group = page.locator(f'#problems-size tr[data-segment="{seeded}"][data-kind="website"]')
    assert number(group.locator("td").nth(1).inner_text()) == 8
    top = group.locator("li").first
    assert top.get_attribute("data-finding") == "hsts" and top.get_attribute("data-count") == "8"
    assert "HSTS for at least a year" in top.inner_text()
    # Two email checks are under the floor of five: left out, not shown.
    assert page.locator('#problems-size tr[data-kind="email_domain"]').count() == 0
    assert "No website address or email domain is kept" in page.locator("main").inner_text()
    screenshot(page, "staff-checks")


def test_the_checks_page_passes_axe(browser: Browser, dashboard: Dashboard, seeded: str) -> None:
    context = browser.new_context(bypass_csp=True)  # only so the test can inject axe-core
    page = context.new_page()
    try:
        sign_in(page, dashboard, ADMIN, target="/staff/checks")
        assert page.locator("#problems-size tbody tr").count() > 0
        assert serious_violations(page) == []
    finally:
        context.close()


def test_the_checks_tables_download_as_csv(dashboard: Dashboard, seeded: str) -> None:
    session = dashboard.sign_in(ADMIN)
    answer = session.get(f"{dashboard.url}/staff/export/check-problems-size.csv?period=last_month",
                         timeout=30)
    assert answer.status_code == 200
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    first = [row for row in rows if row["segment"] == seeded and row["rank"] == "1"]
    assert [(row["kind"], row["finding"], row["problems"]) for row in first] == [("website", "hsts", "8")]
    assert all(set(row) == {"segment", "kind", "checks", "rank", "finding", "title", "problems", "share"}
               for row in rows)
