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
"""

from __future__ import annotations

import ipaddress
import re
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
#: analytics are ingested (bot/analytics/ingest.py).
HIGH_RISK: frozenset[str] = frozenset(
    {"card", "iban", "sort_code", "account_number", "ni_number", "password", "url_secret", "long_number"})

# Public services the assistant itself sends people to: Report Fraud (formerly Action Fraud)
# and the NCSC's Suspicious Email Reporting Service. Telling us you used them is not personal.
PUBLIC_NUMBERS = frozenset({"03001232040"})
PUBLIC_EMAILS = frozenset({"report@phishing.gov.uk"})

_MASK = "\x00"
_MAX_PASSES = 5
_EXISTING = re.compile("|".join(re.escape(p) for p in PLACEHOLDERS.values()))


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


# ---- URLs and email ----------------------------------------------------------------------

_URL_USERINFO = re.compile(r"\b[a-z][a-z0-9+.\-]*://([^\s/?#@\x00]+)@(?=[\w\[])", re.I)
_SECRET_PARAM = re.compile(
    r"[?&#;][\w.\-\[\]]*?(?:token|key|secret|sig|signature|password|passwd|pwd|pass|auth|"
    r"authorization|session|sessionid|sessid|sid|code|otp|jwt|credential|credentials)="
    r"([^&#\s\x00\"'<>]+)",
    re.I,
)
_EMAIL = re.compile(
    r"(?<![\w.%+\-])[A-Za-z0-9_][A-Za-z0-9._%+\-']*@"
    r"(?:(?:[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?\.)+(?:[A-Za-z]{2,24}|xn--[A-Za-z0-9\-]{2,59})"
    r"|[A-Za-z][A-Za-z0-9\-]{2,62})(?![\w\-@])"
)
# "bob dot smith at gmail dot com", "john at gmail.com", "sam (at) example [dot] org".
_DOT = r"(?:\s*[\[(]dot[\])]\s*|\s+dot\s+|\.)"
_SPELLED_EMAIL = re.compile(
    rf"(?<![\w.@])([A-Za-z0-9_][\w+\-]*(?:{_DOT}[\w+\-]+)*)(?:\s*[\[(]at[\])]\s*|\s+at\s+)"
    rf"([A-Za-z0-9][\w\-]*(?:{_DOT}[A-Za-z0-9][\w\-]*)*{_DOT}(?:com|net|org|co|uk|io|info|biz|me|gov|ac|"
    rf"edu|eu|de|fr|ie|us|ca|au|nz|in|email|online|site|tech))\b",
    re.I,
)
_MAIL_CONTEXT = re.compile(r"\b(?:e-?mail|mail|address|contact|write|reach|message)\w*\b", re.I)
_TRAILING_PUNCT = ".,;:!?)]}\"'”’"


def _url_secrets(text: str, hits: Sequence[_Hit]) -> Iterator[Span]:
    for match in _URL_USERINFO.finditer(text):
        yield match.span(1)
    for match in _SECRET_PARAM.finditer(text):
        start, end = match.span(1)
        value = text[start:end].rstrip(_TRAILING_PUNCT)
        if value:
            yield start, start + len(value)


def _emails(text: str, hits: Sequence[_Hit]) -> Iterator[Span]:
    for match in _EMAIL.finditer(text):
        if match.group().lower() not in PUBLIC_EMAILS:
            yield match.span()
    for match in _SPELLED_EMAIL.finditer(text):
        local = match.group(1)
        spelled_dot = re.search(r"\bdot\b|\[|\(", match.group(), re.I)
        said = _MAIL_CONTEXT.search(text[max(0, match.start() - 30): match.start()])
        if local.lower() in _NOT_SECRETS or local.lower().endswith(("ed", "ing")):
            continue
        if spelled_dot or said:
            yield match.span()


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


# ---- IP addresses ------------------------------------------------------------------------

_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4 = re.compile(rf"(?<![\w.]){_OCTET}(?:\.{_OCTET}){{3}}(?:/\d{{1,2}})?(?![\w.]*\w)")
_IPV6 = re.compile(
    r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:(?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f]{1,4})?"
    r"(?:%[\w.]+)?(?:/\d{1,3})?(?![\w:])"
)
_VERSION_BEFORE = re.compile(r"(?:\bv|\bversion|\bbuild|\bver\.?|\brelease)\s*$", re.I)


def _ips(text: str, hits: Sequence[_Hit]) -> Iterator[Span]:
    for match in _IPV4.finditer(text):
        if not _VERSION_BEFORE.search(text[max(0, match.start() - 12): match.start()]):
            yield match.span()
    for match in _IPV6.finditer(text):
        candidate = match.group().split("/")[0].split("%")[0]
        if not re.search(r"\d", candidate) and candidate != "::":
            continue
        try:
            ipaddress.IPv6Address(candidate)
        except ValueError:
            continue
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


# ---- volunteered passwords, PINs and codes -----------------------------------------------

_TRIGGER = re.compile(
    r"\b(?:"
    r"(?P<pin>(?:door|alarm|entry|access|gate|key\s?safe|keypad|lock|safe|verification|one[\s-]?time|"
    r"otp|2fa|mfa|sms|login|auth|authentication|authenticator)\s+(?:code|pin)|"
    r"pin(?:\s*(?:code|number|no\.?))?|pass\s?code|cvv2?|cvc2?|cv2|security\s+code|otp)"
    r"|(?P<word>pass(?:word|wd|phrase)|pwd|pw|memorable\s+(?:word|information|answer)|"
    r"(?:wi-?fi|network|wireless|wpa2?)\s+key|"
    r"(?:api|access|secret)[\s_-]?key|client[\s_-]?secret|(?:(?:access|auth|bearer|api)[\s_-]?)?token|"
    r"bearer)"
    r"|(?P<short>pass)"
    r")\b",
    re.I,
)
_QUALIFIER = r"(?:\s+(?:for|on|to|of|at)(?:\s+[\w'.\-/]+){1,6}?)?"
_STRONG = re.compile(
    _QUALIFIER + r"(?:\s*[:=]\s*|['’]s\s+|\s+[-–]\s+|\s+(?:is|was)\b"
    r"(?:\s+(?:now|still|currently|just|literally|actually|simply|set\s+to|changed\s+to))?"
    r"(?:\s*[:=\-]\s*|\s+))",
    re.I,
)
_STRONG_SHORT = re.compile(r"\s*[:=]\s*")
_WEAK = re.compile(r"\s+(?:to|as)\s+|\s+", re.I)
# "the 2FA code they sent was 482913": codes are digits, so a looser lead-in is safe for them.
_PIN_LOOSE = re.compile(r"(?:\s+[\w']+){1,3}?\s+(?:is|was)\b(?:\s*[:=\-]\s*|\s+)", re.I)
_QUOTED = re.compile(r"[\"'“‘`]([^\"'”’`\n\x00]{1,64})[\"'”’`]")
_TOKEN = re.compile(r"[^\s\x00]+")
_SPACED_CODE = re.compile(r"\d{3,4}[ \-]\d{3,4}(?![\w\-])")
_NEXT_WORD = re.compile(r" ([A-Za-z]+)(?=[\s.,;:!?)]|$)")
_UNIT_AFTER = re.compile(
    r"\s*(?:characters?|chars?|digits?|letters?|numbers?|symbols?|words?|long|years?|months?|"
    r"weeks?|days?|hours?|minutes?|times|%|percent|people|staff|users)\b",
    re.I,
)
_NUMBERISH = re.compile(r"[\d.,+%£$-]*")
_ENGLISH_SUFFIX = re.compile(r"[a-z]{3,}(?:ed|ing|able|ible)")

# Words that cannot start a password or passphrase: "my password is my kids' names".
_FUNCTION_WORDS = _words("""
a an the my our your his her their its it this that these those not no never too very so also still
just now only is are was were be been being has have had will would should could can may might must
do does did on in at to for of with without from by about like as and or but if because since when
where what what's whats which who whom whose how why all every some any something anything nothing
everything someone somewhere there here same i me we us you they them he she one either neither both
each such than then into onto via per plus over under up out off e.g. eg etc
""")
# Other words that follow "my password is" in a sentence about a password, not in a password.
_NOT_SECRETS = _FUNCTION_WORDS | _words("""
really quite always usually probably definitely already done weak strong short long easy hard simple
complex good bad fine ok okay safe unsafe secure insecure correct incorrect wrong right old new
different similar written stored saved shared known leaked stolen hacked compromised expired locked
reset changed required needed case sensitive everywhere two three four five six seven eight nine ten
please thanks thank cheers lol hi hello enough mandatory optional blank empty missing unknown
forgotten set used encrypted hashed visible shown exposed public private personal default random
unique real actual valid invalid sent texted emailed printed kept protected managed example 2fa mfa
sms characters chars digits letters words numbers symbols last next first second more less most least
any later soon yesterday today tomorrow again back ever even yet though although while until unless
else instead maybe perhaps basically literally actually currently apparently easily obviously totally
clearly exactly almost nearly far way much many few lot lots bit kind sort type stuff great terrible
awful rubbish useless pointless ridiculous annoying important necessary meant supposed around going
getting asking telling working stuck expiring useful
""")


def _alnum_len(token: str) -> int:
    return sum(char.isalnum() for char in token)


def _plain_word(token: str) -> bool:
    return token.isascii() and token.isalpha()


def _english(token: str) -> bool:
    lowered = token.lower()
    return lowered in _NOT_SECRETS or (token.islower() and bool(_ENGLISH_SUFFIX.fullmatch(token)))


def _looks_secret(token: str) -> bool:
    """Letters with digits, or mixed-case letters with symbols: how typed passwords look."""
    core = token.lstrip("([{")
    has_alpha = any(c.isalpha() for c in core)
    has_digit = any(c.isdigit() for c in core)
    has_symbol = any(not c.isalnum() for c in core)
    mixed_case = any(c.isupper() for c in core) and any(c.islower() for c in core)
    return len(core) >= 4 and has_alpha and (has_digit or (has_symbol and mixed_case and len(core) >= 6))


def _secret_span(text: str, pos: int, kind: str, strong: bool) -> Span | None:
    """Where the secret after a trigger and connector sits, if what follows looks like one."""
    quoted = _QUOTED.match(text, pos)
    if quoted:
        inner = quoted.group(1).strip()
        if kind == "pin":
            return quoted.span() if sum(c.isdigit() for c in inner) >= 3 else None
        words = inner.split()
        plain_english = not words or words[0].lower() in _FUNCTION_WORDS or all(map(_english, words))
        return None if plain_english else quoted.span()
    found = _TOKEN.match(text, pos)
    if not found:
        return None
    raw = found.group()
    token = raw.rstrip(_TRAILING_PUNCT) or raw
    end = pos + len(token)
    if not any(char.isalnum() for char in token) or (_NUMBERISH.fullmatch(token) and _alnum_len(token) < 3):
        return None
    if token.isdigit() and _UNIT_AFTER.match(text, end):
        return None
    if kind == "pin":
        spaced = _SPACED_CODE.match(text, pos)  # "551 203", as codes are often read out
        if spaced:
            return spaced.span()
        ok = bool(re.fullmatch(r"[A-Za-z]{0,2}-?\d{3,8}", token))
        return (pos, end) if ok else None
    if token.isdigit():
        return (pos, end) if len(token) >= (4 if strong else 6) else None
    if _looks_secret(token):
        return pos, end
    if not strong or not _plain_word(token):
        return None
    words = _passphrase_words(text, end) if token == raw else []
    if token.lower() in _FUNCTION_WORDS or (_english(token) and len(words) < 2):
        return None  # "my password is too short"; but "correct horse battery staple" is a passphrase
    return pos, words[-1] if words else end


def _passphrase_words(text: str, pos: int) -> list[int]:
    """Ends of up to three more plain, non-English words after the first one."""
    ends: list[int] = []
    while len(ends) < 3:
        more = _NEXT_WORD.match(text, pos)
        if not more or _english(more.group(1)):
            break
        pos = more.end()
        ends.append(pos)
    return ends


# A credential written as a form: "password crickets" or "p: biggreenhat" as the last word
# on its line, as people paste them from a note.
_LAST_ON_LINE = re.compile(r"[ \t]*[:=]?[ \t]*([^\s\x00]{2,64})[ \t]*(?=\n|$)")
_LINE_TRIGGER = re.compile(r"(?im)^(?:p|pw|pwd|pass)(?=[ \t]*:)")
_LOGIN_BEFORE = re.compile(r"\b(?:user\s?name|login|user|u)\b\s*:?\s*\S+\s*$", re.I)
_PASSWORD_NOUNS = _words("""
manager managers policy policies reset resets change changes expiry protected protection strength
generator generators vault vaults app apps hint hints rules rule length checker manager? managers?
""")


def _form_secret(text: str, trigger: re.Match[str]) -> Span | None:
    """The last word on a trigger's line, when the line reads as a pasted credential."""
    last = _LAST_ON_LINE.match(text, trigger.end())
    if not last or trigger.group().lower() in ("pin", "otp"):
        return None
    word = last.group(1).rstrip(_TRAILING_PUNCT).lower()
    if word in _NOT_SECRETS or word in _PASSWORD_NOUNS or _UNIT_AFTER.match(text, last.end(1)):
        return None
    line_start = text.rfind("\n", 0, trigger.start()) + 1
    starts_line = not text[line_start: trigger.start()].strip()
    after_login = _LOGIN_BEFORE.search(text[max(0, trigger.start() - 60): trigger.start()])
    if (starts_line and "\n" in text) or after_login:
        return last.span(1)
    return None


