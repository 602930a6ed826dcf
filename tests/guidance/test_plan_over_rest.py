"""One description over the real REST channel gives a plan whose first steps fit it."""

from __future__ import annotations

import pytest

from tests.stack import buttons, plan, texts

#: Needs the real Rasa, action and web servers.
pytestmark = pytest.mark.stack

BUILDER = ("builder in wrexham, me and 5 lads. all my invoices go out by email from my hotmail "
           "on my phone, customers pay by bank transfer, some jobs are 20-30k. no card machine. "
           "got a facebook page, no website")


def _plan_after_questions(say, reply):
    asked = []
    for _ in range(5):
        if plan(reply) is not None:
            return plan(reply), asked, reply
        asked.append(texts(reply))
        reply = say("not sure")
    return plan(reply), asked, reply


def test_one_description_gives_a_plan_led_by_what_this_business_risks(say):
    say(BUILDER)
    items, asked, reply = _plan_after_questions(say, say("what should I do first?"))
    assert items, f"no plan after {asked}"
    assert len(asked) <= 3, asked
    assert all(f"Question {n} of" in q for n, q in enumerate(asked, start=1)), asked
    first_topics = [item["topic"] for item in items[:3]]
    # Emailed invoices paid by bank transfer: invoice fraud and the email that sends
    # the invoices come first; nothing about cards or a website.
    assert "payment_fraud" in first_topics
    assert {"passwords", "phishing"} & set(first_topics) or "two-step" in texts(reply)
    assert not {"card_payments", "website"} & {item["topic"] for item in items}
    text = texts(reply)
    assert "bank details" in text
    assert "**1. " in text
    assert any(b["title"] == "How do I do step 1?" for b in buttons(reply))


def test_how_do_i_do_this_gives_the_whole_step(say):
    say(BUILDER)
    items, _, reply = _plan_after_questions(say, say("what should I do first?"))
    first = next(b for b in buttons(reply) if b["title"] == "How do I do step 1?")
    detail = say(first["payload"])
    assert items[0]["title"] in texts(detail)
    assert any(b["title"].startswith("I'll do this") for b in buttons(detail))


def test_a_question_is_explained_when_asked_then_asked_again(say):
    say("sole trader electrician in kirkcaldy")
    reply = say("what should I do first?")
    if plan(reply) is not None:
        pytest.skip("no question was worth asking for this description")
    assert "Question 1 of" in texts(reply)
    explained = say("what does that mean?")
    lines = texts(explained).splitlines()
    assert len(lines) >= 2 and "Question 1 of" in texts(explained)
