"""Handle a REST message once, however often it arrives (``bot/redelivery.py`` says why).

Rasa's ``Agent.handle_message`` takes the conversation's lock and hands the message to the
processor. This does the same, but first looks in the stored conversation for the
message's id. The look happens inside the lock, so a first try that is still being worked
on elsewhere has finished and been saved before the second try is judged.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.events import BotUttered

from bot.redelivery import RECENT_USER_MESSAGES, earlier_replies

logger = logging.getLogger(__name__)


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
