"""The plan that stays: checklist ticks, "My plan", the download and the private link, in
Chromium against the real stack; and links built only from structured data."""

from __future__ import annotations

import io
import json
import re
import unicodedata
from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect
from pypdf import PdfReader

from bot.privacy.pseudonyms import visitor_key
from tests.browser import screenshot
from tests.stack import STACK_SECRET
from tests.web.widget.conftest import (
    REPLY_SECONDS,
    bot_messages,
    click_and_wait,
    new_page,
    open_widget,
    say,
    skip_choice,
    visitor_id,
    wait_for_rows,
)
from tests.web.widget.test_access import serious_violations
from tests.web.widget.test_safety import CORS, WEBHOOK, assert_nothing_ran

pytestmark = pytest.mark.stack

BUSINESS = ("we're a 6-person shop in Cardiff on Microsoft 365, we take card payments, "
            "an IT company looks after our computers")


def get_plan(page: Page) -> None:
    say(page, BUSINESS)
    say(page, "what should I do first?")
    for _ in range(10):
        if page.locator("sme-cyber-chat .msg .plan").count():
            return
        choices = bot_messages(page).last.get_by_role("group", name="Suggested replies").get_by_role("button")
        click_and_wait(page, skip_choice(choices))
    expect(page.get_by_role("list", name="Your action plan").last).to_be_visible()


def close_chat(page: Page) -> None:
    """Close the chat panel if it is open, so it covers nothing on the page behind it."""
    close = page.get_by_role("button", name="Close chat")
    if close.is_visible():
        close.click()
    expect(page.get_by_role("dialog", name="Cyber security help")).to_be_hidden()


def shadow(page: Page, script: str) -> Any:
    return page.evaluate("() => { const r = document.querySelector('sme-cyber-chat').shadowRoot; "
                         + script + " }")