def _passwords(text: str, hits: Sequence[_Hit]) -> Iterator[Span]:
    for trigger in list(_TRIGGER.finditer(text)) + list(_LINE_TRIGGER.finditer(text)):
        form = _form_secret(text, trigger)
        if form:
            yield form
            continue
        if trigger.re is _LINE_TRIGGER:
            continue
        kind = "pin" if trigger.group("pin") else "short" if trigger.group("short") else "word"
        attempts = [(_STRONG_SHORT, True)] if kind == "short" else [(_STRONG, True), (_WEAK, False)]
        if kind == "pin":
            attempts.append((_PIN_LOOSE, True))
        for connector, strong in attempts:
            joined = connector.match(text, trigger.end())
            if not joined:
                continue
            span = _secret_span(text, joined.end(), "word" if kind == "short" else kind, strong)
            if span:
                yield span
                break


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


# ---- postcodes ---------------------------------------------------------------------------

POSTCODE_AREAS = _words("""
AB AL B BA BB BD BF BH BL BN BR BS BT BX CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL DN DT DY
E EC EH EN EX FK FY G GL GU GY HA HD HG HP HR HS HU HX IG IM IP IV JE KA KT KW KY L LA LD LE LL LN
LS LU M ME MK ML N NE NG NN NP NR NW OL OX PA PE PH PL PO PR RG RH RM S SA SE SG SK SL SM SN SO SP
SR SS ST SW SY TA TD TF TN TQ TR TS TW UB W WA WC WD WF WN WR WS WV YO ZE
""")
_LETTER_DISTRICT_AREAS = frozenset({"E", "N", "W", "EC", "SW", "WC", "SE", "NW"})  # SW1A, W1D, EC1A
_POSTCODE = re.compile(
    r"(?<![\w])([A-Z]{1,2})(\d[A-Z\d]?) ?(\d[ABD-HJLNP-UW-Z]{2})(?![\w])|(?<![\w])GIR ?0AA(?![\w])", re.I
)
# Inward halves that are far more often tech talk than addresses: "S3 5TB", "W10 2FA".
_TECH_INWARD = re.compile(r"\d(?:GB|TB)|2FA", re.I)
_ORDINAL_INWARD = re.compile(r"\d(?:st|nd|rd|th)")
_ADDRESS_BEFORE = re.compile(r"\b(?:post\s?code|address|postal)\b", re.I)


