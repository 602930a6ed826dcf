"""A message that arrives again is matched to the replies it got, and only then."""

from __future__ import annotations

from typing import Any

import pytest

from bot.channels.redelivery import earlier_replies, is_message_id


def user(text: str, message_id: str) -> dict[str, Any]:
    return {"event": "user", "text": text, "message_id": message_id}


def bot(text: str) -> dict[str, Any]:
    return {"event": "bot", "text": text, "data": {}}


ACTION = {"event": "action", "name": "action_listen"}
CONVERSATION = [
    user("hello", "m-1111aaaa"), ACTION, bot("Hello!"), ACTION,
    user("how do I back up?", "m-2222bbbb"), ACTION, bot("Keep a copy."), bot("Here is a plan."),
    {"event": "slot", "name": "last_topic", "value": "backups"}, ACTION,
    user("thanks", "m-3333cccc"), ACTION,
]


def test_a_message_sent_again_gets_the_replies_it_got() -> None:
    replies = earlier_replies(CONVERSATION, "m-2222bbbb", "how do I back up?")
    assert replies is not None
    assert [r["text"] for r in replies] == ["Keep a copy.", "Here is a plan."]


def test_a_message_the_conversation_lacks_is_new() -> None:
    assert earlier_replies(CONVERSATION, "m-4444dddd", "how do I back up?") is None
    assert earlier_replies([], "m-4444dddd", "hi") is None


def test_an_id_reused_for_other_words_is_a_new_message() -> None:
    assert earlier_replies(CONVERSATION, "m-2222bbbb", "and passwords?") is None


def test_a_handled_message_without_replies_gets_none_again() -> None:
    assert earlier_replies(CONVERSATION, "m-3333cccc", "thanks") == []


def test_the_latest_use_of_an_id_counts() -> None:
    again = CONVERSATION + [user("thanks", "m-3333cccc"), bot("You're welcome.")]
    replies = earlier_replies(again, "m-3333cccc", "thanks")
    assert replies is not None and [r["text"] for r in replies] == ["You're welcome."]


@pytest.mark.parametrize("value", ["m-" + "a" * 32, "0123456789abcdef", "A_b-C_d-", "x" * 64])
def test_message_ids_the_server_accepts(value: str) -> None:
    assert is_message_id(value)


@pytest.mark.parametrize("value", [None, 12345678, "short", "x" * 65, "has space", "m-<b>1234</b>",
                                   "m-1234567\n"])
def test_message_ids_the_server_refuses(value: object) -> None:
    assert not is_message_id(value)