def test_the_checklist_ticks_reloads_and_goes_to_another_device(widget_stack, browser):
    context, page = new_page(browser, bypass_csp=True, accept_downloads=True)
    try:
        open_widget(page, widget_stack.web + "/")
        get_plan(page)
        checklist = page.get_by_role("list", name="Your action plan").last
        first = checklist.get_by_role("checkbox").first
        title = str(first.evaluate("b => b.labels[0].textContent"))
        expect(first).not_to_be_checked()
        assert serious_violations(page) == []
        screenshot(page, "plan-checklist")

        # Tick: recorded by the assistant as done, and in the analytics record.
        before = bot_messages(page).count()
        first.check()
        reply = bot_messages(page).nth(before)
        expect(reply).to_contain_text("Well done", timeout=REPLY_SECONDS)
        expect(first).to_be_checked()
        key = visitor_key(visitor_id(page), STACK_SECRET)
        assert wait_for_rows(widget_stack, "select status from commitments where visitor_key = ? "
                             "and status = 'done'", (key,)) == [("done",)]

        # Reload: still ticked. Untick: no longer done, and stays so after a reload.
        page.reload()
        checklist = page.get_by_role("list", name="Your action plan").last
        expect(checklist.get_by_role("checkbox", name=title)).to_be_checked()
        before = bot_messages(page).count()
        checklist.get_by_role("checkbox", name=title).uncheck()
        expect(bot_messages(page).nth(before)).to_contain_text("no longer marked done",
                                                               timeout=REPLY_SECONDS)
        page.reload()
        checklist = page.get_by_role("list", name="Your action plan").last
        expect(checklist.get_by_role("checkbox", name=title)).not_to_be_checked()

        # Typed progress, in the owner's words.
        said = say(page, "what have I done so far?")
        expect(said).to_contain_text("You haven't marked any of the")
        nxt = say(page, "what's next?")
        expect(nxt).to_contain_text("Next:")

        # "My plan", with the keyboard: tick a step there.
        my_plan = page.get_by_role("button", name="My plan", exact=True)
        my_plan.focus()
        page.keyboard.press("Enter")
        section = page.get_by_role("region", name="My plan")
        expect(section).to_be_visible()
        expect(my_plan).to_have_attribute("aria-expanded", "true")
        box = section.get_by_role("checkbox", name=title)
        box.focus()
        page.keyboard.press("Space")
        expect(box).to_be_checked()
        expect(section.get_by_role("checkbox", name=title)).to_be_checked(timeout=REPLY_SECONDS)
        page.wait_for_function("() => !document.querySelector('sme-cyber-chat').shadowRoot"
                               ".querySelector('.typing').textContent", timeout=REPLY_SECONDS)
        assert serious_violations(page) == []
        screenshot(page, "plan-my-plan")

        # Download: a PDF that holds the steps, and the printable page at a private link.
        before = bot_messages(page).count()
        section.get_by_role("button", name="Download or print my plan").click()
        offer = bot_messages(page).nth(before)
        pdf_link = offer.get_by_role("link", name="Download the PDF")
        expect(pdf_link).to_be_visible(timeout=REPLY_SECONDS)
        page_link = offer.get_by_role("link", name="Open the printable page")
        href = str(page_link.get_attribute("href"))
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/plan/[A-Za-z0-9_-]{40,64}", href), href
        with page.expect_download() as download_info:
            pdf_link.click()
        pdf_path = download_info.value.path()
        text = " ".join(" ".join((p.extract_text() or "").split())
                        for p in PdfReader(io.BytesIO(pdf_path.read_bytes())).pages)
        assert title in text
        assert "Done" in text and "Hand this to your IT provider" in text
        assert serious_violations(page) == []

        # Another device: the private link opens the plan and the chat carries on there.
        businesses_before = _count(widget_stack, "select count(*) from visitors")
        other, phone = new_page(browser, width=390, height=844, is_mobile=True, has_touch=True,
                                bypass_csp=True)
        try:
            phone.goto(href)
            expect(phone.get_by_role("heading", level=1)).to_have_text("Your cyber security action plan")
            expect(phone.locator("li.step-done").filter(has_text=title)).to_have_count(1)
            assert serious_violations(phone) == []
            screenshot(phone, "plan-page-other-device")
            # Print: the whole plan, without the chat or the buttons.
            phone.emulate_media(media="print")
            expect(phone.locator("sme-cyber-chat")).to_be_hidden()
            expect(phone.get_by_role("button", name=re.compile("^Mark "))).to_have_count(0)
            expect(phone.locator("li.step")).to_have_count(checklist.get_by_role("listitem").count())
            for step in phone.locator("li.step").all():
                expect(step).to_be_visible()
            phone.pdf(path=str(pdf_path.with_suffix(".print.pdf")))
            printed = " ".join(" ".join((p.extract_text() or "").split()) for p in
                               PdfReader(str(pdf_path.with_suffix(".print.pdf"))).pages)
            # Chromium prints ligatures ("veri\ufb01cation") and line breaks split words ("two-" /
            # "step"): compare the compatibility form, without spaces.
            squeezed = unicodedata.normalize("NFKC", printed).replace(" ", "").replace("\u2010", "-")
            assert title.replace(" ", "") in squeezed and "HandthistoyourITprovider" in squeezed
            phone.emulate_media(media="screen")
            # The chat carries on as the same conversation, with the plan restored.
            phone.get_by_role("button", name="Ask about cyber security").click()
            widget_plan = phone.get_by_role("list", name="Your action plan").last
            expect(widget_plan.get_by_role("checkbox", name=title)).to_be_checked(timeout=REPLY_SECONDS)
            assert visitor_id(phone) == visitor_id(page)
            # Unticking on the page records it in the conversation.
            close_chat(phone)
            phone.get_by_role("button", name=f'Mark "{title}" as not done').click()
            expect(phone.locator("main [role=alert]")).to_contain_text("Marked as not done")
            expect(phone.locator("li.step-done").filter(has_text=title)).to_have_count(0)
            # The analytics record: the untick from the phone is this business's, and the phone
            # added no business, so every "businesses" figure counts this one once.
            assert wait_for_rows(widget_stack, "select status from commitments where visitor_key = ? "
                                 "and status = 'open'", (key,)) == [("open",)]
            assert _count(widget_stack, "select count(*) from visitors") == businesses_before
        finally:
            other.close()
        back = say(page, "what have I done so far?")
        expect(back).to_contain_text(f"{title}: not started")
    finally:
        context.close()


def _count(stack: Any, sql: str) -> int:
    rows = wait_for_rows(stack, sql, ())
    return int(rows[0][0])


def panel_share(page: Page) -> float:
    """The conversation's share of the chat panel's height."""
    return float(shadow(page, "const p = r.querySelector('.panel').getBoundingClientRect();"
                              " const b = r.querySelector('.body').getBoundingClientRect();"
                              " return b.height / p.height;"))


