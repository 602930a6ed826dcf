"""Grouping unanswered questions by similarity (real scikit-learn, no stand-ins)."""

from __future__ import annotations

from bot.analytics.similar import group_questions


def items(*texts: str) -> list[dict[str, str]]:
    """Newest first, as the Unanswered page reads them."""
    return [{"text": text, "at": f"2026-01-{31 - n:02d}T12:00:00",
             "kind": "fallback" if n % 2 else "out_of_scope"} for n, text in enumerate(texts)]


def test_similar_questions_share_a_group_named_by_the_newest() -> None:
    groups = group_questions(items("how do I reset my router", "book a table for four",
                                   "how can I reset the router", "can you reset my router password",
                                   "book me a table tonight"))
    assert [g["text"] for g in groups] == ["how do I reset my router", "book a table for four"]
    assert [g["count"] for g in groups] == [3, 2]
    assert groups[0]["newest"] == "2026-01-31T12:00:00" and groups[0]["oldest"] == "2026-01-28T12:00:00"
    assert groups[0]["fallback"] + groups[0]["out_of_scope"] == 3


def test_texts_without_words_group_only_with_the_same_text() -> None:
    groups = group_questions(items("?", "what about the other one", "?", "...", "what about the other one"))
    assert [(g["text"], g["count"]) for g in groups] == [
        ("?", 2), ("what about the other one", 2), ("...", 1)]


def test_nothing_to_group() -> None:
    assert group_questions([]) == []
