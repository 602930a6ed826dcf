"""The website and email-domain checks in a conversation over REST, against the real stack.

The test starts its own HTTPS site and DNS server on loopback and gives the stack the
test-only allowance for loopback, the test CA and the DNS server's address.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from bot.privacy.pseudonyms import visitor_key
from tests.browser import screenshot
from tests.checks.servers import GOOD_HEADERS, DnsServer, Route, TestCA, WebServer
from tests.stack import STACK_SECRET, Stack, customs, start_stack, stop_stack, texts, topics
from tests.web.widget.conftest import bot_messages, open_widget, say

#: Needs the real Rasa, action and web servers.
pytestmark = pytest.mark.stack


@dataclass
class ChecksStack:
    stack: Stack
    site: WebServer
    dns: DnsServer

    def say(self, sender: str, message: str) -> list[dict[str, Any]]:
        return self.stack.send(sender, message)


@pytest.fixture(scope="module")
def checks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChecksStack]:
    ca = TestCA()
    bundle = ca.bundle(str(tmp_path_factory.mktemp("ca") / "ca.pem"))
    dns = DnsServer()
    site = WebServer(ca.context("127.0.0.1"))
    site.routes["/"] = Route(headers={**GOOD_HEADERS, "Server": "Apache/2.4.41 (Ubuntu)"})
    stack = start_stack(name="checks-stack", extra_env={
        "BOT_CHECKS_TEST_ALLOW": "127.0.0.0/8,::1",
        "BOT_CHECKS_CA_BUNDLE": bundle,
        "BOT_CHECKS_DNS_SERVER": dns.address,
    })
    yield ChecksStack(stack, site, dns)
    stop_stack(stack.process)
    site.stop()
    dns.stop()


def sender() -> str:
    return f"checks-{uuid.uuid4().hex[:12]}"


def the_check(messages: list[dict[str, Any]]) -> dict[str, Any]:
    found = [c["check"] for c in customs(messages) if "check" in c]
    assert len(found) == 1, messages
    result: dict[str, Any] = found[0]
    return result


def statuses(check: dict[str, Any]) -> dict[str, str]:
    return {finding["id"]: finding["status"] for finding in check["findings"]}


def test_a_website_check_in_the_chat(checks: ChecksStack) -> None:
    address = f"https://127.0.0.1:{checks.site.port}"
    reply = checks.say(sender(), f"can you check my website {address}")
    check = the_check(reply)
    assert check["kind"] == "website" and check["outcome"] == "checked"
    assert statuses(check)["https"] == "pass"
    assert statuses(check)["software_versions"] == "warning"
    assert "website" in topics(reply)
    text = texts(reply)
    assert "- Worth fixing: The site reveals its software in the Server header" in text
    assert address not in text and "127.0.0.1" not in text
    # The guidance from the knowledge base follows, with actions to commit to.
    assert any(c.get("topic") == "website" and c.get("steps") for c in customs(reply))
    assert ("https", "/") in checks.site.requests


def test_the_assistant_asks_for_the_address_when_it_is_missing(checks: ChecksStack) -> None:
    owner = sender()
    asked = checks.say(owner, "please check my website")
    assert "What is your website's address?" in texts(asked)
    reply = checks.say(owner, f"it's https://127.0.0.1:{checks.site.port}/")
    assert the_check(reply)["outcome"] == "checked"
    assert "website" in topics(reply)


def test_an_email_domain_check_in_the_chat(checks: ChecksStack) -> None:
    reply = checks.say(sender(), "is our email domain weak.test set up properly?")
    check = the_check(reply)
    assert check["kind"] == "email_domain"
    found = statuses(check)
    assert (found["mx"], found["spf_policy"], found["dmarc"], found["dkim"]) == (
        "pass", "fail", "warning", "warning")
    assert check["top"][0] == "spf_policy" and 0 <= check["score"] < 100
    assert "email_security" in topics(reply)
    text = texts(reply)
    assert "usual selector names" in text and "+all" in text and "weak.test" not in text
    assert "port 25" in text  # nothing listens on loopback's port 25: said, not blamed


def test_a_microsoft_365_domain_fills_the_profile_and_the_plan(checks: ChecksStack) -> None:
    owner = sender()
    reply = checks.say(owner, "is our email domain m365.test set up properly?")
    assert the_check(reply)["provider"] == "microsoft_365"
    text = texts(reply)
    assert "Microsoft 365, so I've noted that you use it" in text
    assert "Microsoft Defender portal" in text  # the provider's own DKIM setting
    checks.say(owner, "we're a 5 person plumbing business in England")
    asked = checks.say(owner, "what should I do first?")
    assert "Do you use any online services for email and files?" not in texts(asked)
    plan = checks.say(owner, "skip") if "card payments" in texts(asked) else asked
    for _ in range(8):  # answer "not sure" to whatever else the questions ask
        if any("plan" in c for c in customs(plan)):
            break
        plan = checks.say(owner, "not sure")
    entries = next(c["plan"] for c in customs(plan) if "plan" in c)
    linked = [e for e in entries if e.get("findings")]
    assert any("email_domain:dmarc" in e["findings"] for e in linked), entries
    assert "Fixes what your email check did not pass" in texts(plan)


def test_a_private_address_is_refused_in_the_chat(checks: ChecksStack) -> None:
    seen = len(checks.site.requests)
    reply = checks.say(sender(), "can you check my website http://10.0.0.1/admin")
    check = the_check(reply)
    assert check["outcome"] == "refused" and check["findings"] == []
    assert "private or local network" in texts(reply)
    assert len(checks.site.requests) == seen


def _rows(data: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with sqlite3.connect(data / "analytics.db") as db:
        return db.execute(sql, params).fetchall()


def test_analytics_record_the_check_but_never_the_address(checks: ChecksStack) -> None:
    owner = sender()
    checks.say(owner, f"can you check my website https://127.0.0.1:{checks.site.port}/shop")
    checks.say(owner, "check the email security of good.test")
    visitor = visitor_key(owner, STACK_SECRET)
    deadline = time.monotonic() + 60
    runs: list[tuple[Any, ...]] = []
    while time.monotonic() < deadline and len(runs) < 2:
        try:
            runs = _rows(checks.stack.data, "select kind, outcome, passes, warnings, fails "
                         "from check_runs where visitor_key = ? order by event_id", (visitor,))
        except sqlite3.OperationalError:  # not migrated yet
            runs = []
        time.sleep(0.5)
    assert [(kind, outcome) for kind, outcome, *_ in runs] == [
        ("website", "checked"), ("email_domain", "checked")]
    assert runs[1][2:] == (8, 2, 0)  # good.test: no MTA-STS, not signed
    turn_texts = [row[0] for row in _rows(checks.stack.data, "select text from turns where "
                                          "visitor_key = ? order by event_id", (visitor,))]
    assert turn_texts == ["can you check my website [WEB_ADDRESS]",
                          "check the email security of [WEB_ADDRESS]"]
    with sqlite3.connect(checks.stack.data / "analytics.db") as db:
        dump = "\n".join(db.iterdump())
    assert f"127.0.0.1:{checks.site.port}" not in dump and "good.test" not in dump


def test_both_checks_in_the_chat_widget(checks: ChecksStack, page: Page) -> None:
    """An owner asks for both checks through the widget on the demo page, in Chromium."""
    open_widget(page, checks.stack.web + "/")
    reply = say(page, f"can you check my website https://127.0.0.1:{checks.site.port}")
    expect(reply).to_contain_text("Worth fixing: The site reveals its software in the Server header")
    # Findings arrive as "- " lines and show as a real bullet list, not as raw text.
    expect(reply.locator("li").filter(has_text="Server header")).not_to_have_count(0)
    screenshot(page, "widget-website-check")

    reply = say(page, "is our email domain weak.test set up properly?")
    expect(reply).to_contain_text("+all")
    expect(reply.locator("li").filter(has_text="+all")).not_to_have_count(0)
    expect(bot_messages(page).filter(has_text="usual selector names")).not_to_have_count(0)
    screenshot(page, "widget-email-check")


def test_the_widget_shows_the_time_limits_while_a_check_runs(checks: ChecksStack, page: Page) -> None:
    checks.site.routes["/slow"] = Route(headers=dict(GOOD_HEADERS), delay=2.0)
    open_widget(page, checks.stack.web + "/")
    box = page.get_by_label("Your message")
    box.fill(f"can you check my website https://127.0.0.1:{checks.site.port}/slow")
    box.press("Enter")
    expect(page.locator("sme-cyber-chat .typing")).to_contain_text("up to 20 seconds")
    expect(bot_messages(page).filter(has_text="most serious first")).not_to_have_count(0,
                                                                                      timeout=30000)
    expect(page.locator("sme-cyber-chat .typing")).to_have_text("")
