"""Checks on a user's message before the assistant tries to understand it."""

from __future__ import annotations

from dataclasses import dataclass

from bot.settings import max_message_chars

EMPTY_REPLY = (
    "I didn't get a message there. Type a question about keeping your business safe online, "
    "for example \"how do I back up my files?\""
)


def too_long_reply(limit: int) -> str:
    return (
        f"Sorry, that message is too long for me. Please keep it under {limit} characters. "
        "A short question works best, for example \"should I pay a changed invoice?\""
    )


@dataclass(frozen=True)
class GuardResult:
    accepted: bool
    reply: str | None = None
    reason: str | None = None


def check_message(text: object, limit: int | None = None) -> GuardResult:
    """Accept a message, or say why not with a reply the user can act on."""
    limit = limit or max_message_chars()
    if not isinstance(text, str) or not text.strip():
        return GuardResult(False, EMPTY_REPLY, "empty")
    if len(text) > limit:
        return GuardResult(False, too_long_reply(limit), "too_long")
    return GuardResult(True)