def _postcodes(text: str, hits: Sequence[_Hit]) -> Iterator[Span]:
    for match in _POSTCODE.finditer(text):
        if match.group(1) is None:
            yield match.span()
            continue
        area, district, inward = match.group(1).upper(), match.group(2).upper(), match.group(3)
        if area not in POSTCODE_AREAS:
            continue
        if district[-1].isalpha() and area not in _LETTER_DISTRICT_AREAS:
            continue
        letters = "".join(char for char in match.group() if char.isalpha())
        if " " not in match.group() and not (letters.isupper() or letters.islower()):
            continue  # "M404dn" is a printer model; a run-together postcode is typed in one case
        addressed = _ADDRESS_BEFORE.search(text[max(0, match.start() - 30): match.start()])
        if not addressed and (_TECH_INWARD.fullmatch(inward) or _ORDINAL_INWARD.fullmatch(inward)):
            continue
        yield match.span()




# ---- dates of birth and street addresses ---------------------------------------------------

_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
          r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_DATE = re.compile(
    r"(?<![\w/.\-])(?:\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})"
    r"|\d{4}-\d{1,2}-\d{1,2}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?[\s\-]+(?:of\s+)?{_MONTH}\.?,?[\s\-]+\d{{4}}"
    rf"|{_MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}})(?![\w/])",
    re.I,
)
_BIRTH = re.compile(r"\b(?:born|birth|birthday|dob|d\.o\.b\.?|b\.d\.)\b|\bd\.o\.b", re.I)


