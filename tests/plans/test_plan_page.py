"""The plan at its private link, served by the real web process (``bot web``).

The conversation's slots are written to a SQLite tracker store in Rasa's own ``events``
layout, as Rasa writes them; the link is stored through ``bot.plans.links`` in a migrated
analytics database. The PDF is read back with pypdf.
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests
from playwright.sync_api import Browser
from pypdf import PdfReader

from bench import procs
from bot.checks import history
from bot.checks.findings import CheckResult, Finding
from bot.guidance.knowledge import default_knowledge_base
from bot.plans import links
from bot.privacy.pseudonyms import visitor_key
from bot.storage.database import create_engine
from tests.browser import screenshot
from tests.web.widget.test_access import serious_violations

BIN = Path(sys.executable).parent
KB = default_knowledge_base()
SENDER = "w-" + "ab" * 16
CHECKED = "w-" + "cd" * 16  # a conversation that also ran both checks
SECRET = "test-secret-for-plan-pages"
PLAN = ["backups_automatic", "updates_automatic", "passwords_two_step", "malware_antivirus"]


def tracker_with_plan(path: Path, sender: str) -> None:
    """A tracker store holding one conversation whose plan has one step done and one promised."""
    db = sqlite3.connect(path)
    db.execute("create table if not exists events (id integer primary key, sender_id varchar(255), "
               "type_name varchar(255), timestamp float, intent_name varchar(255), "
               "action_name varchar(255), data text)")
    events: list[dict[str, Any]] = [
        {"event": "slot", "name": "done_steps", "value": ["backups_automatic"]},  # an old session
        {"event": "session_started"},
        {"event": "slot", "name": "size", "value": "micro"},
        {"event": "slot", "name": "sector", "value": "retail"},
        {"event": "slot", "name": "nation", "value": "wales"},
        {"event": "slot", "name": "it_support", "value": "outsourced"},
        {"event": "slot", "name": "plan_steps", "value": PLAN},
        {"event": "slot", "name": "commitments", "value": ["updates_automatic"]},
        {"event": "slot", "name": "done_steps", "value": ["passwords_two_step"]},
        {"event": "slot", "name": "dropped_steps", "value": ["malware_antivirus"]},
    ]
    for n, event in enumerate(events):
        db.execute("insert into events (sender_id, type_name, timestamp, data) values (?, ?, ?, ?)",
                   (sender, event["event"], 1_764_000_000.0 + n, json.dumps(event)))
    db.commit()
    db.close()


class Site:
    def __init__(self, url: str, engine: Any) -> None:
        self.url = url
        self.engine = engine

    def link(self, sender: str = SENDER, days: int = 30, **kwargs: Any) -> str:
        token, _ = links.create(self.engine, sender, days, **kwargs)
        return token


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("plan-pages")
    tracker_with_plan(folder / "tracker.db", SENDER)
    tracker_with_plan(folder / "tracker.db", CHECKED)
    env = {**os.environ, "ANALYTICS_SECRET": SECRET, "DATABASE_URL": f"sqlite:///{folder / 'analytics.db'}",
           "TRACKER_STORE_URL": f"sqlite:///{folder / 'tracker.db'}", "PYTHONUNBUFFERED": "1"}
    subprocess.run([str(BIN / "bot"), "migrate"], env=env, check=True, capture_output=True, timeout=300)
    service, url = procs.start_web(env, folder / "web.log", startup=120)
    engine = create_engine(env["DATABASE_URL"])
    try:
        yield Site(url, engine)
    finally:
        service.stop(grace=20)
        engine.dispose()


def test_the_private_link_shows_the_whole_plan_with_its_state(site: Site) -> None:
    token = site.link()
    page = requests.get(f"{site.url}/plan/{token}", timeout=30)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert "noindex" in page.headers["X-Robots-Tag"]
    html = page.text
    assert "Your business: 2 to 9 people; retail; in Wales; an IT provider." in html
    positions = [html.index(KB.step(step_id).title) for step_id in PLAN]  # type: ignore[union-attr]
    assert positions == sorted(positions), "the steps are in the plan's order"
    assert "You have done 1 of 4 steps." in html
    # The done step from an earlier session was reset when the new one started.
    for label in ("Done", "Planned", "To do", "Not doing"):
        assert html.count(f"<strong>{label}</strong>") == 1, label
    assert "Hand this to your IT provider" in html
    for url in KB.step("backups_automatic").sources:  # type: ignore[union-attr]
        assert f'href="{url}"' in html
    # The token is the only secret in the address; the page names the conversation to the
    # widget so the chat carries on, and nothing else about the visitor.
    assert f'data-continue="{SENDER}"' in html


def test_the_pdf_read_back_holds_every_step_in_order(site: Site) -> None:
    token = site.link()
    answer = requests.get(f"{site.url}/plan/{token}/plan.pdf", timeout=60)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/pdf"
    assert "attachment" in answer.headers["Content-Disposition"]
    reader = PdfReader(io.BytesIO(answer.content))
    text = " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)
    titles = [KB.step(step_id).title for step_id in PLAN]  # type: ignore[union-attr]
    positions = [text.find(title) for title in titles]
    assert -1 not in positions, (titles, text[:2000])
    assert positions == sorted(positions)
    assert "Done" in text and "Planned" in text and "Not doing" in text
    assert "Hand this to your IT provider" in text
    assert "You have done 1 of 4 steps." in text


def test_a_forged_token_is_refused_with_a_clear_page(site: Site) -> None:
    for token in ("A" * 43, "not-a-token", "x" * 200):
        answer = requests.get(f"{site.url}/plan/{token}", timeout=30)
        assert answer.status_code == 404
        assert "This plan link does not work" in answer.text
        assert KB.step("backups_automatic").title not in answer.text  # type: ignore[union-attr]
    pdf = requests.get(f"{site.url}/plan/{'B' * 43}/plan.pdf", timeout=30)
    assert pdf.status_code == 404 and pdf.headers["Content-Type"].startswith("text/html")


def test_an_expired_link_is_refused_with_a_clear_page(site: Site) -> None:
    long_ago = datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(days=40)
    token = site.link(days=30, clock=lambda: long_ago)
    answer = requests.get(f"{site.url}/plan/{token}", timeout=30)
    assert answer.status_code == 410
    assert "This plan link has expired" in answer.text
    assert KB.step("backups_automatic").title not in answer.text  # type: ignore[union-attr]
    assert requests.get(f"{site.url}/plan/{token}/plan.pdf", timeout=30).status_code == 410
    assert links.delete_expired(site.engine) >= 1
    assert requests.get(f"{site.url}/plan/{token}", timeout=30).status_code == 404


def test_a_change_for_a_step_not_in_the_plan_is_refused(site: Site) -> None:
    token = site.link()
    answer = requests.post(f"{site.url}/plan/{token}/steps", data={"step": "website_https",
                                                                    "change": "done"},
                           timeout=30, allow_redirects=False)
    assert answer.status_code == 400


def test_only_the_hash_of_a_token_is_stored(site: Site) -> None:
    token = site.link()
    with site.engine.connect() as connection:
        stored = [row[0] for row in connection.exec_driver_sql("select token_hash from plan_links")]
    assert token not in stored and links.token_hash(token) in stored


def checked(kind: str, **statuses: str) -> CheckResult:
    return CheckResult(kind, "checked", findings=tuple(
        Finding(name, status, f"{name} is {status}.") for name, status in statuses.items()))  # type: ignore[arg-type]


def test_the_page_and_the_pdf_carry_the_newest_website_and_email_checks(site: Site) -> None:
    visitor = visitor_key(CHECKED, SECRET)
    target = "t" * 64
    # An older website run, then the newest: only the newest is shown.
    history.record(site.engine, visitor, target, checked("website", https="fail"),
                   at=datetime(2026, 10, 1, 9, 0))
    history.record(site.engine, visitor, target,
                   checked("website", https="pass", hsts="warning", http_redirect="fail",
                           security_txt="warning"), at=datetime(2026, 11, 3, 10, 0))
    history.record(site.engine, visitor, "e" * 64,
                   checked("email_domain", mx="pass", dmarc="pass"), at=datetime(2026, 11, 4, 8, 0))
    token = site.link(sender=CHECKED)
    html = requests.get(f"{site.url}/plan/{token}", timeout=30).text
    pdf = requests.get(f"{site.url}/plan/{token}/plan.pdf", timeout=60).content
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)
    for shown in (html, text):
        start = shown.index("Your website and email checks")
        assert start > shown.index(KB.step(PLAN[-1]).title)  # type: ignore[union-attr]
        section = shown[start:shown.index("Hand this to your IT provider", start)]
        assert "Email check on 4 November 2026: 100 out of 100" in section
        assert "Website check on 3 November 2026: " in section
        assert "1 October 2026" not in section
        # Failures first, then warnings (heavier first); what passed is not listed.
        order = ["Needs fixing: Plain HTTP moves to HTTPS", "Worth fixing: HSTS for at least a year",
                 "Worth fixing: security.txt contact published"]
        positions = [section.find(line) for line in order]
        assert -1 not in positions and positions == sorted(positions), section
        assert "HTTPS works with a trusted certificate" not in section
        assert "Everything checked was OK." in section  # the email check
    # A plan whose conversation ran no check has no such section.
    plain = requests.get(f"{site.url}/plan/{site.link()}", timeout=30).text
    assert "Your website and email checks" not in plain


def test_the_checks_section_prints_and_has_no_serious_axe_violations(site: Site,
                                                                      browser: Browser) -> None:
    history.record(site.engine, visitor_key(CHECKED, SECRET), "p" * 64,
                   checked("website", https="pass", hsts="fail"), at=datetime(2026, 11, 5, 9, 0))
    token = site.link(sender=CHECKED)
    # CSP is bypassed only so the test can inject axe-core; the page itself is unchanged.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(f"{site.url}/plan/{token}")
        section = page.get_by_role("region", name="Your website and email checks")
        assert "Needs fixing: HSTS for at least a year" in section.inner_text()
        assert serious_violations(page) == []
        page.emulate_media(media="print")
        assert section.is_visible()
        screenshot(page, "plan-page-checks-print")
    finally:
        context.close()
