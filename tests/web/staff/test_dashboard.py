"""The staff dashboard in a real browser against the real web process and demo data."""

from __future__ import annotations

import csv
import io
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from playwright.sync_api import Browser, Page

from tests.browser import screenshot
from tests.web.staff import expected
from tests.web.staff.conftest import (
    ADMIN,
    ANALYST,
    LOCKED,
    PASSWORD,
    Dashboard,
    csrf_token,
    start_web,
    stop_web,
)

FIGURES = ("reach", "conversations", "plans_delivered", "commitments", "reported_done", "helpfulness")
#: Every page of the dashboard (GET), with the role it needs.
PAGES = {
    "/staff/": "analyst", "/staff/segments": "analyst", "/staff/topics": "analyst",
    "/staff/unanswered": "analyst", "/staff/unanswered?view=training": "analyst",
    "/staff/incidents": "analyst", "/staff/checks": "analyst", "/staff/report": "analyst",
    "/staff/report.pdf": "analyst",
    "/staff/conversations": "analyst", "/staff/conversations/1": "analyst",
    "/staff/exports": "admin", "/staff/export/funnel.csv": "admin", "/staff/export/turns.csv": "admin",
    "/staff/admin/staff": "admin", "/staff/admin/retention": "admin", "/staff/admin/audit": "admin",
}
POSTS = ("/staff/logout", "/staff/admin/staff", "/staff/admin/retention")


def data_range(dashboard: Dashboard) -> tuple[date, date]:
    [(first, last)] = dashboard.sql("SELECT min(started_at), max(started_at) FROM conversations")
    return date.fromisoformat(str(first)[:10]), date.fromisoformat(str(last)[:10])


def sign_in(page: Page, dashboard: Dashboard, username: str, password: str = PASSWORD,
            target: str = "/staff/") -> None:
    page.goto(f"{dashboard.url}{target}")
    assert "/staff/login" in page.url
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def shown_figures(page: Page) -> dict[str, str]:
    return {name: page.locator(f'[data-figure="{name}"] dd').first.inner_text().strip() for name in FIGURES}


def as_expected_text(figures: dict[str, object]) -> dict[str, str]:
    return {name: figures[name] if name == "helpfulness" else f"{figures[name]:,}" for name in FIGURES}


def test_sign_in_shows_figures_that_match_the_data(page: Page, dashboard: Dashboard) -> None:
    sign_in(page, dashboard, ANALYST)
    assert urlparse(page.url).path == "/staff/"
    first, last = data_range(dashboard)
    # A range starting and ending mid-week, so partial weeks are counted too.
    start, end = first + timedelta(days=10), last - timedelta(days=3)
    page.goto(f"{dashboard.url}/staff/?from={start}&to={end}")
    want = expected.headline(dashboard.sql, start, end)
    assert shown_figures(page) == as_expected_text(want)
    funnel = {row.locator("th").inner_text().lower(): row.locator("td").first.inner_text()
              for row in page.locator("#funnel tbody tr").all()}
    assert funnel["visited"] == f"{want['visitors_in_segment']:,}"
    assert funnel["got a plan"] == f"{want['visitors_with_plan']:,}"
    weeks = page.locator("#trend tbody tr")
    assert weeks.count() == len({(start + timedelta(days=n)).isocalendar()[:2]
                                 for n in range((end - start).days + 1)})
    weekly_conversations = sum(int(row.locator("td").nth(1).inner_text().replace(",", ""))
                               for row in weeks.all())
    assert weekly_conversations == want["conversations"]
    assert page.locator("svg[role=img] title").count() == 2
    screenshot(page, "staff-overview")
    # Analysts do not export: no download links, no admin pages in the navigation.
    assert page.get_by_role("link", name="Download CSV").count() == 0
    assert page.get_by_role("link", name="Exports").count() == 0