def _dates_of_birth(text: str, hits: Sequence[_Hit]) -> Iterator[Span]:
    for match in _DATE.finditer(text):
        before = text[max(0, match.start() - 60): match.start()]
        after = text[match.end(): match.end() + 20]
        if _BIRTH.search(before) or _BIRTH.search(after):
            yield match.span()


# A house number, a name and a street word: "101 main st.", "4 Paula views", "Flat 98R",
# with the town on the next line when the address is written over lines. Faker's odd street
# words (views, keys, branch...) need a capitalised name, as they are ordinary words too.
_STREET_WORDS = (r"street|st|road|rd|lane|ln|avenue|ave|drive|dr|close|crescent|terrace|boulevard|blvd|"
                 r"gardens|grove|square|sq|mews|parade|row|walk|court|ct|place|pl|way|hill|park")
_ODD_STREET_WORDS = r"views?|keys?|branch|overpass|falls?|mall|stravenue|bypass|circle|junction|village|ville"
_NOT_STREET_NAMES = _words("minute minutes min mins hour hours mile miles second seconds km")
_STREET = re.compile(
    rf"(?<![\w£$€.])(?:(?:flat|apartment|apt|unit)\s+\d+[A-Za-z]?,?\s*\n?\s*)?"
    rf"(?:\d{{1,4}}[A-Za-z]?,?\s+|(?:flat|apartment|apt|unit)\s+\d+[A-Za-z]?,?\s*\n)"
    rf"((?:[A-Za-z][a-z']+\s+){{1,3}}?)"
    rf"(?:(?P<common>{_STREET_WORDS})|(?P<odd>{_ODD_STREET_WORDS}))\b\.?"
    rf"(?P<town>,?[ \t]*\n[ \t]*(?:[A-Z][a-z]+(?:[ \t]+[A-Z][a-z]+){{0,2}}),?"
    rf"(?:[ \t]*\n[ \t]*(?:[A-Z][a-z]+(?:[ \t]+[A-Z][a-z]+){{0,2}}),?(?=[ \t]*(?:\n|$)))?)?",
    re.I,
)