@pytest.mark.parametrize(("name", "width", "height", "scale"), [
    ("320px-phone", 320, 568, 2), ("200pc-zoom", 640, 450, 2), ("400pc-zoom", 320, 225, 4),
    ("landscape-phone", 740, 360, 2)])
def test_the_conversation_keeps_half_the_panel_at_small_sizes_and_zoom(widget_stack, browser, name,
                                                                       width, height, scale):
    # Zoom is what the CSS viewport shrinks to: 1280 x 900 at 200% is 640 x 450 CSS pixels.
    context, page = new_page(browser, width=width, height=height, device_scale_factor=scale,
                             is_mobile=name.endswith("phone"), has_touch=name.endswith("phone"),
                             bypass_csp=True)
    try:
        open_widget(page, widget_stack.web + "/")
        say(page, "how do I back up our files?")
        assert panel_share(page) >= 0.5, name
        overflow = shadow(page, "const p = r.querySelector('.panel'); return p.scrollWidth - p.clientWidth;")
        assert overflow <= 0, name
        urgent = page.get_by_role("button", name="Something has gone wrong").last
        urgent.scroll_into_view_if_needed()
        expect(urgent).to_be_visible()
        assert serious_violations(page) == []
        screenshot(page, f"widget-reflow-{name}")
    finally:
        context.close()


def test_opening_on_a_touch_screen_does_not_focus_the_message_box(widget_stack, browser):
    context, page = new_page(browser, width=390, height=844, is_mobile=True, has_touch=True)
    try:
        open_widget(page, widget_stack.web + "/")
        assert shadow(page, "return r.activeElement ? r.activeElement.tagName : '';") != "TEXTAREA"
        greeting = bot_messages(page).first
        expect(greeting.get_by_role("button", name="Something has gone wrong")).to_be_visible()
    finally:
        context.close()


def test_incident_routes_come_with_links_and_before_any_feedback(widget_stack, page):
    open_widget(page, widget_stack.web + "/")
    say(page, "we're in Scotland")
    before = bot_messages(page).count()
    click_and_wait(page, page.get_by_role("button", name="Something has gone wrong").last)
    expect(bot_messages(page)).to_have_count(before + 2, timeout=REPLY_SECONDS)
    urgent, routes = bot_messages(page).nth(before), bot_messages(page).nth(before + 1)
    expect(urgent.get_by_role("button", name="Yes, this was helpful")).to_have_count(0)
    expect(routes.get_by_role("link", name="101")).to_have_attribute("href", "tel:101")
    expect(routes.get_by_role("link", name="https://report.ncsc.gov.uk/")).to_have_attribute(
        "href", "https://report.ncsc.gov.uk/")
    expect(routes.get_by_role("button", name="Yes, this was helpful")).to_be_visible()
    screenshot(page, "widget-incident-links")


def test_links_come_only_from_structured_data_never_from_visitor_text(widget_stack, page):
    crafted = [
        {"recipient_id": "x", "text": "Report it:"},
        {"recipient_id": "x", "custom": {"links": [
            {"kind": "phone", "label": "Report Fraud", "href": "tel:03001232040"},
            {"kind": "email", "label": "Forward scams", "href": "mailto:report@phishing.gov.uk"},
            {"kind": "url", "label": "NCSC", "href": "https://report.ncsc.gov.uk/"},
            {"kind": "url", "label": "Evil", "href": "javascript:window.__pwned='link'"},
            {"kind": "url", "label": "Plain", "href": "http://example.org/"},
            {"kind": "phone", "label": "Sneaky", "href": "javascript:1"},
            {"kind": "email", "label": "Header", "href": "mailto:a@b.example?bcc=c@d.example"}]}},
    ]
    sent: list[str] = []

    def answer(route: Route) -> None:
        if route.request.method == "OPTIONS":
            route.fulfill(status=204, headers=CORS)
            return
        sent.append(json.loads(route.request.post_data or "{}").get("message", ""))
        route.fulfill(status=200, headers=CORS, content_type="application/json", body=json.dumps(crafted))

    page.route(WEBHOOK, answer)
    open_widget(page, widget_stack.web + "/")
    typed = "see https://evil.example/x and www.evil.example, or mail me at me@evil.example, tel 0123"
    reply = say(page, typed)
    bubble = page.locator("sme-cyber-chat .msg.user").last
    expect(bubble).to_contain_text(typed)
    expect(bubble.locator("a")).to_have_count(0)
    links = reply.get_by_role("link")
    expect(links).to_have_count(3)
    assert [links.nth(i).get_attribute("href") for i in range(3)] == [
        "tel:03001232040", "mailto:report@phishing.gov.uk", "https://report.ncsc.gov.uk/"]
    expect(reply).not_to_contain_text("Evil")
    assert_nothing_ran(page)
    assert sent == [typed]


