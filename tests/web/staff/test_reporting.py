"""A programme manager's questions, answered from the dashboard within two clicks of the overview.

Real web process, real Chromium, demo data (tests/web/staff/conftest.py). Each answer is
read from the page and checked against the database with plain SQL, worked out here.
"""

from __future__ import annotations

import io
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from playwright.sync_api import Browser, Page
from pypdf import PdfReader

from bot.analytics.population import POPULATION_FILE, load
from tests.browser import screenshot
from tests.web.staff import expected
from tests.web.staff.conftest import ADMIN, ANALYST, Dashboard
from tests.web.staff.test_dashboard import PAGES, sign_in
from tests.web.widget.conftest import AXE


def today() -> date:
    return datetime.now(timezone.utc).date()


def month_before(first_of_month: date) -> date:
    return (first_of_month - timedelta(days=1)).replace(day=1)


def number(text: str) -> int:
    return int(text.strip().split(" ")[0].replace(",", "").replace("~", ""))


def test_reach_last_month_against_the_month_before(page: Page, dashboard: Dashboard) -> None:
    sign_in(page, dashboard, ANALYST)  # lands on the overview: last month by default
    this_month = today().replace(day=1)
    last_start = month_before(this_month)
    before_start = month_before(last_start)
    last = expected.headline(dashboard.sql, last_start, this_month - timedelta(days=1))
    before = expected.headline(dashboard.sql, before_start, last_start - timedelta(days=1))
    card = page.locator('[data-figure="reach"]')
    assert number(card.locator("dd").first.inner_text()) == last["reach"]
    compare = card.locator("dd.compare")
    assert compare.get_attribute("data-previous") == str(before["reach"])
    change = last["reach"] - before["reach"]
    assert f"{change:+,}" in compare.inner_text()
    assert "Last month" in page.locator("#range").inner_text()
    screenshot(page, "staff-overview-last-month")


def test_the_monthly_report_is_one_click_from_the_overview(page: Page, dashboard: Dashboard) -> None:
    sign_in(page, dashboard, ANALYST)
    page.locator("#monthly-report").click()
    page.wait_for_load_state()
    this_month = today().replace(day=1)
    last_start = month_before(this_month)
    last = expected.headline(dashboard.sql, last_start, this_month - timedelta(days=1))
    before = expected.headline(dashboard.sql, month_before(last_start), last_start - timedelta(days=1))
    year_start = last_start.replace(year=last_start.year - 1)
    year_end = this_month.replace(year=this_month.year - 1) - timedelta(days=1)
    year = expected.headline(dashboard.sql, year_start, year_end)
    cells = page.locator('#report-headline tr[data-figure="reach"] td').all_inner_texts()
    assert [number(cells[0]), number(cells[1]), number(cells[3])] == [last["reach"], before["reach"],
                                                                      year["reach"]]
    assert page.locator("#report-unanswered li").count() > 0
    screenshot(page, "staff-monthly-report")


def test_the_report_downloads_as_a_pdf_with_the_pages_figures(page: Page, dashboard: Dashboard) -> None:
    sign_in(page, dashboard, ANALYST)
    page.locator("#monthly-report").click()
    page.wait_for_load_state()
    cells = page.locator('#report-headline tr[data-figure="reach"] td').all_inner_texts()
    groups = page.locator("#report-unanswered li").all_inner_texts()
    last_month = month_before(today().replace(day=1))
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the report as a PDF").click()
    download = info.value
    assert download.suggested_filename == f"monthly-report-{last_month:%Y-%m}.pdf"
    pages = PdfReader(io.BytesIO(download.path().read_bytes())).pages
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in pages)
    assert text.startswith(f"Monthly report: {last_month:%B %Y}")
    assert f"Businesses reached {' '.join(cell.strip() for cell in cells)}" in text
    assert groups and f"1. {' '.join(groups[0].split())}" in text
    # Figures only: no visitor or conversation key from the database is in the file.
    keys = [str(key) for (key,) in dashboard.sql(
        "SELECT visitor_key FROM conversations UNION SELECT conversation_key FROM conversations")]
    assert keys and not any(key in text for key in keys)


