"""Detectors of where a person is reached or found: URL logins, emails, IPs, addresses, birth dates."""

from __future__ import annotations

import ipaddress
import re
from typing import Iterator, Sequence

from bot.privacy.redaction.common import _TRAILING_PUNCT, PUBLIC_EMAILS, Span, _Hit, _words
from bot.privacy.redaction.passwords import _FUNCTION_WORDS, _NOT_SECRETS

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
