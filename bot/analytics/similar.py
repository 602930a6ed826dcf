"""Grouping unanswered questions by similarity, so staff see each gap once with its count.

TF-IDF over words and word pairs, cosine similarity, then a greedy pass newest first: the
newest question not yet in a group starts one and takes every ungrouped question at
least :data:`THRESHOLD` similar to it. Groups therefore come out newest first, and each
is named by its newest question. Deterministic, and fast for a few thousand questions.
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
    try:
        matrix = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1).fit_transform(texts)
        similarity = (matrix @ matrix.T).tocsr()
    except ValueError:  # nothing but stop words or punctuation: every text is its own group
        similarity = None
    assigned = [-1] * len(items)
    groups: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        if assigned[index] >= 0:
            continue
        members = [index]
        if similarity is not None:
            row = similarity.getrow(index)
            members += [int(j) for j, score in zip(row.indices, row.data, strict=True)
                        if j != index and assigned[j] < 0 and score >= threshold]
        else:
            members += [j for j in range(index + 1, len(items))
                        if assigned[j] < 0 and texts[j].strip().lower() == texts[index].strip().lower()]
        for member in members:
            assigned[member] = len(groups)
        chosen = [items[m] for m in sorted(members)]
        examples = list(dict.fromkeys(entry["text"] for entry in chosen))[:EXAMPLES]
        groups.append({"text": item["text"], "count": len(chosen),
                       "fallback": sum(entry["kind"] == "fallback" for entry in chosen),
                       "out_of_scope": sum(entry["kind"] == "out_of_scope" for entry in chosen),
                       "newest": chosen[0]["at"], "oldest": chosen[-1]["at"], "examples": examples})
    return groups