def test_any_month_by_its_address(dashboard: Dashboard) -> None:
    session = dashboard.sign_in(ANALYST)
    earlier = month_before(month_before(today().replace(day=1)))
    page = session.get(f"{dashboard.url}/staff/report?month={earlier:%Y-%m}", timeout=30)
    assert f"<h1>Monthly report: {earlier:%B %Y}</h1>" in page.text
    answer = session.get(f"{dashboard.url}/staff/report.pdf?month={earlier:%Y-%m}", timeout=60)
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "application/pdf"
    wanted = f'attachment; filename="monthly-report-{earlier:%Y-%m}.pdf"'
    assert answer.headers["Content-Disposition"] == wanted
    assert answer.headers["Cache-Control"] == "no-store"
    text = " ".join((p.extract_text() or "") for p in PdfReader(io.BytesIO(answer.content)).pages)
    assert text.startswith(f"Monthly report: {earlier:%B %Y}")


def test_unfinished_week_is_labelled_not_drawn_as_a_fall(page: Page, dashboard: Dashboard) -> None:
    sign_in(page, dashboard, ANALYST)
    page.get_by_role("link", name="This month").click()
    page.wait_for_load_state()
    rows = page.locator("#trend tbody tr")
    last = rows.last
    if today().weekday() != 6:  # the current week runs past today
        assert "partial" in (last.get_attribute("class") or "")
        assert "unfinished" in last.locator("td").last.inner_text()
        assert page.locator("circle.partial").count() > 0
    month_ends_today = (today() + timedelta(days=1)).day == 1
    assert "(unfinished" in page.locator("#range").inner_text() or month_ends_today


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def test_incidents_last_quarter_and_the_commonest_kind(page: Page, dashboard: Dashboard) -> None:
    # Last quarter when the demo data (the eight weeks to last Sunday) reaches into it, else this one.
    this_quarter = quarter_start(today())
    [(first_at,)] = dashboard.sql("SELECT min(started_at) FROM conversations")
    uses_last = date.fromisoformat(str(first_at)[:10]) < this_quarter
    start = quarter_start(this_quarter - timedelta(days=1)) if uses_last else this_quarter
    end = this_quarter - timedelta(days=1) if uses_last else today()
    sign_in(page, dashboard, ANALYST)
    page.get_by_role("link", name="Last quarter" if uses_last else "This quarter").click()
    page.wait_for_load_state()
    page.get_by_role("link", name="Incidents", exact=True).click()
    page.wait_for_load_state()
    low, high = expected.bounds(start, end)
    rows = dashboard.sql("SELECT conversation_key, incident FROM incident_replies WHERE at >= ? AND at < ?",
                         low, high)
    conversations = {key for key, _ in rows}
    kinds = Counter(kind for _, kind in {(key, kind) for key, kind in rows})
    shown = page.locator('[data-figure="incidents"] dd').first.inner_text()
    assert number(shown) == len(conversations) > 0
    commonest = max(kinds.values())
    top = page.locator("#incident-kinds tbody tr").first
    assert top.get_attribute("data-key") in {kind for kind, n in kinds.items() if n == commonest}
    assert number(top.locator("td").first.inner_text()) == commonest
    screenshot(page, "staff-incidents")


def test_the_size_band_with_the_lowest_reach_per_thousand(page: Page, dashboard: Dashboard) -> None:
    sign_in(page, dashboard, ANALYST)
    page.get_by_role("link", name="Segments", exact=True).click()
    page.wait_for_load_state()
    this_month = today().replace(day=1)
    low, high = expected.bounds(month_before(this_month), this_month - timedelta(days=1))
    first: dict[Any, Any] = {}
    for visitor, size in dashboard.sql("SELECT visitor_key, size FROM conversations WHERE started_at >= ? "
                                       "AND started_at < ? ORDER BY started_at, id", low, high):
        first.setdefault(visitor, size)
    sizes = Counter(first.values())
    groups = load(POPULATION_FILE).groups["size"]
    per_thousand = {group.label: 1000 * sum(sizes[v] for v in group.values) / group.businesses
                    for group in groups}
    lowest = min(per_thousand, key=lambda label: per_thousand[label])
    row = page.locator("#population-size tr.lowest")
    assert row.count() == 1 and lowest in row.locator("th").inner_text()
    assert row.locator("td").nth(2).inner_text() == f"{per_thousand[lowest]:.3f}"


