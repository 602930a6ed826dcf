"""What the assistant could not answer in a period: groups by size, noise set aside.

Reads every fallback and out-of-scope message of the period that still has its text
(``rollup_unanswered``, by its text digest, then ``turns`` for one text per group), counted
per distinct text in the database,
so the groups cover the whole period rather than its newest messages. Noise ("?",
"asdf", single characters, keyboard mash) is counted apart: it is not a gap in the
assistant's knowledge. The rest is grouped by similarity (bot/analytics/similar.py),
biggest group first, each with its share of all messages in the period, how many were
"in scope but missed" (not understood) and how many "out of scope", and the same texts'
count in the previous period.

Grouping costs grow with the number of *distinct* texts, so only the
:data:`DISTINCT_LIMIT` most frequent are grouped; the rest are reported as one
remainder, never dropped silently. Texts leave redacted again (second line of defence).
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from typing import Any

import sqlalchemy as sa

from bot.analytics import metrics
from bot.analytics.filters import Filters
from bot.analytics.rollups.refresh import Connectable, as_connection
from bot.analytics.similar import group_questions
from bot.privacy.redaction import redact
from bot.storage.models import Turn
from bot.storage.rollups import RollupUnanswered

DISTINCT_LIMIT = 3000
NOISE_EXAMPLES = 10
UNANSWERED: sa.Table = RollupUnanswered.__table__
TURNS: sa.Table = Turn.__table__
#: Ids per ``IN`` list when reading the groups' texts (well under SQLite's variable limit).
_CHUNK = 500

_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)
_VOWELS = set("aeiouy")
_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
#: Runs of three neighbouring keys that words seldom hold but mashing does.
_MASH = re.compile(r"(asd|sdf|dfg|fgh|ghj|hjk|jkl|qwe|wer|ert|zxc|xcv|cvb|vbn|bnm|lkj|kjh|poi|oiu)")
_REPEAT = re.compile(r"(.)\1{3,}")


def one_line(text: str) -> str:
    """Visitor text on one line: every run of white space (newlines included) as one space."""
    return " ".join(text.split())


@lru_cache(maxsize=50_000)
def is_noise(text: str) -> bool:
    """True for messages with nothing to answer: "?", "ok", "asdf", "jjjjj", "sdfsdf"."""
    plain = one_line(text).lower()
    letters = _LETTERS.findall(plain)
    if len(letters) <= 2:
        return True
    if _REPEAT.search(plain.replace(" ", "")):
        return True
    words = re.findall(r"[^\W\d_]+", plain)
    if len(words) != 1:
        return False
    word = words[0]
    if len(word) >= 4 and not _VOWELS & set(word):
        return True
    one_row = any(set(word) <= set(row) for row in _ROWS)
    return len(word) >= 4 and one_row and bool(_MASH.search(word))


@lru_cache(maxsize=50_000)
def _redacted(text: str) -> str:
    return redact(text).text


def _distinct_texts(conn: Connectable, filters: Filters) -> list[dict[str, Any]]:
    """One row per distinct text and kind in the range: its count, newest and oldest time.

    Counted on ``rollup_unanswered``'s covering index by text digest, then one ``turns``
    row read per distinct text (its newest), whose text is shown: a million-turn period
    reads a few thousand wide rows, not every unanswered one.
    """
    u = UNANSWERED
    conditions = [*metrics.unanswered_rows_in_range(filters), u.c.text_hash.isnot(None)]
    counted = (
        sa.select(u.c.text_hash, u.c.fallback, sa.func.count().label("n"),
                  sa.func.max(u.c.at).label("newest"), sa.func.min(u.c.at).label("oldest"),
                  sa.func.max(u.c.turn_id).label("turn_id"))
        .where(*conditions).group_by(u.c.text_hash, u.c.fallback))
    groups = list(as_connection(conn).execute(counted))
    texts: dict[int, str] = {}
    ids = [row.turn_id for row in groups]
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        for turn_id, text in as_connection(conn).execute(
                sa.select(TURNS.c.id, TURNS.c.text).where(TURNS.c.id.in_(chunk), TURNS.c.text.isnot(None))):
            texts[turn_id] = text
    return [{"text": texts[row.turn_id], "kind": "fallback" if row.fallback else "out_of_scope",
             "n": int(row.n), "newest": row.newest, "oldest": row.oldest}
            for row in groups if row.turn_id in texts]


def _key(text: str) -> str:
    return one_line(text).lower()


def report(conn: Connectable, filters: Filters, previous: Filters | None = None,
           limit: int = DISTINCT_LIMIT) -> dict[str, Any]:
    """The period's unanswered groups (biggest first), its noise, and totals against ``previous``."""
    rows = _distinct_texts(conn, filters)
    totals = metrics.unanswered(conn, filters)[metrics.TOTAL]
    noise_rows = [row for row in rows if is_noise(row["text"])]
    real = [row for row in rows if not is_noise(row["text"])]
    real.sort(key=lambda row: (-row["n"], -row["newest"].timestamp(), row["text"]))
    grouped, rest = real[:limit], real[limit:]
    items = [{"text": one_line(_redacted(row["text"])), "at": row["newest"].isoformat(timespec="seconds"),
              "oldest": row["oldest"].isoformat(timespec="seconds"), "kind": row["kind"], "n": row["n"],
              "key": _key(row["text"])} for row in grouped]
    before: Counter[str] = Counter()
    before_total = None
    if previous is not None:
        for row in _distinct_texts(conn, previous):
            if not is_noise(row["text"]):
                before[_key(row["text"])] += row["n"]
        before_total = sum(before.values())
    groups = group_questions(items)
    for group in groups:
        group["share"] = metrics.rate(group["count"], totals["turns"])
        group["previous"] = sum(before[key] for key in group.pop("keys")) if previous is not None else None
    groups.sort(key=lambda group: (-group["count"], group["text"]))
    unanswered = sum(row["n"] for row in real)
    noise_counts: Counter[str] = Counter()
    for row in noise_rows:
        noise_counts[one_line(_redacted(row["text"]))] += row["n"]
    return {
        "groups": groups, "turns": totals["turns"], "unanswered": unanswered,
        "share": metrics.rate(unanswered, totals["turns"]),
        "missed": sum(row["n"] for row in real if row["kind"] == "fallback"),
        "out_of_scope": sum(row["n"] for row in real if row["kind"] == "out_of_scope"),
        "previous_unanswered": before_total,
        "noise": sum(noise_counts.values()),
        "noise_examples": [{"text": text, "count": n}
                           for text, n in noise_counts.most_common(NOISE_EXAMPLES)],
        "ungrouped": sum(row["n"] for row in rest), "ungrouped_texts": len(rest),
    }