def _addresses(text: str, hits: Sequence[_Hit]) -> Iterator[Span]:
    for match in _STREET.finditer(text):
        names = match.group(1).split()
        if not names or names[-1].lower() in _NOT_STREET_NAMES or names[0].lower() in _FUNCTION_WORDS:
            continue
        if match.group("odd") and not names[0][0].isupper():
            continue
        yield match.span()


# ---- separators people type inside numbers -----------------------------------------------

# Between the groups of a number people type dots, underscores, slashes, commas, tabs,
# line breaks, non-breaking, thin and zero-width spaces, en and em dashes, and spaces around
# any of them ("4111 - 1111", "4111, 1111"). Detectors of numbers read a view of the text in
# which each such separator between two letters or digits (one of them a digit) is one
# space, or one "-" when it held a dash; their spans are mapped back to the real text.
_BLANKS = "[ \t\u00a0\u2007\u2009\u202f\u200b\u200c\u200d\u2060\ufeff]"
_SEPARATOR = re.compile(
    rf"(?<=[0-9A-Za-z\x00]){_BLANKS}*(?:[.\-_/,;|\u2010-\u2015\u2212]|\r?\n){_BLANKS}*(?=[0-9A-Za-z])"
    rf"|(?<=[0-9A-Za-z]){_BLANKS}{{2,3}}(?=[0-9A-Za-z])"
    rf"|(?<=[0-9A-Za-z])[\t\u00a0\u2007\u2009\u202f\u200b\u200c\u200d\u2060\ufeff](?=[0-9A-Za-z])"
)
_DASHES = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2015\u2212")


