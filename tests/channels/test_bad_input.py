"""Hostile and odd input never breaks the assistant."""

from __future__ import annotations

import pytest
import requests

from tests.stack import texts

#: Needs the real Rasa, action and web servers.
pytestmark = pytest.mark.stack

ODD_MESSAGES = [
    "🔒🔥💻❓",
    "مرحبا، هل يمكنك مساعدتي في أمن الشركة؟",
    "שלום, איך אני מגבה קבצים?",
    "<script>alert('x')</script>",
    "<img src=x onerror=alert(1)>",
    "'; DROP TABLE users; --",
    "1 OR 1=1; SELECT * FROM trackers",
    "a" * 999,
    "\u202etxet desrever",
    "null",
]


@pytest.mark.parametrize("message", ODD_MESSAGES)
def test_odd_messages_get_a_sensible_reply(say, message):
    reply = say(message)
    assert reply, "no reply at all"
    assert texts(reply).strip()


@pytest.mark.parametrize("message", ["", "   ", "\n\n"])
def test_empty_messages_get_help(say, message):
    reply = say(message)
    assert "didn't get a message" in texts(reply)


def test_ten_thousand_characters_are_refused_clearly(say):
    reply = say("x" * 10_000)
    assert "too long" in texts(reply) and "1000 characters" in texts(reply)


@pytest.mark.parametrize(
    "body",
    ["not json", "[1, 2]", '{"message": "hi"}', '{"sender": 5, "message": "hi"}',
     '{"sender": "a", "message": 7}', '{"sender": "a", "message": "hi", "message_id": "x"}',
     '{"sender": "a", "message": "hi", "message_id": 123456789}',
     '{"sender": "a", "message": "hi", "message_id": "<b>12345678</b>"}'],
)
def test_malformed_requests_get_400_with_reason(stack, body):
    response = requests.post(f"{stack.rasa}/webhooks/rest/webhook", data=body,
                             headers={"Content-Type": "application/json"}, timeout=30)
    assert response.status_code == 400
    assert "error" in response.json()


def test_conversation_survives_bad_input(say):
    say("<script>alert(1)</script>")
    say("x" * 10_000)
    reply = say("how do I make a strong password?")
    assert "passwords" in texts(reply).lower() or reply
