"""Is a chosen password one of those attackers try first?

NCSC advises blocking the most common passwords rather than imposing complexity rules. The
list is zxcvbn's (Dropbox's password-strength library, kept on PyPI): its 30,000 most
common passwords from leaked-password corpora, plus its lists of common English words,
names and surnames, which people use as passwords with a number on the end. A password
counts as common when, in lower case and with any digits and symbols at its ends removed,
it is on one of those lists ("Password1234!" is "password").
"""

from __future__ import annotations

import re
from functools import lru_cache

from zxcvbn.frequency_lists import FREQUENCY_LISTS

#: zxcvbn's lists that people pick passwords from.
LISTS = ("passwords", "english_wikipedia", "us_tv_and_film", "surnames", "female_names", "male_names")
#: Only the most frequent words of the long dictionary lists count: "harmonium" is not a guess.
TOP_WORDS = 5000
_ENDS = re.compile(r"^[\W\d_]+|[\W\d_]+$")


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    words: set[str] = set()
    for name in LISTS:
        entries = FREQUENCY_LISTS.get(name, [])
        words.update(entries if name == "passwords" else entries[:TOP_WORDS])
    return frozenset(word.lower() for word in words)


def is_common(password: str) -> bool:
    """True for a password on the lists, as typed or with digits and symbols trimmed from its ends."""
    lowered = password.lower()
    trimmed = _ENDS.sub("", lowered)
    known = common_words()
    return lowered in known or (len(trimmed) >= 4 and trimmed in known)
