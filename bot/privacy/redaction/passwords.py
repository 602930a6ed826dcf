"""Detector of volunteered secrets: passwords, PINs, one-time and door codes, memorable words, tokens."""

from __future__ import annotations

import re
from typing import Iterator, Sequence

from bot.privacy.redaction.common import _TRAILING_PUNCT, Span, _Hit, _words

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
