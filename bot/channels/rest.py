"""The REST channel with input checks in front of Rasa.

Rasa's own ``RestInput`` passes any text to NLU. This subclass answers empty and
over-long messages itself, with a reply the user can act on, and rejects
malformed requests with a 400 and a JSON error instead of a stack trace.

A request may name its message with ``message_id`` (the widget always does). A message
sent again with the same id is answered with the replies it got the first time, not
handled twice (``bot/channels/redelivery.py``).

The checks of the message itself (empty, too long) are in ``bot/channels/input_guard.py``;
the checks of the request (body size, content type, origin, metadata) in
``bot/channels/request_guard.py``. Card, bank and NI numbers and passwords are removed from
the text here, before Rasa stores or logs it (``bot/channels/secrets_notice.py``).
"""

from __future__ import annotations

import logging
from asyncio import CancelledError
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.shared.core.events import UserUttered
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import reply_contract as contract
from bot.channels import rasa_patches, request_guard, secrets_notice, visitor_token
from bot.channels.input_guard import check_message
from bot.channels.redelivery import handle_once, is_message_id

logger = logging.getLogger(__name__)

MAX_SENDER_LENGTH = 128


def _bad_request(problem: str, status: int = 400) -> HTTPResponse:
    return response.json({"error": problem}, status=status)


async def _token_refusal(request: Request, sender: str, token: object,
                         message_id: str | None) -> HTTPResponse | None:
    """Refuse a message whose token does not match its sender id, or a continuation without one.

    A first message sent again because its reply (and so its token) was lost is let through:
    the conversation holds that message id, and ``handle_once`` answers it from the record.
    """
    if not visitor_token.required():
        return None
    if token is not None:
        if visitor_token.matches(sender, token):
            return None
        return _bad_request("'visitor_token' does not match this 'sender'.", 403)
    tracker = await request.app.ctx.agent.tracker_store.retrieve(sender)
    if tracker is None or not tracker.events:
        return None
    users = [e for e in tracker.events if isinstance(e, UserUttered)]
    if message_id is not None and len(users) == 1 and users[0].message_id == message_id:
        return None
    return _bad_request("This conversation continues only with the 'visitor_token' its first "
                        "reply gave (header X-Visitor-Token).", 403)


async def _told_before(request: Request, sender: str) -> bool:
    """Whether this conversation was already told that something was removed from a message."""
    store = request.app.ctx.agent.tracker_store
    tracker = await store.retrieve_full_tracker(sender)
    if tracker is None:
        return False
    return secrets_notice.already_told(e.text for e in tracker.events if isinstance(e, UserUttered))


def _token_headers(sender: str) -> dict[str, str]:
    if not visitor_token.required():
        return {}
    return {visitor_token.HEADER: visitor_token.token_for(sender),
            "Access-Control-Expose-Headers": visitor_token.HEADER}


class GuardedRestInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # The Rasa server builds this channel's routes once at start-up (credentials.yml),
        # so this is where the project's patches to Rasa's action client are applied.
        rasa_patches.apply()
        webhook = Blueprint("guarded_rest_webhook", __name__)

        @webhook.listener("before_server_start")
        async def limit_body(app: Any, _: Any) -> None:
            # Sanic reads the limit for each new connection: 64 KB instead of its 100 MB.
            app.config.REQUEST_MAX_SIZE = min(app.config.REQUEST_MAX_SIZE, request_guard.MAX_BODY_BYTES)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            refusal = request_guard.first_refusal(request.headers, request.body)
            if refusal is not None:
                return _bad_request(refusal.problem, refusal.status)
            try:
                body = request.json
            except Exception:  # sanic raises its own error types for bad JSON
                return _bad_request("The request body must be JSON.")
            if not isinstance(body, dict):
                return _bad_request("The request body must be a JSON object.")
            sender = body.get("sender")
            if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_LENGTH:
                return _bad_request(f"'sender' must be a non-empty string of at most "
                                    f"{MAX_SENDER_LENGTH} characters.")
            text = body.get("message")
            if text is not None and not isinstance(text, str):
                return _bad_request("'message' must be a string.")
            metadata, refusal = request_guard.bounded_metadata(body.get("metadata"))
            if refusal is not None:
                return _bad_request(refusal.problem, refusal.status)
            message_id = body.get("message_id")
            if message_id is not None and not is_message_id(message_id):
                return _bad_request("'message_id' must be 8 to 64 letters, digits, '-' or '_'.")

            refused = await _token_refusal(request, sender, body.get("visitor_token"), message_id)
            if refused is not None:
                return refused

            guard = check_message(text)
            if not guard.accepted:
                return response.json([{"recipient_id": sender, "text": guard.reply,
                                       "custom": contract.refused(guard.reason or "refused")}],
                                     headers=_token_headers(sender))

            removed = secrets_notice.remove_secrets(str(text))
            told = [] if not removed.found or await _told_before(request, sender) else [
                {"recipient_id": sender, "text": secrets_notice.notice(removed.found)}]
            collector = CollectingOutputChannel()
            message = UserMessage(removed.text, collector, sender, input_channel=self.name(),
                                  metadata=metadata, message_id=message_id)
            try:
                if message_id is None:
                    await on_new_message(message)
                else:  # the client may send it again: handle it once (bot/channels/redelivery.py)
                    await handle_once(request.app.ctx.agent, message)
            except CancelledError:
                logger.error("Message handling timed out for a REST message.")
            except Exception:
                logger.exception("Message handling failed for a REST message.")
            return response.json(told + collector.messages, headers=_token_headers(sender))

        return webhook
