"""Finding web addresses and domains in a message, and masking them for analytics.

The checked address identifies the business, so analytics never store it: user turns pass
through :func:`mask_addresses` before they are written (``bot/analytics/ingest/``).
"""

from __future__ import annotations

import re

PLACEHOLDER = "[WEB_ADDRESS]"
_TRAILING = ".,;:!?)]}'\"’”"
# A URL with a scheme; a bracketed IPv6 host; or a dotted host name or IPv4 address with an
# optional port and path. Email addresses are found first so their domain is kept whole.
_URL = re.compile(r"\b[a-z][a-z0-9+.-]{1,15}://[^\s<>\"']+", re.I)
_BRACKETED = re.compile(r"\[[0-9a-f:.%]+\](?::\d+)?(?:/[^\s<>\"']*)?", re.I)
_EMAIL = re.compile(r"[\w.+-]+@((?:[a-z0-9-]+\.)+[a-z]{2,63})\b", re.I)
_HOST = re.compile(
    r"(?<![\w@/.-])(?:www\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|\d{1,3})\.?"
    r"(?::\d{1,5})?(?:/[^\s<>\"']*)?(?![\w@-])",
    re.I,
)
# File names that look like host names: "invoice.pdf" is not a website.
_ENDINGS = """
pdf doc docx xls xlsx xlsm ppt pptx txt csv rtf odt ods zip rar 7z exe msi dmg apk iso jpg jpeg png
gif bmp tif tiff heic mp3 mp4 mov avi wav js py php html htm css json xml yml yaml sh bat ps1 vbs
"""
_FILE_ENDINGS = frozenset(_ENDINGS.split())


def _trim(text: str) -> str:
    """Without trailing punctuation, keeping a closing bracket that the address itself opened."""
    while text and text[-1] in _TRAILING:
        pair = {"]": "[", ")": "(", "}": "{"}.get(text[-1])
        if pair and text.count(pair) >= text.count(text[-1]):
            break
        text = text[:-1]
    return text


def _is_host(candidate: str) -> bool:
    host = candidate.split("/", 1)[0].split(":", 1)[0].rstrip(".").lower()
    last = host.rsplit(".", 1)[-1]
    if last.isdigit():
        return bool(re.fullmatch(r"\d{1,3}(?:\.\d{1,3}){3}", host))
    return last not in _FILE_ENDINGS


def find_address(text: str) -> str | None:
    """The first web address in ``text`` as the owner wrote it, or None."""
    for pattern in (_URL, _BRACKETED):
        match = pattern.search(text)
        if match:
            return _trim(match.group())
    for match in _HOST.finditer(text):
        candidate = _trim(match.group())
        if _is_host(candidate):
            return candidate
    return None


def find_email_domain(text: str) -> str | None:
    """The domain of an email address in ``text``, else the first web address."""
    match = _EMAIL.search(text)
    return match.group(1) if match else find_address(text)


def mask_addresses(text: str) -> str:
    """``text`` with every web address, domain and email domain replaced by a placeholder."""
    def keep_end(match: re.Match[str]) -> str:  # trailing punctuation belongs to the sentence
        return PLACEHOLDER + match.group()[len(_trim(match.group())):]

    text = _URL.sub(keep_end, text)
    text = _BRACKETED.sub(keep_end, text)
    text = _EMAIL.sub(lambda m: m.group().split("@")[0] + "@" + PLACEHOLDER, text)

    def host(match: re.Match[str]) -> str:
        candidate = _trim(match.group())
        if not _is_host(candidate):
            return match.group()
        return PLACEHOLDER + match.group()[len(candidate):]

    return _HOST.sub(host, text)
