"""Grouping unanswered questions by similarity, so staff see each gap once with its count.

TF-IDF over words (English stop words left out), cosine similarity, then a greedy pass
newest first: the newest question not yet in a group starts one and takes every
ungrouped question at least :data:`THRESHOLD` similar to it. Groups therefore come out
newest first, and each is named by its newest question. Texts with no word left ("?",
"what about the other one") group only with the same text. Deterministic, and fast for
a few thousand questions.

An item may stand for several identical messages (``n``, default 1, with ``oldest``):
the Unanswered page groups distinct texts, most frequent first, so each group is named
by its most frequent text and counts every message. Items with a ``key`` give their
group a ``keys`` list (to look the same texts up in another period).
"""

from __future__ import annotations

from typing import Any

THRESHOLD = 0.5
EXAMPLES = 5


def group_questions(items: list[dict[str, Any]], threshold: float = THRESHOLD) -> list[dict[str, Any]]:
    """Group ``items`` (newest first, each with ``text``, ``at`` and ``kind``).

    Returns groups newest first: ``text`` (the newest), ``count``, ``fallback``,
    ``out_of_scope``, ``newest``, ``oldest`` and up to five distinct ``examples``.
    """
    if not items:
        return []
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [item["text"] for item in items]
    plain = [" ".join(text.lower().split()) for text in texts]
    try:
        matrix = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(texts)
        similarity = (matrix @ matrix.T).tocsr()
        has_words = similarity.diagonal() > 0
    except ValueError:  # no text has a word at all (only "?" and the like)
        similarity, has_words = None, np.zeros(len(texts), dtype=bool)
    assigned = np.full(len(items), -1)
    groups: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        if assigned[index] >= 0:
            continue
        members = [index]
        if similarity is not None and has_words[index]:
            # The row's stored entries straight from the CSR arrays (getrow() per row was most
            # of the page's time at a few thousand texts).
            start, end = similarity.indptr[index], similarity.indptr[index + 1]
            columns, scores = similarity.indices[start:end], similarity.data[start:end]
            near = columns[(scores >= threshold) & (columns != index) & (assigned[columns] < 0)]
            members += [int(j) for j in near]
        else:  # texts without words ("?", "...") group only with the very same text
            members += [j for j in range(index + 1, len(items))
                        if assigned[j] < 0 and plain[j] == plain[index]]
        for member in members:
            assigned[member] = len(groups)
        chosen = [items[m] for m in sorted(members)]
        examples = list(dict.fromkeys(entry["text"] for entry in chosen))[:EXAMPLES]
        group = {"text": item["text"], "count": sum(_n(entry) for entry in chosen),
                 "fallback": sum(_n(entry) for entry in chosen if entry["kind"] == "fallback"),
                 "out_of_scope": sum(_n(entry) for entry in chosen if entry["kind"] == "out_of_scope"),
                 "newest": max(entry["at"] for entry in chosen),
                 "oldest": min(entry.get("oldest", entry["at"]) for entry in chosen), "examples": examples}
        if "key" in item:
            group["keys"] = list(dict.fromkeys(entry["key"] for entry in chosen))
        groups.append(group)
    return groups


def _n(item: dict[str, Any]) -> int:
    return int(item.get("n", 1))