def test_filters_change_the_figures_and_stay_in_the_url(page: Page, dashboard: Dashboard) -> None:
    sign_in(page, dashboard, ANALYST)
    first, last = data_range(dashboard)
    page.goto(f"{dashboard.url}/staff/?from={first}&to={last}")
    everyone = shown_figures(page)
    page.get_by_label("Size band", exact=True).select_option("micro")
    page.get_by_label("Nation", exact=True).select_option("england")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_load_state()
    query = parse_qs(urlparse(page.url).query)
    assert query["size"] == ["micro"] and query["nation"] == ["england"]
    assert query["from"] == [first.isoformat()] and query["to"] == [last.isoformat()]
    filtered = shown_figures(page)
    want = expected.headline(dashboard.sql, first, last, size="micro", nation="england")
    assert filtered == as_expected_text(want)
    assert filtered["conversations"] != everyone["conversations"]
    screenshot(page, "staff-overview-filtered")
    # The filters follow every link to another page, so a view can be shared.
    page.get_by_role("link", name="Segments").click()
    page.wait_for_load_state()
    assert parse_qs(urlparse(page.url).query)["size"] == ["micro"]
    assert page.get_by_label("Size band", exact=True).input_value() == "micro"
    rows = page.locator("#segments-size tbody tr")
    assert rows.count() == 1 and rows.first.get_attribute("data-segment") == "micro"
    assert rows.first.locator("td").nth(1).inner_text() == f"{want['conversations']:,}"


def test_a_shared_link_opens_after_sign_in(page: Page, dashboard: Dashboard) -> None:
    first, last = data_range(dashboard)
    shared = f"/staff/segments?from={first}&to={last}&sector=retail"
    sign_in(page, dashboard, ANALYST, target=shared)
    assert page.url == f"{dashboard.url}{shared}"
    assert page.get_by_label("Sector", exact=True).input_value() == "retail"
    # A "next" that leaves the dashboard is ignored (no open redirect).
    page.context.clear_cookies()
    page.goto(f"{dashboard.url}/staff/login?next=//evil.example/")
    page.get_by_label("Username").fill(ANALYST)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert page.url == f"{dashboard.url}/staff/"


def test_csv_export_has_the_filtered_rows_and_is_audited(page: Page, dashboard: Dashboard) -> None:
    sign_in(page, dashboard, ADMIN)
    first, last = data_range(dashboard)
    start = first + timedelta(days=14)
    page.goto(f"{dashboard.url}/staff/conversations?from={start}&to={last}&sector=retail")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download CSV").click()
    download = info.value
    # Read as Excel does: the byte-order mark says UTF-8 and is not part of the first header.
    text = download.path().read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    want = expected.headline(dashboard.sql, start, last, sector="retail")
    assert sorted(int(row["id"]) for row in rows) == sorted(want["conversation_ids"])
    assert {row["sector"] for row in rows} == {"retail"}
    assert all(start.isoformat() <= row["started_at"][:10] <= last.isoformat() for row in rows)
    assert "visitor_key" not in rows[0] and "conversation_key" not in rows[0]
    assert download.suggested_filename == f"conversations-{start}-to-{last}.csv"
    # The funnel export agrees with the raw rows too.
    funnel = requests.get(f"{dashboard.url}/staff/export/funnel.csv?from={start}&to={last}&sector=retail",
                          cookies={c["name"]: c["value"] for c in page.context.cookies()}, timeout=30)
    funnel_rows = csv.DictReader(io.StringIO(funnel.content.decode("utf-8-sig")))
    steps = {row["step"]: int(row["visitors"]) for row in funnel_rows}
    assert steps["visited"] == want["visitors_in_segment"]
    assert steps["got a plan"] == want["visitors_with_plan"]
    # The redacted message export streams every turn of the range (here without a segment).
    turns = requests.get(f"{dashboard.url}/staff/export/turns.csv?from={start}&to={last}",
                         cookies={c["name"]: c["value"] for c in page.context.cookies()}, timeout=60)
    exported = list(csv.DictReader(io.StringIO(turns.content.decode("utf-8-sig"))))
    low, high = expected.bounds(start, last)
    [(count,)] = dashboard.sql("SELECT count(*) FROM turns WHERE at >= ? AND at < ?", low, high)
    assert len(exported) == count > 1000
    assert {"conversation", "text"} <= set(exported[0]) and "visitor_key" not in exported[0]
    page.goto(f"{dashboard.url}/staff/admin/audit")
    entry = page.locator("#audit tbody tr", has_text="conversations.csv").first
    assert ADMIN in entry.inner_text() and "sector=retail" in entry.inner_text()
    screenshot(page, "staff-audit-log")


