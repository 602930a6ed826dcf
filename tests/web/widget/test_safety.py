"""Markup in messages is shown as text and never runs; a bot that cannot be reached is handled."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect

from tests.browser import screenshot
from tests.web.widget.conftest import REPLY_SECONDS, bot_messages, open_widget, say

pytestmark = pytest.mark.stack

WEBHOOK = "**/webhooks/rest/webhook"
ATTACK = ("<img src=x onerror=\"window.__pwned='img'\"> "
          "<script>window.__pwned='script'</script> <b onmouseover=\"window.__pwned='b'\">hi</b>")
CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Headers": "content-type",
        "Access-Control-Allow-Methods": "POST, OPTIONS"}


def shadow_count(page: Page, selector: str) -> int:
    return int(page.evaluate(
        "s => document.querySelector('sme-cyber-chat').shadowRoot.querySelectorAll(s).length", selector))


def assert_nothing_ran(page: Page) -> None:
    page.wait_for_timeout(500)  # give a broken image time to fire onerror
    assert page.evaluate("() => window.__pwned") is None
    assert shadow_count(page, "img, script, b, iframe") == 0


def test_visitor_markup_is_shown_as_text(widget_stack, page):
    open_widget(page, widget_stack.web + "/")
    say(page, ATTACK)
    bubble = page.locator("sme-cyber-chat .msg.user").last
    expect(bubble).to_contain_text(ATTACK)
    assert_nothing_ran(page)
    page.reload()  # drawn again from the saved history
    expect(page.locator("sme-cyber-chat .msg.user").last).to_contain_text(ATTACK)
    assert_nothing_ran(page)
    screenshot(page, "widget-visitor-markup")


def test_bot_markup_is_shown_as_text_and_only_web_links_are_links(widget_stack, page):
    # A crafted reply in Rasa's REST shape: the text message, then its custom payload.
    crafted = [
        {"recipient_id": "x",
         "text": f"Look: {ATTACK}\n- see https://www.ncsc.gov.uk/collection/small-business-guide.\n"
                 "- not a link: javascript:window.__pwned='js' or data:text/html,hi",
         "buttons": [{"title": "<img src=x onerror=\"window.__pwned='button'\">", "payload": "/x"}]},
        {"recipient_id": "x", "custom": {"topic": "backups"}},
    ]

    def answer(route: Route) -> None:
        if route.request.method == "OPTIONS":
            route.fulfill(status=204, headers=CORS)
        else:
            route.fulfill(status=200, headers=CORS, content_type="application/json", body=json.dumps(crafted))

    page.route(WEBHOOK, answer)
    open_widget(page, widget_stack.web + "/")
    reply = say(page, "hello")
    expect(reply).to_contain_text(ATTACK)
    button_title = "<img src=x onerror=\"window.__pwned='button'\">"
    expect(reply.get_by_role("button", name=button_title)).to_be_visible()
    links = reply.get_by_role("link")
    expect(links).to_have_count(1)
    expect(links).to_have_attribute("href", "https://www.ncsc.gov.uk/collection/small-business-guide")
    expect(links).to_have_attribute("rel", "noopener noreferrer")
    expect(reply.locator("li")).to_have_count(2)
    expect(reply.get_by_role("button", name="Yes, this was helpful")).to_be_visible()
    assert_nothing_ran(page)
    screenshot(page, "widget-bot-markup")


def test_unreachable_bot_shows_error_keeps_the_message_and_retry_works(widget_stack, page):
    page.route(WEBHOOK, lambda route: route.abort("connectionrefused"))
    open_widget(page, widget_stack.web + "/")
    box = page.get_by_label("Your message")
    box.fill("how do I back up our files?")
    box.press("Enter")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Sorry, the assistant cannot be reached just now.")
    expect(page.locator("sme-cyber-chat .msg.user").last).to_contain_text("Not sent yet")
    screenshot(page, "widget-bot-down")

    # Nothing is lost on a reload while the bot is still down.
    page.reload()
    expect(page.get_by_role("alert")).to_contain_text("cannot be reached")
    expect(page.locator("sme-cyber-chat .msg.user").last).to_contain_text("how do I back up our files?")

    # Once the bot is back, "Try again" sends the kept message.
    page.unroute(WEBHOOK)
    before = bot_messages(page).count()
    page.get_by_role("button", name="Try again").click()
    expect(bot_messages(page)).to_have_count(before + 1, timeout=REPLY_SECONDS)
    expect(bot_messages(page).last).to_contain_text("What helps")
    expect(page.get_by_role("alert")).to_have_text("")
    expect(page.locator("sme-cyber-chat .msg.user").last).not_to_contain_text("Not sent yet")


def test_a_retry_after_a_lost_reply_is_answered_once(widget_stack, page):
    sent: list[dict[str, Any]] = []

    def lose_the_reply(route: Route) -> None:
        if route.request.method == "OPTIONS":
            route.continue_()
            return
        sent.append(json.loads(route.request.post_data or "{}"))
        route.fetch()  # the assistant gets the message and handles it...
        route.abort("connectionreset")  # ...but its reply never reaches the browser

    def record(route: Route) -> None:
        if route.request.method == "POST":
            sent.append(json.loads(route.request.post_data or "{}"))
        route.continue_()

    page.route(WEBHOOK, lose_the_reply)
    open_widget(page, widget_stack.web + "/")
    box = page.get_by_label("Your message")
    box.fill("how do I back up our files?")
    box.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("cannot be reached")

    page.unroute(WEBHOOK)
    page.route(WEBHOOK, record)
    before = bot_messages(page).count()
    page.get_by_role("button", name="Try again").click()
    expect(bot_messages(page)).to_have_count(before + 1, timeout=REPLY_SECONDS)
    expect(bot_messages(page).last).to_contain_text("What helps")

    # The retry named the same message, so the assistant answered from its record: the
    # conversation holds the question once.
    assert len(sent) == 2 and sent[0] == sent[1] and sent[0]["message_id"].startswith("m-")
    with sqlite3.connect(widget_stack.data / "tracker.db") as connection:
        stored = connection.execute(
            "select count(*) from events where sender_id = ? and type_name = 'user'",
            (sent[0]["sender"],)).fetchone()[0]
    assert stored == 1
