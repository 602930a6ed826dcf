"""Accessibility (axe-core, keyboard, motion, phone width) and embedding on another site."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser import screenshot
from tests.web.widget.conftest import (
    AXE,
    bot_messages,
    click_and_wait,
    new_page,
    open_widget,
    say,
    skip_choice,
)

pytestmark = pytest.mark.stack


def serious_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical findings for the whole page, shadow roots included."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make js-tools` (npm ci in tests/js)")
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
        for v in results["violations"] if v["impact"] in ("serious", "critical")
    ]


def test_demo_page_with_widget_open_has_no_serious_axe_violations(widget_stack, browser):
    # CSP is bypassed only so the test can inject axe-core; the page itself is unchanged.
    context, page = new_page(browser, bypass_csp=True)
    try:
        page.goto(widget_stack.web + "/privacy")
        expect(page.get_by_role("heading", level=1)).to_have_text("Privacy notice for the cyber assistant")
        assert serious_violations(page) == []
        page.goto(widget_stack.web + "/")
        assert serious_violations(page) == []
        page.get_by_role("button", name="Ask about cyber security").click()
        reply = say(page, "how do I back up our files?")
        expect(reply.get_by_role("button", name="Yes, this was helpful")).to_be_visible()
        assert serious_violations(page) == []
        screenshot(page, "widget-axe-open")

        # The action plan checklist, after skipping the profile questions.
        say(page, "what should I do first?")
        for _ in range(10):
            if page.locator("sme-cyber-chat .plan").count():
                break
            group = bot_messages(page).last.get_by_role("group", name="Suggested replies")
            click_and_wait(page, skip_choice(group.get_by_role("button")))
        expect(page.get_by_role("list", name="Your action plan")).to_be_visible()
        assert serious_violations(page) == []
    finally:
        context.close()


def test_keyboard_only_use(widget_stack, page):
    page.goto(widget_stack.web + "/")
    launcher = page.get_by_role("button", name="Ask about cyber security")
    launcher.focus()
    page.keyboard.press("Enter")
    box = page.get_by_label("Your message")
    expect(box).to_be_focused()
    page.keyboard.type("what can you help with?")
    before = bot_messages(page).count()
    page.keyboard.press("Enter")
    expect(bot_messages(page)).to_have_count(before + 1, timeout=60_000)
    expect(box).to_be_focused()
    # Shift+Tab from the message box reaches the conversation's buttons.
    page.keyboard.press("Shift+Tab")
    focused = page.evaluate("() => document.querySelector('sme-cyber-chat').shadowRoot.activeElement.tagName")
    assert focused == "BUTTON"
    close = page.get_by_role("button", name="Close chat")
    close.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog", name="Cyber security help")).to_be_hidden()
    expect(launcher).to_be_focused()
    expect(launcher).to_have_attribute("aria-expanded", "false")


def test_new_messages_are_announced_and_typing_is_shown_without_motion(widget_stack, browser):
    context, page = new_page(browser, reduced_motion="reduce")
    # Hold each request to the bot until the test releases it, to see the typing indicator.
    page.add_init_script("""(() => {
        const real = window.fetch;
        window.__release = null;
        window.fetch = (...args) => new Promise(resolve => {
            window.__release = () => resolve(real(...args));
        });
    })()""")
    try:
        open_widget(page, widget_stack.web + "/")
        log = page.get_by_role("log", name="Conversation")
        expect(log).to_have_attribute("aria-live", "polite")
        box = page.get_by_label("Your message")
        box.fill("how do I make a strong password?")
        box.press("Enter")
        typing = page.get_by_role("status").filter(has_text="The assistant is typing")
        expect(typing).to_be_visible()
        animation = page.evaluate("""() => {
            const dots = document.querySelector('sme-cyber-chat').shadowRoot.querySelector('.dots span');
            return dots ? getComputedStyle(dots).animationName : 'none';
        }""")
        assert animation == "none"
        before = bot_messages(page).count()
        page.wait_for_function("() => window.__release !== null")
        page.evaluate("() => window.__release()")
        expect(bot_messages(page)).to_have_count(before + 1, timeout=60_000)
        expect(log.locator(".msg.bot").last).to_contain_text("password")
        expect(page.locator("sme-cyber-chat .typing")).to_have_text("")
    finally:
        context.close()


def test_usable_on_a_360_pixel_phone(widget_stack, browser):
    context, page = new_page(browser, width=360, height=740, is_mobile=True, has_touch=True)
    try:
        page.goto(widget_stack.web + "/")
        screenshot(page, "widget-phone-360-page")
        open_widget(page, widget_stack.web + "/")
        reply = say(page, "how do I back up our files?")
        expect(reply).to_contain_text("What helps")
        panel = page.get_by_role("dialog", name="Cyber security help").bounding_box()
        assert panel is not None
        assert panel["x"] >= 0 and panel["x"] + panel["width"] <= 360
        assert panel["y"] >= 0 and panel["y"] + panel["height"] <= 740
        send = page.get_by_role("button", name="Send").bounding_box()
        assert send is not None and send["x"] + send["width"] <= 360 and send["height"] >= 24
        overflow = page.evaluate("""() => {
            const body = document.querySelector('sme-cyber-chat').shadowRoot.querySelector('.body');
            return body.scrollWidth - body.clientWidth;
        }""")
        assert overflow <= 0
        screenshot(page, "widget-phone-360-chat")
    finally:
        context.close()


def embed_page(script_src: str, bot_url: str) -> str:
    # Hostile host styles: none of them may reach inside the widget.
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Trade association members' area</title>
<style>* {{ color: red !important; font-family: serif !important; }}
button {{ display: none !important; }} div {{ background: yellow !important; }}</style></head>
<body><main><h1>Members' area</h1><p>Ask our partner's cyber assistant.</p></main>
<script src="{script_src}" data-bot-url="{bot_url}" defer></script></body></html>"""


def test_embed_snippet_works_on_another_origin_and_other_origins_are_refused(widget_stack, other_site,
                                                                              page):
    other_site.page = embed_page(widget_stack.web + "/widget.js", widget_stack.rasa)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    open_widget(page, other_site.origin + "/")
    reply = say(page, "a supplier emailed new bank details, should I just pay?")
    expect(reply).to_contain_text("bank")
    color = page.evaluate("""() => getComputedStyle(document.querySelector('sme-cyber-chat')
        .shadowRoot.querySelector('.msg.bot')).color""")
    assert color == "rgb(11, 12, 12)"  # the host's red does not leak in
    screenshot(page, "widget-embedded-other-origin")
    # Everything the widget loads comes from our own servers.
    allowed = (other_site.origin, widget_stack.web, widget_stack.rasa)
    assert all(url.startswith(allowed) for url in requests), requests

    # The same page from an origin the Rasa server does not allow cannot talk to the bot.
    refused = f"http://127.0.0.1:{other_site.port}/"
    open_widget(page, refused)
    box = page.get_by_label("Your message")
    box.fill("hello")
    box.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("cannot be reached")
