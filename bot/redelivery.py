"""Answer a message that arrives a second time from the record, rather than handling it twice.

A client can send one message twice. The widget does so when the visitor presses "Try
again" after a reply was lost on the way back. The proxy does so when the Rasa server it
chose dies after saving the conversation but before answering. Handling it again would put
the turn in the conversation, and in the analytics record, twice. So a client names each
message with a ``message_id`` and reuses it when it sends the message again. If the
conversation already has that message, the server sends back the replies it gave then and
handles nothing.

Plain Python on events as Rasa stores them (dicts); ``bot/channels/redelivery.py`` adapts it
to Rasa.
"""

from __future__ import annotations

import re
from typing import Any, Mapping, Sequence

#: Letters, digits, "-" and "_": a UUID in hex or with dashes fits, and so does the widget's id.
MESSAGE_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
#: A message is only ever sent again soon after the first try, so it is one of the
#: conversation's latest; this many of them are searched.
RECENT_USER_MESSAGES = 10


def is_message_id(value: object) -> bool:
    return isinstance(value, str) and MESSAGE_ID.fullmatch(value) is not None


def earlier_replies(
    events: Sequence[Mapping[str, Any]], message_id: str, text: str | None
) -> list[Mapping[str, Any]] | None:
    """The bot events that answered this message, or ``None`` if the conversation lacks it.

    ``events`` are the conversation's latest events, oldest first. A message matches when
    both its id and its text do, so a client that reuses an id for a new message has the
    new message handled rather than silently answered with old replies.
    """
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if (event.get("event") == "user" and event.get("message_id") == message_id
                and event.get("text") == text):
            replies: list[Mapping[str, Any]] = []
            for later in events[index + 1:]:
                if later.get("event") == "user":
                    break
                if later.get("event") == "bot":
                    replies.append(later)
            return replies
    return None
