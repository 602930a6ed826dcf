"""Detectors of numbers: cards, IBANs, phone numbers, NI numbers, sort codes, account and long numbers."""

from __future__ import annotations

import re
from typing import Callable, Iterator, Sequence

from bot.privacy.redaction.common import PUBLIC_NUMBERS, Span, _Hit, _words

# ---- checksums ---------------------------------------------------------------------------


def luhn_ok(digits: str) -> bool:
    """The payment-card check digit test: it tells a card number from any other long number."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def iban_ok(iban: str) -> bool:
    """ISO 13616 mod-97 check on a compact, upper-case IBAN."""
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", iban):
        return False
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


# IBAN length per country; only these countries are recognised, which keeps false matches rare.
IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BR": 29, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20,
    "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18,
    "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IS": 26, "IT": 27, "JO": 30,
    "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27,
    "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24,
    "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24, "SE": 24, "SI": 19,
    "SK": 24, "SM": 27, "TN": 24, "TR": 26, "UA": 29, "VG": 24, "XK": 20,
    # Joined SWIFT's IBAN registry more recently.
    "BI": 27, "BY": 28, "DJ": 27, "FK": 18, "HN": 28, "IQ": 23, "LY": 25, "MN": 20, "NI": 28,
    "OM": 23, "RU": 33, "SC": 31, "SD": 18, "SO": 23, "SV": 28, "TL": 23, "VA": 22, "YE": 30,
}


# ---- IBAN --------------------------------------------------------------------------------

_IBAN_START = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{2})\d{2}(?=[ \-]?[A-Za-z0-9])")


def _ibans(text: str, hits: Sequence[_Hit]) -> Iterator[Span]:
    for match in _IBAN_START.finditer(text):
        length = IBAN_LENGTHS.get(match.group(1).upper())
        if length is None:
            continue
        positions: list[int] = []  # where each IBAN character sits; single spaces may separate them
        pos = match.start()
        while pos < len(text) and len(positions) < length:
            char = text[pos]
            if char.isascii() and char.isalnum():
                positions.append(pos)
            elif not (char in " -" and text[pos + 1: pos + 2].isalnum()):
                break
            pos += 1
        if len(positions) < length:
            continue
        end = positions[-1] + 1
        if text[end: end + 1].isalnum():
            continue
        if iban_ok("".join(text[p] for p in positions).upper()):
            yield match.start(), end


# ---- digit runs: cards, phone numbers, long numbers -------------------------------------

# Digit groups joined by one space or dash, or by brackets as in "+44 (0)20 7946 0958".
_RUN = re.compile(r"(?<![\w.])[+(]?\d+\)?(?:(?:[ \-]\(?|(?<=\))\(?|\()\d+\)?)*")
_GROUP = re.compile(r"[+(]?\d+\)?")
_YEAR = re.compile(r"(?:19|20)\d\d")
_MAX_DIGITS = 19  # the longest card number; phone numbers are shorter


def _windows(text: str, accept: Callable[[str], bool], merge: bool = False,
             glued_ok: bool = False) -> Iterator[Span]:
    """Runs of whole digit groups that ``accept`` takes, those with the most digits first.

    With ``merge``, overlapping candidates are redacted together: in "March 2024 4000 0000
    0000 6" both "2024 4000 0000 0000" and "4000 0000 0000 6" pass Luhn, and guessing one
    would leave part of the real card behind.
    """
    for run in _RUN.finditer(text):
        groups = [(run.start() + g.start(), run.start() + g.end()) for g in _GROUP.finditer(run.group())]
        candidates: list[tuple[int, int, int]] = []
        for i in range(len(groups)):
            for j in range(i, len(groups)):
                start, end = groups[i][0], groups[j][1]
                piece = text[start:end]
                count = sum(char.isdigit() for char in piece)
                if count > _MAX_DIGITS:
                    break
                if piece.endswith(")") and piece.count(")") > piece.count("("):
                    end -= 1
                if piece.startswith("(") and piece.count("(") > piece.count(")"):
                    start += 1
                glued = text[end: end + 1].isalpha() or text[end: end + 1] == "_"  # "0000PASSWORD"
                if (glued_ok or not glued) and accept(text[start:end]):
                    candidates.append((-count, start, end))
        if merge:
            yield from _merged([(start, end) for _, start, end in candidates])
            continue
        chosen: list[Span] = []
        for _, start, end in sorted(candidates):
            if all(end <= other_start or other_end <= start for other_start, other_end in chosen):
                chosen.append((start, end))
        yield from chosen


def _merged(spans: list[Span]) -> Iterator[Span]:
    current: Span | None = None
    for start, end in sorted(spans):
        if current and start < current[1]:
            current = (current[0], max(current[1], end))
            continue
        if current:
            yield current
        current = (start, end)
    if current:
        yield current


def _digits(piece: str) -> str:
    return re.sub(r"\D", "", piece)


def _is_card(piece: str) -> bool:
    digits = _digits(piece)
    return (not piece.startswith(("+", "(")) and 13 <= len(digits) <= 19 and digits[0] != "0"
            and luhn_ok(digits))


def _is_phone(piece: str) -> bool:
    digits = _digits(piece)
    if piece.startswith("+") or digits.startswith("00"):
        number = digits if piece.startswith("+") else digits[2:]
        if number.startswith("44"):
            national = number[2:]
            national = national[1:] if national.startswith("0") else national
            return len(national) in (9, 10) and national[0] in "1235789" \
                and "0" + national not in PUBLIC_NUMBERS
        return 7 <= len(number) <= 15 and number[0] != "0"
    if digits.startswith("7") and len(digits) == 10:
        return True  # a mobile typed without its leading 0: "7700 900123"
    return (digits.startswith("0") and len(digits) in (10, 11) and digits[1] in "1235789"
            and digits not in PUBLIC_NUMBERS)


def _is_long_number(piece: str) -> bool:
    groups = re.findall(r"\d+", piece)
    if len(groups) > 1 and all(_YEAR.fullmatch(g) for g in groups):
        return False  # "2021 2022 2023 2024" is a list of years
    return not piece.startswith("+") and 13 <= len(_digits(piece)) <= 19


def _cards(text: str, hits: Sequence[_Hit]) -> Iterator[Span]:
    return _windows(text, _is_card, merge=True, glued_ok=True)  # "4111111111111111exp0427"


def _phones(text: str, hits: Sequence[_Hit]) -> Iterator[Span]:
    return _windows(text, _is_phone)


def _long_numbers(text: str, hits: Sequence[_Hit]) -> Iterator[Span]:
    return _windows(text, _is_long_number, merge=True)


# Phone numbers in other countries' national forms: "(415) 555-0132", "1-312-515-2239 x12",
# "91-415-555-0132", "09-7625400", "567-8900"; and bare 10-11 digit runs ("13812345678").
_EXTENSION = r"(?:\s*(?:x|ext\.?|extension)\s*\d{1,5}\b)?"
_NATIONAL_PHONE = re.compile(
    r"(?<![\d+])(?:\+?\d{1,3}[ .\-]?)?(?:\(\d{3}\)\s?|\d{3}[ .\-])\d{3}[ .\-]\d{4}(?![\d])" + _EXTENSION
    + r"|(?<![\w.\-])0\d-\d{7}(?![\w\-])"
    + r"|(?<![\w.\-/:])\d{3}-\d{4}(?![\w\-/])"
    + r"|(?<![\w.\-/:+£$€#])(?P<bare>[1-9]\d{9,10})(?![\w.\-/%])",
    re.I,
)
_PHONE_CONTEXT = re.compile(
    r"\b(?:phone|tel|telephone|mobile|cell|call|ring|whatsapp|fax|contact|my\s+\w+\s+number)\b", re.I)


def _national_phones(text: str, hits: Sequence[_Hit]) -> Iterator[Span]:
    for match in _NATIONAL_PHONE.finditer(text):
        digits = _digits(match.group())
        if digits in PUBLIC_NUMBERS or any("0" + digits[k:] in PUBLIC_NUMBERS for k in (1, 2, 3)):
            continue
        if match.group().startswith("0") and len(digits) != 9:
            continue  # UK numbers start with 0 and are judged by _is_phone
        if match.group("bare") and not _PHONE_CONTEXT.search(text[max(0, match.start() - 30): match.start()]):
            continue  # "order 1234567890": a bare run of digits is a phone number only when said to be
        yield match.span()


# ---- National Insurance numbers ----------------------------------------------------------

# Any two letters: HMRC's examples use never-issued prefixes (QQ 12 34 56 C), and owners copy
# them; a shape is redacted, not only a valid number.
_NI = re.compile(
    r"(?<![\w])([A-Z]{2})([ \-]?)(\d{2}[ \-]?\d{2}[ \-]?\d{2}|\d{3}[ \-]\d{3}|\d{4}[ \-]\d{2})"
    r"(?:[ \-]?([A-Z]))?(?![\w])",
    re.I,
)
#: Two-letter words that may stand before a number and a letter ("on 12 34 56 a call").
_SHORT_WORDS = _words("on at in to is it of by or an as am we me my us up no so do go be he if ok")
_ISSUED_PREFIX = re.compile(r"[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]")
_NI_CONTEXT = re.compile(r"\b(?:NI|N\.I\.|NINO|national\s+insurance)\b", re.I)
_REFERENCE_BEFORE = re.compile(r"\b(?:registration|reg|ref|reference|order|ico|invoice|model|part)\b", re.I)


def _ni_numbers(text: str, hits: Sequence[_Hit]) -> Iterator[Span]:
    for match in _NI.finditer(text):
        letters, gap, suffix = match.group(1), match.group(2), match.group(4)
        before = text[max(0, match.start() - 30): match.start()]
        said = _NI_CONTEXT.search(before) or _NI_CONTEXT.search(text[match.end(): match.end() + 30])
        if suffix is not None and suffix.upper() in "ABCD":
            if said or letters.isupper() or not gap or letters.lower() not in _SHORT_WORDS:
                yield match.span()
            continue
        if suffix is not None:
            if said:
                yield match.span()
            continue
        if said or (not gap and letters.isupper() and _ISSUED_PREFIX.fullmatch(letters)
                    and not _REFERENCE_BEFORE.search(before)):
            yield match.span()


# ---- bank details ------------------------------------------------------------------------

_SORT_DASHED = re.compile(r"(?<![\w.\-/])(\d{2})-(\d{2})-(\d{2})(?![\w\-/]|\.\d)")
_SORT_AFTER_WORD = re.compile(
    r"\b(?:(?:branch\s+)?sort\s*code(?=[\s:#.\-]|\d)|sortcode|s/c\b|s\.c\b\.?|sc\b|sort\b)"
    r"[\s:#.\-]*(?:(?:is|was|no\.?|number)[\s:]*)*"
    r"(\d{2}[ \-]?\d{2}[ \-]?\d{2})(?![\w\-/]|\.\d)",
    re.I,
)
_SORT_SPACED = re.compile(r"(?<![\w.\-/])(\d{2} \d{2} \d{2})(?![\w\-/]|\.\d)")
_BANK_WORDS = re.compile(
    r"\b(?:account|acct|acc|sort\s*code|sortcode|bank|banking|payee|bacs|iban|transfer|a/c)\b|a/c",
    re.I,
)
_DATE_BEFORE = re.compile(r"\b(?:on|dated?|since|from|until|till|by|before|after|between|and)\s*$", re.I)


# Six digits then eight, as a payroll or payments export writes a sort code and account.
_SORT_THEN_ACCOUNT = re.compile(r"(?<![\w.\-/])(\d{6})[ ;,|/]{1,2}\d{8}(?![\w\-/]|\.\d)")


def _sort_codes(text: str, hits: Sequence[_Hit]) -> Iterator[Span]:
    for match in _SORT_THEN_ACCOUNT.finditer(text):
        yield match.span(1)
    for match in _SORT_AFTER_WORD.finditer(text):
        yield match.span(1)
    for match in _SORT_DASHED.finditer(text):
        day, month = int(match.group(1)), int(match.group(2))
        before = text[max(0, match.start() - 12): match.start()]
        if 1 <= day <= 31 and 1 <= month <= 12 and _DATE_BEFORE.search(before) \
                and not _BANK_WORDS.search(text[max(0, match.start() - 40): match.start()]):
            continue
        yield match.span()
    for match in _SORT_SPACED.finditer(text):
        around = text[max(0, match.start() - 40): match.end() + 30]
        if _BANK_WORDS.search(around) or re.match(r"[ ,]+\d{8}\b", text[match.end():]):
            yield match.span()


_ACCOUNT = re.compile(
    r"(?<![\w.\-/+£$€])(?<!\d[ \-])(\d{6,10}|\d{4}[ \-]\d{4}|\d{2} \d{2} \d{2} \d{2})(?![\w\-/]|\.\d|%)"
    r"|(?:(?<=acc)|(?<=acct)|(?<=acc-)|(?<=acct-)|(?<=a/c-))(\d{8})(?!\w)", re.I)
_ACCOUNT_LABEL = re.compile(
    r"(?:\b(?:account|acct|acc|a/c|ac|a\.c\.)\s*(?:number|num|no\.?|#)?\s*(?:is|was|:|-)?\s*:?\s*"
    r"|a/c\s*:?\s*|a\.c\b\.?\s*)$", re.I
)


def _account_numbers(text: str, hits: Sequence[_Hit]) -> Iterator[Span]:
    sort_codes = [hit for hit in hits if hit.category == "sort_code"]
    for match in _ACCOUNT.finditer(text):
        start, end = match.span()
        digits = _digits(match.group())
        before = text[max(0, start - 40): start]
        if len(digits) != 8:
            if _ACCOUNT_LABEL.search(before[-25:]):
                yield start, end
            continue
        near_sort_code = any(abs(hit.end - start) <= 20 or abs(end - hit.start) <= 20 for hit in sort_codes)
        if near_sort_code or _ACCOUNT_LABEL.search(before[-25:]) or _BANK_WORDS.search(before) \
                or _BANK_WORDS.search(text[end: end + 30]):
            yield start, end