def test_plan_by_email_reminder_link_back_and_stop(widget_stack, browser, smtp_server):
    """The plan emailed to the loopback SMTP server, the reminder job run with its clock moved
    on, the reminder's link followed to tick a step (recorded by the assistant), then stop."""
    from datetime import datetime, timedelta, timezone

    from bot.guidance.knowledge import default_knowledge_base
    from bot.plans import reminders
    from bot.storage.database import create_engine, tracker_engine
    from tests.smtp import body_of
    from tests.web.widget.conftest import PLAN_EMAIL_KEY

    address = "owner@example.co.uk"
    context, page = new_page(browser, bypass_csp=True)
    try:
        open_widget(page, widget_stack.web + "/")
        get_plan(page)
        offer = say(page, "can you email me my plan?")
        expect(offer).to_contain_text("open the printable page and give your address there")
        href = str(offer.get_by_role("link", name="Open the printable page").get_attribute("href"))
        page.goto(href)
        close_chat(page)
        first_title = page.locator("li.step h2").first.inner_text().replace(" (must-do)", "")
        before = len(smtp_server.inbox.messages)
        page.get_by_label("Your email address").fill(address)
        page.get_by_label(re.compile("^Yes, email me my plan")).check()
        page.get_by_role("button", name="Email me my plan").click()
        expect(page.locator("main [role=alert]")).to_contain_text("We've emailed you the plan")
        assert serious_violations(page) == []
        plan_mail = smtp_server.inbox.messages[before]
        assert plan_mail["To"] == address and first_title in body_of(plan_mail)
        assert plan_mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        stored = b"".join(p.read_bytes() for p in widget_stack.data.glob("*.db*"))
        assert address.encode() not in stored  # encrypted at rest, in no table or log of ours
        assert address not in widget_stack.log.read_text(errors="replace")

        # The reminder job, with its clock 15 days on.
        analytics = create_engine(f"sqlite:///{widget_stack.data / 'analytics.db'}")
        tracker = tracker_engine(f"sqlite:///{widget_stack.data / 'tracker.db'}")
        config = reminders.Config(reminders.Mailer.from_url(smtp_server.url, "a@localhost"),
                                  PLAN_EMAIL_KEY.encode(), (14, 45), widget_stack.web)
        later = datetime.now(timezone.utc).replace(tzinfo=None) + timedelta(days=15)
        kb = default_knowledge_base()
        assert reminders.send_due(analytics, tracker, kb, config, clock=lambda: later) == 1
        reminder = smtp_server.inbox.messages[before + 1]
        back = re.search(r"(http://\S+/plan/[A-Za-z0-9_-]+\?from=reminder)", body_of(reminder))
        assert back

        # The link back: tick the first step; the assistant records it as done.
        page.goto(back.group(1))
        close_chat(page)
        page.get_by_role("button", name=f'Mark "{first_title}" as done').click()
        expect(page.locator("main [role=alert]")).to_contain_text("Marked as done")
        expect(page.locator("li.step-done h2").first).to_contain_text(first_title)
        key = visitor_key(visitor_id(page), STACK_SECRET)
        assert wait_for_rows(widget_stack, "select status from commitments where visitor_key = ? "
                             "and status = 'done'", (key,)) == [("done",)]
        assert wait_for_rows(widget_stack, "select count(*) from plan_follow_through where "
                             "kind = 'done_after_reminder'", ()) == [(1,)]

        # Stop: one click, the address goes, and no more mail.
        stop = re.search(r"<([^>]+)>", reminder["List-Unsubscribe"])
        assert stop
        page.goto(stop.group(1))
        expect(page.get_by_role("heading", level=1)).to_have_text("Reminders stopped")
        with analytics.connect() as connection:
            assert connection.exec_driver_sql("select count(*) from reminder_subscriptions").scalar() == 0
        much_later = later + timedelta(days=40)
        assert reminders.send_due(analytics, tracker, kb, config, clock=lambda: much_later) == 0
        assert len(smtp_server.inbox.messages) == before + 2
    finally:
        context.close()