def test_share_of_plans_with_a_step_done(page: Page, dashboard: Dashboard) -> None:
    sign_in(page, dashboard, ANALYST)
    this_month = today().replace(day=1)
    want = expected.headline(dashboard.sql, month_before(this_month), this_month - timedelta(days=1))
    text = page.locator("#plans-done").inner_text()
    low, high = expected.bounds(month_before(this_month), this_month - timedelta(days=1))
    plans = dashboard.sql("SELECT visitor_key, min(started_at) FROM conversations WHERE got_plan "
                          "AND started_at >= ? AND started_at < ? GROUP BY visitor_key", low, high)
    done = sum(1 for visitor, since in plans if dashboard.sql(
        "SELECT 1 FROM commitments WHERE visitor_key = ? AND committed_at >= ? AND status = 'done'",
        visitor, since))
    assert len(plans) == want["visitors_with_plan"]
    assert f"({done:,} of {len(plans):,})" in text
    assert text.startswith(f"{done / len(plans) * 100:.1f}%")


def test_the_three_biggest_unanswered_groups(page: Page, dashboard: Dashboard) -> None:
    sign_in(page, dashboard, ANALYST)
    page.get_by_role("link", name="Unanswered", exact=True).click()
    page.wait_for_load_state()
    titles = page.locator("#groups .group-title").all_inner_texts()[:3]
    counts = [number(text) for text in page.locator("#groups .meta").all_inner_texts()[:3]]
    assert len(titles) == 3 and counts == sorted(counts, reverse=True)
    this_month = today().replace(day=1)
    low, high = expected.bounds(month_before(this_month), this_month - timedelta(days=1))
    texts = Counter(text for (text,) in dashboard.sql(
        "SELECT text FROM turns WHERE (fallback OR out_of_scope) AND text IS NOT NULL AND at >= ? AND at < ?",
        low, high))
    # Each group holds at least every copy of the text it is named by, and the biggest
    # group is at least as big as the most repeated real question.
    for title, count in zip(titles, counts, strict=True):
        assert count >= texts[title]
    real = [n for text, n in texts.items() if text not in ("asdf", "?")]
    assert counts[0] >= max(real)


def test_impossible_dates_are_a_400_with_the_reason(page: Page, dashboard: Dashboard) -> None:
    sign_in(page, dashboard, ANALYST)
    answer = page.goto(f"{dashboard.url}/staff/?from=2025-02-30")
    assert answer is not None and answer.status == 400
    assert "not a real date" in page.locator("main").inner_text()
    wide = page.goto(f"{dashboard.url}/staff/?from=2000-01-01&to=2100-12-31")
    assert wide is not None and wide.status == 200
    assert "Nothing is recorded before" in page.locator("main").inner_text()


def serious_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical findings on the page."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make js-tools` (npm ci in tests/js)")
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in results["violations"] if v["impact"] in ("serious", "critical")]


def test_every_staff_page_passes_axe(browser: Browser, dashboard: Dashboard) -> None:
    # CSP is bypassed only so the test can inject axe-core; the pages themselves are unchanged.
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    try:
        sign_in(page, dashboard, ADMIN)
        for path in (*PAGES, "/staff/login"):
            if "/export/" in path or path.endswith(".pdf"):
                continue
            if path == "/staff/login":
                context.clear_cookies()
            page.goto(f"{dashboard.url}{path}")
            assert serious_violations(page) == [], path
    finally:
        context.close()
