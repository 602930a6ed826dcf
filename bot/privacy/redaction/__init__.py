"""Replace personal data in a chat message with category placeholders such as ``[EMAIL]``.

Programme staff read redacted chat logs to learn what owners ask; they never need to know
who asked, or the secrets people paste in. Placeholders keep the sentence readable.

Detectors run in a fixed order over one copy of the message. Whatever a detector claims
is masked before the next one looks, so nothing is redacted twice and a later, looser
detector cannot re-read a piece of an earlier, stricter match (an IBAN is never also an
account number; a card number is never also a phone number). Placeholders already in the
text are masked first, and passes repeat until nothing new is found, so ``redact`` is
idempotent: redacting a redacted log changes nothing.

Policies a reader of the logs should know:

* Every phone number is redacted except public service numbers the assistant itself gives
  out (``PUBLIC_NUMBERS``); 3-digit services (101, 111, 999) and short codes (159, 7726)
  are never phone-shaped in the first place.
* A 13-19 digit number that fails the Luhn check is not a card, but it is still redacted,
  as ``[NUMBER]``: in a chat it is most often a mistyped card or a customer or policy
  reference that points at a person, and analysts have no use for it.
* A sort code written with dashes (12-34-56) is redacted anywhere, unless a date word
  ("on", "dated", ...) right before it shows it is a date; spaced or run-together forms
  need a banking word nearby. Account numbers always need banking context (or to sit next
  to a sort code); a bare 8-digit number is left alone.
* ``[PASSWORD]`` covers every secret an owner volunteers: passwords, PINs, passcodes,
  one-time and door codes, memorable words and API tokens. Only the secret is replaced;
  sentences about passwords ("is a password manager safe?") are left alone.
* Private and public IP addresses are both redacted; a URL keeps its host and path and
  loses only its user:password part and the values of secret-looking query parameters.

The detectors live by kind of identifier: ``numeric`` (cards, IBANs, phones, NI numbers,
bank details), ``contacts`` (URLs, emails, IPs, postcodes, addresses, dates of birth) and
``passwords``; ``separators`` lets the number detectors read through typed separators,
``pipeline`` runs them all in order, and ``common`` holds what they share.
"""

from __future__ import annotations

from bot.privacy.redaction.common import (
    CATEGORIES,
    HIGH_RISK,
    PLACEHOLDERS,
    PUBLIC_EMAILS,
    PUBLIC_NUMBERS,
    Detector,
    RedactionResult,
    Span,
)
from bot.privacy.redaction.contacts import POSTCODE_AREAS
from bot.privacy.redaction.numeric import IBAN_LENGTHS, iban_ok, luhn_ok
from bot.privacy.redaction.pipeline import redact

__all__ = [
    "CATEGORIES", "HIGH_RISK", "IBAN_LENGTHS", "PLACEHOLDERS", "POSTCODE_AREAS", "PUBLIC_EMAILS",
    "PUBLIC_NUMBERS", "Detector", "RedactionResult", "Span", "iban_ok", "luhn_ok", "redact",
]
