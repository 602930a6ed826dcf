"""A message that arrives twice (a retry after a lost reply) gets the same replies and one turn."""

from __future__ import annotations

import json
import sqlite3
import uuid
from typing import Any

import pytest
import requests

from tests.stack import Stack, texts, topics

#: Needs the real Rasa, action and web servers.
pytestmark = pytest.mark.stack


def post(stack: Stack, sender: str, message: str, message_id: str) -> list[dict[str, Any]]:
    body = {"sender": sender, "message": message, "message_id": message_id}
    if sender in stack.tokens:  # the visitor token of the conversation's first reply
        body["visitor_token"] = stack.tokens[sender]
    response = requests.post(f"{stack.rasa}/webhooks/rest/webhook", timeout=60, json=body)
    assert response.status_code == 200, response.text
    stack.tokens.setdefault(sender, response.headers.get("X-Visitor-Token", ""))
    body: list[dict[str, Any]] = response.json()
    return body


def user_messages(stack: Stack, sender: str) -> list[tuple[str, str]]:
    """(message id, text) of each user message in the stored conversation, in order."""
    with sqlite3.connect(stack.data / "tracker.db") as connection:
        rows = connection.execute("select data from events where sender_id = ? and type_name = 'user' "
                                  "order by id", (sender,)).fetchall()
    return [(event["message_id"], event["text"]) for event in (json.loads(row[0]) for row in rows)]


def new_id() -> str:
    return f"m-{uuid.uuid4().hex}"


def test_a_message_sent_again_is_answered_the_same_and_handled_once(stack, sender):
    first, again = new_id(), new_id()
    replies = post(stack, sender, "how do I back up our files?", first)
    assert "backups" in topics(replies)

    assert post(stack, sender, "how do I back up our files?", first) == replies
    assert user_messages(stack, sender) == [(first, "how do I back up our files?")]

    # The conversation carries on from where it was: "tell me more" is still about backups.
    more = post(stack, sender, "tell me more", again)
    assert texts(more) and more != replies
    assert user_messages(stack, sender) == [(first, "how do I back up our files?"),
                                            (again, "tell me more")]


def test_an_id_reused_for_other_words_is_a_new_message(stack, sender):
    reused = new_id()
    backups = post(stack, sender, "how do I back up our files?", reused)
    phishing = post(stack, sender, "how do I spot a phishing email?", reused)
    assert "phishing" in topics(phishing) and phishing != backups
    assert [text for _, text in user_messages(stack, sender)] == [
        "how do I back up our files?", "how do I spot a phishing email?"]


def test_messages_without_an_id_are_each_handled(say, stack, sender):
    assert texts(say("thanks"))
    assert texts(say("thanks"))
    assert [text for _, text in user_messages(stack, sender)] == ["thanks", "thanks"]
