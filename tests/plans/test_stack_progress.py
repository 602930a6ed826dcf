"""Typed progress through the trained model and the real stack: done, committed, dropped,
"what have I done so far?" and "what's next?" in owners' words, over the REST channel."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from tests.stack import customs, plan, texts

pytestmark = pytest.mark.stack

Say = Callable[[Any], list[dict[str, Any]]]
BUSINESS = ("we're a 9-person estate agency in Leeds on Microsoft 365, staff work from home, "
            "we take card payments and an IT company looks after our computers")
#: How an owner names a plan step by its subject: done, committed and dropped, per topic.
BY_TOPIC = {
    "backups": ("done the backups", "I'll do the backups one", "we won't do the backups one"),
    "updates": ("we've turned on the automatic updates", "I'll sort the updates this week",
                "skip the updates one"),
    "malware": ("antivirus is on all our computers now", "I'll get the antivirus sorted",
                "we won't bother with the antivirus"),
    "cloud": ("MFA is on for everyone now", "I'll set up MFA for everyone tomorrow",
              "we're not doing the MFA one"),
    "devices": ("I've put a PIN on every phone", "I'll put PINs on the phones", "drop the PIN one"),
    "access_control": ("removed the leavers' accounts", "I'll do the leavers one",
                       "we won't do the leavers one"),
    "card_payments": ("done the card numbers one", "I'll do the card numbers one",
                      "we won't bother with the card numbers one"),
    "passwords": ("I've set up 2-step on the main accounts", "I'll do the passwords one",
                  "we won't do the passwords one"),
    "remote_working": ("the firewall is on for the laptops", "I'll do the firewall one",
                       "not doing the firewall step"),
    "email_security": ("I've set up 2-step on email", "I'll set up 2-step on email",
                       "we won't do the email one"),
    "personal_data": ("we've paid the ICO fee", "I'll pay the ICO fee", "skip the ICO fee one"),
}
LIST = ["what have I done so far?", "how am I getting on with my plan?", "what's still to do?",
        "which steps have I finished?", "where am I up to with the plan?"]
NEXT = ["what's next?", "what should I do next?", "what do I do now?", "which one should I do next?",
        "next step please"]


def get_plan(say: Say) -> list[dict[str, str]]:
    say(BUSINESS)
    replies = say("/ask_action_plan")
    for _ in range(12):
        found = plan(replies)
        if found:
            return found
        replies = say("/not_sure")
    raise AssertionError("no plan after the profile questions")


def step_of(replies: list[dict[str, Any]], key: str) -> str | None:
    for custom in customs(replies):
        if key in custom:
            return str(custom[key]["step"])
    return None


def test_typed_progress_in_owners_words(say: Say) -> None:
    entries = get_plan(say)
    first_of_topic: dict[str, str] = {}
    for entry in entries:
        first_of_topic.setdefault(entry["topic"], entry["step"])
    covered = [topic for topic in first_of_topic if topic in BY_TOPIC]
    assert len(covered) >= 3, entries

    for text in LIST:
        reply = texts(say(text))
        assert "steps in your plan" in reply, (text, reply)
    for text in NEXT:
        replies = say(text)
        assert texts(replies).startswith("Next:"), (text, texts(replies))

    for topic in covered:
        done, committed, dropped = BY_TOPIC[topic]
        expected = first_of_topic[topic]
        assert step_of(say(committed), "commitment") == expected, committed
        assert step_of(say(dropped), "follow_up_answer") == expected, dropped
        assert step_of(say(done), "done") == expected, done

    progress = [c["progress"] for c in customs(say("what have I done so far?")) if "progress" in c][0]
    statuses = {item["step"]: item["status"] for item in progress}
    assert all(statuses[first_of_topic[topic]] == "done" for topic in covered)
    # "What's next?" now names a step that is not done.
    following = texts(say("what's next?"))
    titles_done = [e["title"] for e in entries if statuses[e["step"]] == "done"]
    assert following.startswith(("Next:", "You've dealt with every step")), following
    assert not any(following.startswith(f"Next: {title}.") for title in titles_done), following
