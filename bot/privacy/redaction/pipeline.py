"""The ``redact`` pipeline: detectors in a fixed order over one masked copy, until none finds more."""

from __future__ import annotations

import re
from typing import Sequence

from bot.privacy.redaction.common import _MASK, PLACEHOLDERS, Detector, RedactionResult, Span, _Hit
from bot.privacy.redaction.contacts import (
    _addresses,
    _dates_of_birth,
    _emails,
    _ips,
    _postcodes,
    _url_secrets,
)
from bot.privacy.redaction.numeric import (
    _account_numbers,
    _cards,
    _ibans,
    _long_numbers,
    _national_phones,
    _ni_numbers,
    _phones,
    _sort_codes,
)
from bot.privacy.redaction.passwords import _passwords
from bot.privacy.redaction.separators import _tolerant, _whole_numbers

_MAX_PASSES = 5
_EXISTING = re.compile("|".join(re.escape(p) for p in PLACEHOLDERS.values()))


# ---- putting it together -----------------------------------------------------------------

# Stricter and longer shapes first: each detector only sees what earlier ones left.
_DETECTORS: tuple[tuple[str, Detector], ...] = (
    ("url_secret", _url_secrets),
    ("email", _emails),
    ("date_of_birth", _dates_of_birth),
    ("iban", _tolerant(_ibans)),
    ("card", _tolerant(_cards)),
    ("ip", _ips),
    ("ni_number", _tolerant(_ni_numbers)),
    ("password", _passwords),
    ("sort_code", _tolerant(_sort_codes)),
    ("account_number", _tolerant(_account_numbers)),
    ("phone", _whole_numbers(_tolerant(_phones))),
    ("phone", _national_phones),
    ("postcode", _postcodes),
    ("address", _addresses),
    ("long_number", _tolerant(_long_numbers)),
)


def _mask(text: str, spans: Sequence[Span]) -> str:
    pieces, pos = [], 0
    for start, end in sorted(spans):
        pieces += [text[pos:start], _MASK * (end - start)]
        pos = end
    pieces.append(text[pos:])
    return "".join(pieces)


def redact(text: str, only: frozenset[str] | None = None) -> RedactionResult:
    """Replace each piece of personal data in ``text`` with its category placeholder.

    With ``only``, every detector still runs (so a phone number is never mistaken for an
    account number), but only pieces of those categories are replaced.

    Passes repeat until one finds nothing: a placeholder can change what its neighbours look
    like to an earlier detector, and redacting a redacted log must never remove more.
    """
    result = _redact_once(text, only)
    found = list(result.found)
    for _ in range(_MAX_PASSES):
        again = _redact_once(result.text, only)
        if not again.found:
            break
        found += [category for category in again.found if category not in found]
        result = again
    return RedactionResult(result.text, tuple(found))


def _redact_once(text: str, only: frozenset[str] | None = None) -> RedactionResult:
    masked = _mask(text, [m.span() for m in _EXISTING.finditer(text)])
    hits: list[_Hit] = []
    for category, detector in _DETECTORS:
        claimed: list[_Hit] = []
        for start, end in sorted(set(detector(masked, hits)), key=lambda span: (span[0], -span[1])):
            if start >= end or _MASK in masked[start:end]:
                continue
            if any(start < other.end and other.start < end for other in claimed):
                continue
            claimed.append(_Hit(start, end, category))
        masked = _mask(masked, [(hit.start, hit.end) for hit in claimed])
        hits.extend(claimed)
    hits = sorted((hit for hit in hits if only is None or hit.category in only), key=lambda hit: hit.start)
    pieces, pos = [], 0
    for hit in hits:
        pieces += [text[pos:hit.start], PLACEHOLDERS[hit.category]]
        pos = hit.end
    pieces.append(text[pos:])
    return RedactionResult("".join(pieces), tuple(dict.fromkeys(hit.category for hit in hits)))