def test_transcript_is_the_stored_redacted_text_and_viewing_is_audited(page: Page,
                                                                       dashboard: Dashboard) -> None:
    sign_in(page, dashboard, ANALYST)
    page.get_by_role("link", name="Conversations", exact=True).click()
    link = page.locator("#conversations tbody a").first
    conversation_id = int(link.get_attribute("href").split("/")[-1].split("?")[0])
    link.click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == f"Conversation {conversation_id}"
    stored = [text for (text,) in dashboard.sql(
        "SELECT t.text FROM turns t JOIN conversations c ON c.conversation_key = t.conversation_key "
        "WHERE c.id = ? ORDER BY t.at, t.id", conversation_id)]
    shown = page.locator("#transcript .text").all_inner_texts()
    assert shown == stored
    screenshot(page, "staff-transcript")
    audited = dashboard.sql("SELECT username, detail FROM staff_audit WHERE action = 'view_transcript' "
                            "AND detail = ?", f"conversation {conversation_id}")
    assert (ANALYST, f"conversation {conversation_id}") in audited


def test_unanswered_questions_are_grouped_biggest_first_with_noise_apart(page: Page,
                                                                       dashboard: Dashboard) -> None:
    sign_in(page, dashboard, ANALYST)
    first, last = data_range(dashboard)
    page.goto(f"{dashboard.url}/staff/unanswered?from={first}&to={last}")
    want = expected.unanswered(dashboard.sql, first, last)
    groups = page.locator("#groups > li")
    assert 0 < groups.count() <= 25
    metas = page.locator("#groups .meta").all_inner_texts()
    counts = [int(text.split(" ")[0].replace(",", "")) for text in metas]
    assert len(counts) < len(want), "similar questions should share a group"
    assert counts == sorted(counts, reverse=True), "the biggest group comes first"
    # Every message of the whole period is in a group or in the noise, not only the newest.
    noise = sum(int(cell.replace(",", "")) for cell in page.locator("#noise td.num").all_inner_texts())
    texts = [text for _, text in want]
    assert noise == sum(1 for text in texts if text in ("asdf", "?")) > 0
    unanswered = int(page.locator("#unanswered-summary").inner_text().split(" ")[0].replace(",", ""))
    assert unanswered + noise == len(texts)
    if page.locator("a[rel=next]").count() == 0:
        assert sum(counts) == unanswered
    titles = page.locator("#groups .group-title").all_inner_texts()
    assert not {"asdf", "?"} & set(titles)
    assert page.locator("pre.nlu").count() == 0  # training snippets live behind their own tab
    screenshot(page, "staff-unanswered")
    page.get_by_role("link", name="As Rasa training examples (for developers)").click()
    page.wait_for_load_state()
    assert page.locator("pre.nlu").count() > 0


def test_topics_and_steps_page(page: Page, dashboard: Dashboard) -> None:
    sign_in(page, dashboard, ANALYST)
    first, last = data_range(dashboard)
    page.goto(f"{dashboard.url}/staff/topics?from={first}&to={last}")
    low, high = expected.bounds(first, last)
    [(step, offered)] = dashboard.sql(
        "SELECT step, count(*) AS n FROM plan_items WHERE at >= ? AND at < ? GROUP BY step "
        "ORDER BY n DESC, step LIMIT 1", low, high)
    [(committed, done)] = dashboard.sql(
        "SELECT count(*), coalesce(sum(status = 'done'), 0) FROM commitments WHERE step = ? "
        "AND committed_at >= ? AND committed_at < ?", step, low, high)
    cells = page.locator(f'#steps tr[data-step="{step}"] td').all_inner_texts()
    assert cells[1:4] == [f"{offered:,}", f"{committed:,}", f"{done:,}"]
    screenshot(page, "staff-topics")


