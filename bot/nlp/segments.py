"""The questions inside a message, so that two questions in one message get two answers.

Owners write one long message: some context about the business, then a question, often
two joined with "and". A segment is a question when it ends with a question mark or
starts with a question word; the context sentences are not segments. This is deliberately
plain text handling: the answer model ranks each segment, and the answering rules decide
whether the segments really ask two different things.
"""

from __future__ import annotations

import re

MAX_SEGMENTS = 2
MIN_WORDS = 3

QUESTION_WORDS = ("am", "are", "can", "could", "did", "do", "does", "how", "is", "must", "shall",
                  "should", "what", "whats", "what's", "when", "where", "which", "who", "whom",
                  "whose", "why", "will", "would", "have", "has", "any")
_STARTS_QUESTION = re.compile(rf"^(?:{'|'.join(re.escape(w) for w in QUESTION_WORDS)})\b", re.I)
_SENTENCE_END = re.compile(r"(?<=[?!.])\s+|\n+")
#: "..., and do we need ..." / "... and also is it ..." joins a second question to the first.
_JOINED = re.compile(
    rf"(?:,\s*|\s+)(?:and|also|plus|oh and)\s+(?:also\s+)?(?=(?:{'|'.join(QUESTION_WORDS)})\b)",
    re.I)


def _is_question(segment: str) -> bool:
    text = segment.strip().lower()
    return text.endswith("?") or bool(_STARTS_QUESTION.match(text))


def _questions(text: str) -> list[str]:
    pieces: list[str] = []
    for sentence in _SENTENCE_END.split(text.strip()):
        pieces.extend(part for part in _JOINED.split(sentence) if part)
    return [p.strip(" ,;") for p in pieces if _is_question(p) and len(p.split()) >= MIN_WORDS]


def questions_in(text: str) -> list[str]:
    """Up to two questions the message asks, in order, or [] when it asks at most one."""
    questions = _questions(text)
    return questions[-MAX_SEGMENTS:] if len(questions) >= 2 else []
