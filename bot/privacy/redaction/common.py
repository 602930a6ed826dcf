"""What every detector module shares (placeholders, categories, span types), so none needs another."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator, Sequence

PLACEHOLDERS: dict[str, str] = {
    "url_secret": "[URL_SECRET]",
    "email": "[EMAIL]",
    "iban": "[IBAN]",
    "card": "[CARD]",
    "ip": "[IP]",
    "ni_number": "[NI_NUMBER]",
    "password": "[PASSWORD]",
    "sort_code": "[SORT_CODE]",
    "account_number": "[ACCOUNT_NUMBER]",
    "phone": "[PHONE]",
    "postcode": "[POSTCODE]",
    "long_number": "[NUMBER]",
    "date_of_birth": "[DATE_OF_BIRTH]",
    "address": "[ADDRESS]",
}
CATEGORIES: tuple[str, ...] = tuple(PLACEHOLDERS)
#: Removed by the REST channel before Rasa sees the message, so no store, log or export ever
#: holds them: secrets that let someone take money or an account. The rest is redacted when
#: analytics are ingested (bot/analytics/ingest/).
HIGH_RISK: frozenset[str] = frozenset(
    {"card", "iban", "sort_code", "account_number", "ni_number", "password", "url_secret", "long_number"})

# Public services the assistant itself sends people to: Report Fraud (formerly Action Fraud)
# and the NCSC's Suspicious Email Reporting Service. Telling us you used them is not personal.
PUBLIC_NUMBERS = frozenset({"03001232040"})
PUBLIC_EMAILS = frozenset({"report@phishing.gov.uk"})

_MASK = "\x00"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


@dataclass(frozen=True)
class RedactionResult:
    """The redacted text and the categories removed from it, in order of first appearance."""

    text: str
    found: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    category: str


Span = tuple[int, int]
Detector = Callable[[str, Sequence[_Hit]], Iterator[Span]]

#: Punctuation that ends a sentence, not a URL's value or a secret typed before it.
_TRAILING_PUNCT = ".,;:!?)]}\"'”’"