def test_every_page_screenshot_and_tablet_width(browser: Browser, dashboard: Dashboard) -> None:
    context = browser.new_context(viewport={"width": 768, "height": 1024})
    page = context.new_page()
    try:
        sign_in(page, dashboard, ADMIN)
        for path in PAGES:
            if path.endswith((".csv", ".pdf")):
                continue
            page.goto(f"{dashboard.url}{path}")
            assert page.locator("h1").count() == 1, path
            # Nothing wider than a tablet: no sideways scrolling of the page itself.
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 768, f"{path} is {width}px wide"
            # Every visible form control has a label a screen reader announces.
            unlabelled = page.evaluate(
                "[...document.querySelectorAll('input:not([type=hidden]), select')]"
                ".filter(e => e.labels.length === 0 && !e.getAttribute('aria-label')).length")
            assert unlabelled == 0, path
            screenshot(page, "staff-tablet-" + (path.strip("/").replace("/", "-") or "staff"))
    finally:
        context.close()


#: WCAG 2.1 contrast of each visible text element against its nearest painted background.
CONTRAST_SCRIPT = r"""
() => {
  const rgb = s => (s.match(/[\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = el => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const worst = [];
  let checked = 0;
  const selector = 'a, button, p, dt, dd, th, td, label, li, h1, h2, summary, input, select';
  for (const el of document.querySelectorAll(selector)) {
    const box = el.getBoundingClientRect();
    if (box.width < 2 || box.height < 2 || el.closest('.visually-hidden, .skip-link')) continue;
    if (!el.innerText || !el.innerText.trim()) continue;
    const a = lum(rgb(getComputedStyle(el).color).slice(0, 3)), b = lum(background(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    checked += 1;
    if (!(ratio >= 4.5)) worst.push([el.tagName, el.innerText.slice(0, 40), ratio.toFixed(2)]);
  }
  return {checked, worst};
}
"""


def test_text_has_enough_contrast(page: Page, dashboard: Dashboard) -> None:
    sign_in(page, dashboard, ADMIN)
    for path in ("/staff/", "/staff/unanswered", "/staff/conversations", "/staff/admin/staff"):
        page.goto(f"{dashboard.url}{path}")
        result = page.evaluate(CONTRAST_SCRIPT)
        assert result["checked"] > 20 and result["worst"] == [], path


def test_keyboard_reaches_the_content_and_filters(page: Page, dashboard: Dashboard) -> None:
    sign_in(page, dashboard, ANALYST)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    page.keyboard.press("Enter")
    focused: list[str] = []
    for _ in range(20):  # a date input takes a Tab per part (day, month, year)
        page.keyboard.press("Tab")
        element = page.evaluate("document.activeElement.id")
        if element and element not in focused:
            focused.append(element)
    assert focused[:7] == ["f-period", "f-from", "f-to", "f-interval", "f-size", "f-sector", "f-nation"]
    page.locator("#f-size").focus()
    page.keyboard.press("ArrowDown")  # "All" -> the first size band
    assert page.locator("#f-size").input_value() == "sole_trader"
    for _ in range(3):  # sector, nation, then the Apply button
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Apply filters"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert parse_qs(urlparse(page.url).query)["size"] == ["sole_trader"]


def test_admin_adds_and_disables_an_account_on_the_staff_page(page: Page, dashboard: Dashboard) -> None:
    sign_in(page, dashboard, ADMIN)
    page.get_by_role("link", name="Staff", exact=True).click()
    form = page.locator("#add-staff")
    form.get_by_label("Username").fill("new.analyst")
    form.get_by_label("Role").select_option("analyst")
    form.get_by_label("Password").fill(PASSWORD)
    form.get_by_role("button", name="Add account").click()
    page.wait_for_load_state()
    assert "Account new.analyst added as analyst" in page.get_by_role("status").inner_text()
    added = dashboard.sql("SELECT role, active FROM staff_users WHERE username = 'new.analyst'")
    assert added == [("analyst", 1)]
    page.get_by_role("button", name="Disable new.analyst").click()
    page.wait_for_load_state()
    assert "new.analyst disabled" in page.get_by_role("status").inner_text()
    assert page.locator('tr[data-username="new.analyst"]').inner_text().count("Disabled") == 1
    screenshot(page, "staff-accounts")
    blocked = requests.Session()
    token = csrf_token(blocked.get(f"{dashboard.url}/staff/login", timeout=30).text)
    answer = blocked.post(f"{dashboard.url}/staff/login", allow_redirects=False, timeout=30,
                          data={"csrf_token": token, "username": "new.analyst", "password": PASSWORD})
    assert answer.status_code == 401
    actions = [action for (action,) in dashboard.sql(
        "SELECT action FROM staff_audit WHERE detail LIKE 'new.analyst%' ORDER BY id")]
    assert actions == ["staff_add", "staff_disable"]


