"""The widget keeps the visitor token its first reply gave, and sends it with every message.

A real browser (Debian's Chromium through Playwright) against the real stack: the token
comes back in a response header, which CORS must expose to the page's script.
"""

from __future__ import annotations

import json

from playwright.sync_api import Page, Request, expect

from tests.stack import Stack
from tests.web.widget.conftest import open_widget, say, visitor_id


def _stored_token(page: Page) -> object:
    return page.evaluate(
        "() => JSON.parse(localStorage.getItem(Object.keys(localStorage)"
        ".find(k => k.startsWith('sme-cyber-chat:')))).token")


def test_the_token_of_the_first_reply_is_kept_and_sent_after_a_reload(widget_stack: Stack,
                                                                       page: Page) -> None:
    bodies: list[dict[str, object]] = []

    def keep(request: Request) -> None:
        if request.url.endswith("/webhooks/rest/webhook") and request.method == "POST":
            bodies.append(json.loads(request.post_data or "{}"))

    page.on("request", keep)
    open_widget(page, f"{widget_stack.web}/")
    expect(say(page, "how do I back up our files?")).to_contain_text("backup")
    token = _stored_token(page)
    assert isinstance(token, str) and len(token) == 32
    assert "visitor_token" not in bodies[0]  # a new visitor has none yet

    page.reload()
    dialog = page.get_by_role("dialog", name="Cyber security help")
    if not dialog.is_visible():  # the widget may reopen the conversation by itself
        page.get_by_role("button", name="Ask about cyber security").click()
    expect(dialog).to_be_visible()
    reply = say(page, "how do I spot a phishing email?")
    expect(reply).not_to_contain_text("went wrong")
    assert bodies[-1]["visitor_token"] == token and bodies[-1]["sender"] == visitor_id(page)
