"""Which specific answers owners got, and which questions got only a topic's overview.

Read from ``guidance_replies`` (one row per guidance reply, written by ingestion from
``custom.answer``, ``custom.topic``, ``custom.human`` and ``custom.language``). A *question*
is a reply to a message the classifier took for a topic question (an ``ask_*`` intent, or an
answer given whatever the intent); it was *answered* when the reply carried an answer id and
got *only the topic* when it did not. Ratings are the thumbs after the answer, from
``feedback.answer``. People asked for and messages in other languages are counted from the
same rows. Rows are dated and segmented by the reply's own snapshot, as plan items are;
ratings by their conversation's.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from bot.analytics.dashboard import CONVERSATIONS, FEEDBACK, in_range, segment_condition
from bot.analytics.filters import DIMENSIONS, Filters
from bot.analytics.rollups.periods import day_start
from bot.analytics.rollups.refresh import Connectable, as_connection
from bot.guidance.knowledge import default_knowledge_base
from bot.guidance.knowledge.answers import default_answers
from bot.storage.models import GuidanceReply

REPLIES: sa.Table = GuidanceReply.__table__
TOP = 30


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _ratings(conn: Connectable, filters: Filters) -> dict[str, tuple[int, int]]:
    """Per answer id: (ratings, helpful ones) in the range, segmented by the conversation."""
    f, c = FEEDBACK, CONVERSATIONS
    conditions = [f.c.answer.is_not(None), f.c.at >= day_start(filters.start),
                  f.c.at < day_start(filters.end + timedelta(days=1))]
    for dimension in DIMENSIONS:
        value = filters.segment(dimension)
        if value is not None:
            conditions.append(segment_condition(c, dimension, value))
    rows = as_connection(conn).execute(
        sa.select(f.c.answer, sa.func.count().label("n"),
                  sa.func.sum(sa.case((f.c.helpful.is_(True), 1), else_=0)).label("yes"))
        .select_from(f.join(c, c.c.conversation_key == f.c.conversation_key))
        .where(*conditions).group_by(f.c.answer))
    return {str(row.answer): (int(row.n), int(row.yes or 0)) for row in rows}


def _answer_row(key: str, given: int, rated: tuple[int, int], titles: dict[str, str]
                ) -> dict[str, Any]:
    """One answer's line: its first example question names it for staff."""
    answer = default_answers().get(key)
    ratings, helpful = rated
    return {"answer": key, "question": answer.questions[0] if answer else key,
            "topic": titles.get(answer.topic, answer.topic) if answer else "",
            "given": given, "ratings": ratings, "helpful": helpful,
            "helpfulness": _share(helpful, ratings)}


def usage(conn: Connectable, filters: Filters, top: int = TOP) -> dict[str, Any]:
    """Questions answered specifically or with a topic only, answers used most, people asked for."""
    r = REPLIES
    rows = as_connection(conn).execute(
        sa.select(r.c.intent, r.c.topic, r.c.answer, r.c.human, r.c.language)
        .where(*in_range(r, "at", filters)))
    given: Counter[str] = Counter()
    topic_only: Counter[str] = Counter()
    languages: Counter[str] = Counter()
    human = 0
    for row in rows:
        if row.answer:
            given[str(row.answer)] += 1
        elif row.topic and str(row.intent or "").startswith("ask_"):
            topic_only[str(row.topic)] += 1
        human += bool(row.human)
        if row.language:
            languages[str(row.language)] += 1
    titles = {t.id: t.title for t in default_knowledge_base().topics.values()}
    ratings = _ratings(conn, filters)
    questions = sum(given.values()) + sum(topic_only.values())
    used = [_answer_row(key, n, ratings.get(key, (0, 0)), titles)
            for key, n in sorted(given.items(), key=lambda item: (-item[1], item[0]))[:top]]
    rated = sorted((row for row in used if row["ratings"]),
                   key=lambda row: (float(row["helpfulness"]), -int(row["ratings"])))
    return {
        "questions": questions, "answered": sum(given.values()), "topic_only": sum(topic_only.values()),
        "answered_share": _share(sum(given.values()), questions),
        "answers": used,
        "least_helpful": rated[:10],
        "topic_only_by_topic": [{"topic": key, "title": titles.get(key, key), "questions": n}
                                for key, n in sorted(topic_only.items(), key=lambda i: (-i[1], i[0]))],
        "human": human, "languages": dict(sorted(languages.items())),
    }