def test_admin_applies_retention_and_it_is_audited(page: Page, dashboard: Dashboard) -> None:
    sign_in(page, dashboard, ADMIN)
    page.goto(f"{dashboard.url}/staff/admin/retention")
    assert page.locator("#retention-days").inner_text() == "90 days"
    page.get_by_role("button", name="Apply retention now").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").inner_text().startswith("Done:")
    assert dashboard.sql("SELECT count(*) FROM staff_audit WHERE action = 'retention_applied'") == [(1,)]
    screenshot(page, "staff-retention")


def test_every_staff_url_needs_a_session(dashboard: Dashboard) -> None:
    for path in PAGES:
        answer = requests.get(f"{dashboard.url}{path}", allow_redirects=False, timeout=30)
        assert answer.status_code == 302, path
        assert answer.headers["Location"].startswith("/staff/login?next="), path
    for path in POSTS:
        answer = requests.post(f"{dashboard.url}{path}", data={"action": "add"}, allow_redirects=False,
                               timeout=30)
        assert answer.status_code == 401, path


def test_the_list_of_staff_urls_is_complete() -> None:
    from bot.web.app import create_app

    app = create_app()
    routes = {route.path for route in app.router.routes if route.path.startswith("staff")}
    tested = {"/" + path.strip("/") for path in (*PAGES, *POSTS)}
    for route in routes:
        normalised = "/" + route.strip("/")
        if "static" in normalised or normalised == "/staff/login":
            continue
        pattern = normalised.replace("<conversation_id:int>", "1").replace("<name:str>", "funnel.csv")
        assert pattern in tested, f"{route} is not checked for a session"


def test_analyst_gets_403_on_admin_pages(dashboard: Dashboard) -> None:
    session = dashboard.sign_in(ANALYST)
    for path, role in PAGES.items():
        answer = session.get(f"{dashboard.url}{path}", allow_redirects=False, timeout=30)
        assert answer.status_code == (403 if role == "admin" else 200), path
    token = csrf_token(session.get(f"{dashboard.url}/staff/", timeout=30).text)
    answer = session.post(f"{dashboard.url}/staff/admin/staff", timeout=30,
                          data={"csrf_token": token, "action": "add", "username": "sneaky", "role": "admin",
                                "password": PASSWORD})
    assert answer.status_code == 403
    assert dashboard.sql("SELECT count(*) FROM staff_users WHERE username = 'sneaky'") == [(0,)]


def test_form_posts_without_the_csrf_token_are_refused(dashboard: Dashboard) -> None:
    session = dashboard.sign_in(ADMIN)
    form = {"action": "add", "username": "forged.user", "role": "admin", "password": PASSWORD}
    assert session.post(f"{dashboard.url}/staff/admin/staff", data=form, timeout=30).status_code == 403
    wrong = {**form, "csrf_token": "not-the-token"}
    assert session.post(f"{dashboard.url}/staff/admin/staff", data=wrong, timeout=30).status_code == 403
    assert dashboard.sql("SELECT count(*) FROM staff_users WHERE username = 'forged.user'") == [(0,)]
    # Sign-out without the token does not sign out either.
    assert session.post(f"{dashboard.url}/staff/logout", timeout=30).status_code == 403
    assert session.get(f"{dashboard.url}/staff/", allow_redirects=False, timeout=30).status_code == 200
    # The sign-in form has its own token.
    fresh = requests.post(f"{dashboard.url}/staff/login", timeout=30,
                          data={"username": ADMIN, "password": PASSWORD}, allow_redirects=False)
    assert fresh.status_code == 403 and "staff_session" not in fresh.cookies
    # With the token, the same post works.
    token = csrf_token(session.get(f"{dashboard.url}/staff/admin/staff", timeout=30).text)
    done = session.post(f"{dashboard.url}/staff/admin/staff", data={**form, "csrf_token": token}, timeout=30)
    assert done.status_code == 200 and "Account forged.user added as admin" in done.text