def _compact(text: str) -> tuple[str, list[int]]:
    """The text with number separators made plain, and where each of its characters came from."""
    pieces: list[str] = []
    origin: list[int] = []
    pos = 0
    for match in _SEPARATOR.finditer(text):
        start, end = match.span()
        before, after = text[start - 1], text[end] if end < len(text) else ""
        if not (before.isdigit() or after.isdigit()) or not (
                (before.isdigit() or before == _MASK or _code_letters(text, start, -1))
                and (after.isdigit() or _code_letters(text, end, 1))):
            continue
        if match.group() == " ":
            continue
        pieces.append(text[pos:start])
        origin.extend(range(pos, start))
        pieces.append("-" if any(char in _DASHES for char in match.group()) else " ")
        origin.append(start)
        pos = end
    pieces.append(text[pos:])
    origin.extend(range(pos, len(text)))
    origin.append(len(text))
    return "".join(pieces), origin


def _code_letters(text: str, pos: int, step: int) -> bool:
    """Letters at ``pos`` (reading away from a separator) that look like part of a code, not a word:
    one letter, or up to four capitals ("C" of an NI number, "NWBK" of an IBAN)."""
    run: list[str] = []
    index = pos - 1 if step < 0 else pos
    while 0 <= index < len(text) and text[index].isalpha() and len(run) < 6:
        run.append(text[index])
        index += step
    letters = "".join(run)
    return len(letters) == 1 or (len(letters) <= 4 and letters.isupper())


def _tolerant(detector: Detector) -> Detector:
    """``detector`` run on the compact view, its spans mapped back to the text."""

    def run(text: str, hits: Sequence[_Hit]) -> Iterator[Span]:
        view, origin = _compact(text)
        if view == text:
            yield from detector(text, hits)
            return
        moved = [_Hit(_view_index(origin, hit.start), _view_index(origin, hit.end), hit.category)
                 for hit in hits]
        for start, end in detector(view, moved):
            yield origin[start], origin[end - 1] + 1

    return run


def _whole_numbers(detector: Detector) -> Detector:
    """Drop spans that are only part of a dotted number: "10.0.19045.2965" is a version."""

    def run(text: str, hits: Sequence[_Hit]) -> Iterator[Span]:
        for start, end in detector(text, hits):
            dotted_before = start >= 2 and text[start - 1] == "." and text[start - 2].isdigit()
            dotted_after = text[end: end + 1] == "." and text[end + 1: end + 2].isdigit()
            if not (dotted_before or dotted_after):
                yield start, end

    return run


def _view_index(origin: list[int], position: int) -> int:
    """The first view character at or after ``position`` of the text."""
    import bisect

    return bisect.bisect_left(origin, position)


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
