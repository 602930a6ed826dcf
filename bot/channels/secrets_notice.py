"""Removing card, bank and NI numbers and passwords from a message before Rasa reads it.

Rasa's tracker store keeps every message as typed for the retention period, and Rasa's logs
may print it. So the REST channel replaces the high-risk identifiers
(``bot.privacy.redaction.HIGH_RISK``) with their placeholders first: the NLU still sees
that a card number was there ("[CARD]"), and nothing downstream ever holds the number.

The owner is told once per conversation, kindly, that the number was removed and why such
details should never go into a chat. "Once" is read from the stored conversation: if an
earlier message already holds a high-risk placeholder, the owner has been told.
"""

from __future__ import annotations

from typing import Iterable

from bot.privacy.redaction import HIGH_RISK, PLACEHOLDERS, RedactionResult, redact

_NAMES = {
    "card": "a card number", "iban": "bank details", "sort_code": "bank details",
    "account_number": "bank details", "ni_number": "a National Insurance number",
    "password": "a password or code", "url_secret": "a password or key in a link",
    "long_number": "a long number that may be a card number",
}
HIGH_RISK_PLACEHOLDERS = tuple(PLACEHOLDERS[category] for category in sorted(HIGH_RISK))


def remove_secrets(text: str) -> RedactionResult:
    """``text`` with its high-risk identifiers replaced by placeholders."""
    return redact(text, only=HIGH_RISK)


def notice(found: Iterable[str]) -> str:
    """The one-off message telling the owner what was removed."""
    kinds = list(dict.fromkeys(_NAMES[category] for category in found if category in _NAMES))
    listed = kinds[0] if len(kinds) == 1 else ", ".join(kinds[:-1]) + " and " + kinds[-1]
    return (f"I removed {listed} from your message before reading it, so it is not kept anywhere. "
            "Please never share card numbers, bank details, National Insurance numbers or "
            "passwords in a chat, with me or anyone else. Your question still reaches me.")


def already_told(earlier_texts: Iterable[str | None]) -> bool:
    """True when an earlier message of the conversation already had something removed."""
    return any(placeholder in (text or "")
               for text in earlier_texts for placeholder in HIGH_RISK_PLACEHOLDERS)