def test_session_cookie_is_httponly_and_samesite(page: Page, dashboard: Dashboard) -> None:
    sign_in(page, dashboard, ANALYST)
    [cookie] = [c for c in page.context.cookies() if c["name"] == "staff_session"]
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Lax" and cookie["path"] == "/staff"
    answer = requests.get(f"{dashboard.url}/staff/login", timeout=30)
    policy = answer.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy and answer.headers["X-Frame-Options"] == "DENY"
    assert answer.headers["Referrer-Policy"] == "no-referrer"
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    assert "/staff/login" in page.url
    assert page.context.request.get(f"{dashboard.url}/staff/", max_redirects=0).status == 302


def _session_cookie_header(url: str, headers: dict[str, str]) -> str:
    form = requests.get(f"{url}/staff/login", headers=headers, timeout=30)
    # Sent by hand: a client keeps Secure cookies away from plain HTTP, as it should.
    cookies = {"staff_login_csrf": form.cookies["staff_login_csrf"]}
    answer = requests.post(f"{url}/staff/login", headers=headers, cookies=cookies, allow_redirects=False,
                           timeout=30, data={"csrf_token": csrf_token(form.text), "username": ANALYST,
                                             "password": PASSWORD})
    assert answer.status_code == 302
    return next(value for name, value in answer.raw.headers.items()
                if name.lower() == "set-cookie" and value.startswith("staff_session="))


def test_cookie_is_secure_behind_a_trusted_https_proxy(dashboard: Dashboard, tmp_path: Path) -> None:
    https = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    # Without a trusted proxy the header is ignored: anyone could send it.
    assert "secure" not in _session_cookie_header(dashboard.url, https).lower()
    process, url, _ = start_web({**dashboard.env, "SANIC_PROXIES_COUNT": "1"}, tmp_path / "proxied.log")
    try:
        behind_proxy = _session_cookie_header(url, https)
        assert "secure" in behind_proxy.lower() and "httponly" in behind_proxy.lower()
        assert "secure" not in _session_cookie_header(url, {}).lower()  # plain HTTP to the proxy
    finally:
        stop_web(process)
    forced = {**dashboard.env, "STAFF_COOKIE_SECURE": "true"}
    process, url, _ = start_web(forced, tmp_path / "forced.log")
    try:
        assert "secure" in _session_cookie_header(url, {}).lower()
    finally:
        stop_web(process)


def test_ten_wrong_passwords_space_out_the_checks(page: Page, dashboard: Dashboard) -> None:
    page.goto(f"{dashboard.url}/staff/login")
    started = time.monotonic()
    for attempt in range(1, 12):
        page.get_by_label("Username").fill(LOCKED)
        page.get_by_label("Password").fill(f"wrong password {attempt}")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        message = page.locator("#login-error").inner_text()
        if attempt <= 10:
            assert "not right" in message, attempt
    elapsed = time.monotonic() - started
    # The 11th guess from the same browser came too soon: it was not checked.
    assert "Wait" in message and "seconds" in message
    screenshot(page, "staff-login-throttled")
    # Attempts 3 to 10 were held back (0.25 s more each time): at least 7 s in all.
    assert elapsed >= 7.0
    [(failures, held_until)] = dashboard.sql(
        "SELECT failures, locked_until FROM staff_login_attempts WHERE username = ?", LOCKED)
    assert failures == 10 and held_until is not None


@pytest.mark.parametrize("path", ["/staff/login", "/staff/"])
def test_staff_pages_load_no_inline_script(dashboard: Dashboard, path: str) -> None:
    session = dashboard.sign_in(ANALYST)
    body = session.get(f"{dashboard.url}{path}", timeout=30).text
    assert "<script" not in body and " style=" not in body and "<style" not in body
