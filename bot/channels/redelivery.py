"""Answer a message that arrives a second time from the record, rather than handling it twice.

A client can send one message twice. The widget does so when the visitor presses "Try
again" after a reply was lost on the way back. The proxy does so when the Rasa server it
chose dies after saving the conversation but before answering. Handling it again would put
the turn in the conversation, and in the analytics record, twice. So a client names each
message with a ``message_id`` and reuses it when it sends the message again. If the
conversation already has that message, the server sends back the replies it gave then and
handles nothing.

The matching (``earlier_replies``) is plain Python on events as Rasa stores them (dicts);
``handle_once`` adapts it to Rasa. Rasa's ``Agent.handle_message`` takes the conversation's
lock and hands the message to the processor; ``handle_once`` does the same, but first looks
in the stored conversation for the message's id. The look happens inside the lock, so a
first try that is still being worked on elsewhere has finished and been saved before the
second try is judged.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Mapping, Sequence

from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.events import BotUttered

logger = logging.getLogger(__name__)


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



async def recent_events_of(store: TrackerStore, sender_id: str) -> list[dict[str, Any]]:
    """The end of the conversation, by the project's store's query; all of it from any other store."""
    # Rasa wraps the configured store (FailSafeTrackerStore, AwaitableTrackerStore).
    inner: Any = store
    while not hasattr(inner, "recent_events_async") and hasattr(inner, "_tracker_store"):
        inner = inner._tracker_store
    if hasattr(inner, "recent_events_async"):
        events: list[dict[str, Any]] = await inner.recent_events_async(
            sender_id, RECENT_USER_MESSAGES)
        return events
    tracker = await store.retrieve_full_tracker(sender_id)
    return [event.as_dict() for event in tracker.events] if tracker else []


async def handle_once(agent: Agent, message: UserMessage) -> None:
    """Handle ``message``, or send again the replies it got if the conversation has it."""
    if not agent.is_ready() or agent.processor is None:
        logger.info("Ignoring message as there is no agent to handle it.")
        return
    async with agent.lock_store.lock(message.sender_id):
        events = await recent_events_of(agent.tracker_store, message.sender_id)
        replies = earlier_replies(events, message.message_id, message.text)
        if replies is None:
            await agent.processor.handle_message(message)
            return
        logger.info("Message %s arrived again; sending the %d replies it got the first time.",
                    message.message_id, len(replies))
        for reply in replies:
            bot = BotUttered._from_parameters(dict(reply))
            await message.output_channel.send_response(message.sender_id, bot.message())
