"""Number detectors made to read through the dots, dashes and odd spaces people type inside numbers."""

from __future__ import annotations

import re
from typing import Iterator, Sequence

from bot.privacy.redaction.common import _MASK, Detector, Span, _Hit

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
