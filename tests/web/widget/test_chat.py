"""The chat widget on the demo page, in Chromium, against the real running stack."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from bot.privacy.pseudonyms import visitor_key
from tests.browser import screenshot
from tests.stack import STACK_SECRET
from tests.web.widget.conftest import (
    REPLY_SECONDS,
    bot_messages,
    click_and_wait,
    open_widget,
    say,
    skip_choice,
    visitor_id,
    wait_for_rows,
)

pytestmark = pytest.mark.stack

BUSINESS = ("we're a 12-person accountancy in Leeds on Microsoft 365, staff work from home, "
            "we take card payments")


def shadow_active_element(page: Page) -> str:
    return str(page.evaluate(
        "() => { const a = document.querySelector('sme-cyber-chat').shadowRoot.activeElement;"
        " return a ? (a.getAttribute('aria-label') || a.textContent || a.id) : ''; }"))


def test_question_gets_guidance_with_feedback(widget_stack, page, console_errors):
    # The address the README sends people to (localhost), while the bot is at 127.0.0.1.
    page.goto(f"http://localhost:{widget_stack.ports['web']}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Keep your business safe online")
    screenshot(page, "widget-demo-page")
    launcher = page.get_by_role("button", name="Ask about cyber security")
    expect(launcher).to_have_attribute("aria-expanded", "false")
    launcher.click()
    expect(page.get_by_role("dialog", name="Cyber security help")).to_be_visible()
    # Focus goes to the message box on opening.
    assert shadow_active_element(page).endswith("-input")
    expect(page.get_by_text("Do not type names, passwords or payment details")).to_be_visible()
    privacy = page.get_by_role("dialog").get_by_role("link", name="Privacy notice")
    expect(privacy).to_have_attribute("href", re.compile(r"/privacy$"))

    reply = say(page, "how do I back up our files?")
    expect(reply).to_contain_text("What helps")
    expect(reply.locator("ul li").first).to_be_visible()  # the actions as a bullet list
    expect(reply.get_by_role("button", name=re.compile("^I'll do this: "))).not_to_have_count(0)
    helpful = reply.get_by_role("button", name="Yes, this was helpful")
    expect(helpful).to_be_visible()
    expect(reply.get_by_role("button", name="No, this was not helpful")).to_be_visible()
    screenshot(page, "widget-guidance")

    thanks = click_and_wait(page, helpful)
    expect(thanks).to_contain_text("Thanks for telling me")
    expect(reply.get_by_text("Thanks for your feedback.")).to_be_visible()

    sender = visitor_id(page)
    rows = wait_for_rows(widget_stack, "select f.topic, f.helpful from feedback f join conversations c "
                         "on c.conversation_key = f.conversation_key where c.visitor_key = ?",
                         (visitor_key(sender, STACK_SECRET),))
    assert rows == [("backups", 1)]

    # Escape closes the chat and puts focus back on the button that opened it.
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog", name="Cyber security help")).to_be_hidden()
    expect(launcher).to_be_focused()
    assert console_errors == []


def test_plan_checklist_commitment_reload_and_follow_up(widget_stack, page):
    open_widget(page, widget_stack.web + "/")
    say(page, BUSINESS)
    say(page, "what should I do first?")
    for _ in range(10):
        if page.locator("sme-cyber-chat .plan").count():
            break
        # Answer each profile question with its last button ("Skip" or "Not sure").
        choices = bot_messages(page).last.get_by_role("group", name="Suggested replies").get_by_role("button")
        click_and_wait(page, skip_choice(choices))
    checklist = page.get_by_role("list", name="Your action plan").last
    expect(checklist).to_be_visible()
    items = checklist.get_by_role("listitem")
    assert 1 <= items.count() <= 8
    screenshot(page, "widget-plan")

    first = items.first
    commit = first.get_by_role("button", name=re.compile("^I'll do this: "))
    title = (commit.get_attribute("aria-label") or "").removeprefix("I'll do this: ")
    answer = click_and_wait(page, commit)
    expect(answer).to_contain_text("I've noted that you'll")
    expect(first).to_contain_text("You've planned to do this")
    expect(commit).to_be_disabled()

    # Recorded by the assistant: ingestion writes the commitment to the analytics database.
    sender = visitor_id(page)
    key = visitor_key(sender, STACK_SECRET)
    rows = wait_for_rows(widget_stack, "select step, status from commitments where visitor_key = ?", (key,))
    assert len(rows) == 1 and rows[0][1] == "open"
    action = rows[0][0]

    # A reload continues the same conversation: history, plan state and visitor id are kept.
    page.reload()
    expect(page.get_by_role("dialog", name="Cyber security help")).to_be_visible()
    checklist = page.get_by_role("list", name="Your action plan").last
    expect(checklist.get_by_role("listitem").first).to_contain_text("You've planned to do this")
    assert visitor_id(page) == sender
    more = say(page, "tell me more")
    expect(more).not_to_contain_text("Hello.")
    screenshot(page, "widget-after-reload")

    # A visitor returning after the session has expired is asked about the plan.
    page.evaluate("""() => {
        const key = Object.keys(localStorage).find(k => k.startsWith('sme-cyber-chat:'));
        const state = JSON.parse(localStorage.getItem(key));
        state.last = Date.now() - 3 * 3600 * 1000;
        localStorage.setItem(key, JSON.stringify(state));
    }""")
    before = bot_messages(page).count()
    page.reload()
    expect(bot_messages(page)).to_have_count(before + 1, timeout=REPLY_SECONDS)
    welcome = bot_messages(page).last
    expect(welcome).to_contain_text("Welcome back")
    expect(welcome).to_contain_text(re.compile(re.escape(title), re.IGNORECASE))
    screenshot(page, "widget-follow-up")

    # "I'm not going to" takes it off the list, in the checklist and in the record.
    dropped = click_and_wait(page, welcome.get_by_role("button", name="I'm not going to"))
    expect(dropped).to_contain_text("off your list")
    checklist = page.get_by_role("list", name="Your action plan").last
    expect(checklist.get_by_role("listitem").first).to_contain_text("Taken off your list")
    expect(checklist.get_by_role("button", name=f"I'll do this: {title}")).to_be_enabled()
    assert wait_for_rows(widget_stack, "select status from commitments where visitor_key = ? and step = ? "
                         "and status = 'dropped'", (key, action)) == [("dropped",)]

    # Ticking the step's box in the checklist is recorded as done.
    box = checklist.get_by_role("checkbox", name=re.compile(re.escape(title), re.IGNORECASE))
    done = click_and_wait(page, box)
    expect(done).to_contain_text("Well done")
    expect(box).to_be_checked()
    expect(checklist.get_by_role("listitem").first).to_contain_text("Done")
    rows = wait_for_rows(widget_stack,
                         "select status from commitments where visitor_key = ? and step = ? "
                         "and status = 'done'", (key, action))
    assert rows == [("done",)]


def test_message_length_limit_is_enforced_in_the_input(widget_stack, page):
    open_widget(page, widget_stack.web + "/")
    box = page.get_by_label("Your message")
    expect(box).to_have_attribute("maxlength", "1000")
    counter = page.locator("sme-cyber-chat .count")
    expect(counter).to_have_text("You have 1000 characters remaining (up to 1000)")
    box.press_sequentially("x" * 5)
    expect(counter).to_have_text("You have 995 characters remaining (up to 1000)")
    box.fill("y" * 1200)
    assert len(box.input_value()) <= 1000
    expect(counter).to_have_text("You have 0 characters remaining (up to 1000)")


def test_clear_my_chat_forgets_the_visitor_and_history(widget_stack, page):
    open_widget(page, widget_stack.web + "/")
    say(page, "how do I spot a phishing email?")
    sender = visitor_id(page)
    page.get_by_role("button", name="Clear my chat").click()
    page.get_by_role("button", name="Yes, clear my chat").click()
    expect(bot_messages(page)).to_have_count(1)  # only the greeting
    expect(page.get_by_text("phishing email")).to_have_count(0)
    expect(page.get_by_role("status").filter(has_text="cleared")).to_have_count(1)
    # Chatting carries on at once, as a new visitor.
    expect(say(page, "how do I back up our files?")).to_contain_text("What helps")
    assert visitor_id(page) != sender
    page.reload()
    expect(page.get_by_text("phishing email")).to_have_count(0)
    expect(page.get_by_text("how do I back up our files?")).to_be_visible()
