"""Which language a message is in, for the few replies that depend on it (Welsh today).

langdetect (a port of Google's language-detection library) guesses from letter n-grams.
It is unreliable on a few English words ("backup ok?" comes out as Slovak), so a message
counts as Welsh only when it has enough words and the detector is nearly certain. The
assistant asks only about messages it did not otherwise understand, so an English
question is never sent to the detector's guess.
"""

from __future__ import annotations

from functools import lru_cache

MIN_WORDS = 3
MIN_PROBABILITY = 0.95


@lru_cache(maxsize=1)
def _factory() -> None:
    from langdetect import DetectorFactory

    DetectorFactory.seed = 0  # the same answer for the same text, every time


def language_of(text: str) -> str | None:
    """An ISO 639-1 code when the detector is nearly sure, else None."""
    if len(text.split()) < MIN_WORDS:
        return None
    from langdetect import detect_langs
    from langdetect.lang_detect_exception import LangDetectException

    _factory()
    try:
        best = detect_langs(text)[0]
    except LangDetectException:
        return None
    return str(best.lang) if best.prob >= MIN_PROBABILITY else None


def is_welsh(text: str) -> bool:
    return language_of(text) == "cy"
