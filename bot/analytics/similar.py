"""Grouping unanswered questions by similarity, so staff see each gap once with its count.

TF-IDF over words (English stop words left out), cosine similarity, then a greedy pass
newest first: the newest question not yet in a group starts one and takes every
ungrouped question at least :data:`THRESHOLD` similar to it. Groups therefore come out
newest first, and each is named by its newest question. Texts with no word left ("?",
"what about the other one") group only with the same text. Deterministic, and fast for
a few thousand questions.
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
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [item["text"] for item in items]
    plain = [" ".join(text.lower().split()) for text in texts]
    try:
        matrix = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(texts)
        similarity = (matrix @ matrix.T).tocsr()
        has_words = [similarity[i, i] > 0 for i in range(len(texts))]
    except ValueError:  # no text has a word at all (only "?" and the like)
        similarity, has_words = None, [False] * len(texts)
    assigned = [-1] * len(items)
    groups: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        if assigned[index] >= 0:
            continue
        members = [index]
        if similarity is not None and has_words[index]:
            row = similarity.getrow(index)
            members += [int(j) for j, score in zip(row.indices, row.data, strict=True)
                        if j != index and assigned[j] < 0 and score >= threshold]
        else:  # texts without words ("?", "...") group only with the very same text
            members += [j for j in range(index + 1, len(items))
                        if assigned[j] < 0 and plain[j] == plain[index]]
        for member in members:
            assigned[member] = len(groups)
        chosen = [items[m] for m in sorted(members)]
        examples = list(dict.fromkeys(entry["text"] for entry in chosen))[:EXAMPLES]
        groups.append({"text": item["text"], "count": len(chosen),
                       "fallback": sum(entry["kind"] == "fallback" for entry in chosen),
                       "out_of_scope": sum(entry["kind"] == "out_of_scope" for entry in chosen),
                       "newest": chosen[0]["at"], "oldest": chosen[-1]["at"], "examples": examples})
    return groups
