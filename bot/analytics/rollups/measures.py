"""How analytics rows become counted measures: the exact definition of every measure.

Everything a metric counts is decided here, one day range at a time, from the analytics
tables (docs/metrics.md states the same rules in prose). The result is a count per

    (measure, day, size, sector, nation, key)

which ``bot.analytics.rollups.refresh`` stores as the finest rollup cells and sums into
coarser ones. Each measure is dated and segmented by the row it comes from:

* conversation measures by ``conversations.started_at`` and the conversation's profile;
* turn measures by ``turns.at`` and the turn's own snapshot (the profile when it was sent);
* plan items by ``plan_items.at``; commitments by ``committed_at`` (their current status);
* feedback by ``feedback.at`` and the profile of its conversation (feedback rows have none).

Distinct visitors cannot be summed across days, so conversations also record the day of
the visitor's previous conversation (``conv_repeat``) and previous plan conversation
(``plan_repeat``): a visitor is counted once in a range at their first conversation in
it, which is the one whose previous conversation lies before the range (or does not
exist). That keeps visitor counts exact and additive (see bot/analytics/metrics.py).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.analytics.filters import SEGMENT_VALUES
from bot.guidance.knowledge import TOPIC_IDS
from bot.storage.models import Commitment, Conversation, Feedback, StoredPlanStep, Turn
from bot.storage.rollups import KEY_LENGTH, UNKNOWN, text_hash

# Measures (rollup_cells.measure) and what their key holds.
CONVERSATIONS = "conv"
PROFILED = "conv_profiled"
PLAN_CONVERSATIONS = "conv_plan"  # conversations with got_plan
PLAN_COMMITTED = "conv_plan_committed"  # ... whose visitor committed at or after its start
REPEAT = "conv_repeat"  # key: day of the visitor's previous conversation
PLAN_REPEAT = "plan_repeat"  # key: day of the visitor's previous plan conversation
PLAN_REPEAT_COMMITTED = "plan_repeat_committed"  # the same, for committed plan conversations
DROP_OFF = "dropoff"  # key: last intent of a conversation without a plan
TURNS = "turns"
FALLBACK = "fallback"
OUT_OF_SCOPE = "oos"
TOPIC = "topic"  # key: a topic in turns.topics
TOPIC_TURNS = "topic_turns"  # turns with at least one topic
QUESTION = "question"  # key: normalised text of a topic question (kept in rollup_questions)
QUESTION_TURNS = "question_turns"  # topic questions with a text
PLAN_ITEMS = "plan_item"  # key: topic
COMMITMENTS = "commit"  # key: status
DAYS_TO_DONE = "done_days"  # key: whole days from commitment to done, zero-padded
FEEDBACK = "feedback"  # key: topic
HELPFUL = "helpful"  # key: topic

#: A topic question is a turn whose intent asks about one of the knowledge base's topics.
TOPIC_QUESTION_INTENTS = frozenset(f"ask_{topic}" for topic in TOPIC_IDS)
NO_INTENT = "none"
DAYS_KEY_WIDTH = 5
_VISITOR_BATCH = 500
_PLACEHOLDER = re.compile(r"\[[a-z_]+\]")
_KNOWN = {dimension: frozenset(values) - {UNKNOWN} for dimension, values in SEGMENT_VALUES.items()}

Cell = tuple[str, date, str, str, str, str]
Segment = tuple[str, str, str]


def segment_value(dimension: str, value: Any) -> str:
    """A snapshot value as the rollups hold it: NULL, or anything off-vocabulary, is unknown.

    Ingestion only ever writes vocabulary values, so "off-vocabulary" can only come from a
    hand-edited database; counting it as unknown keeps every breakdown summing to its total.
    """
    return value if isinstance(value, str) and value in _KNOWN[dimension] else UNKNOWN


def segment_of(row: Any) -> Segment:
    return (segment_value("size", row.size), segment_value("sector", row.sector),
            segment_value("nation", row.nation))


def question_key(text: str | None) -> str | None:
    """The form under which a question is counted: case, spacing and end punctuation ignored.

    "How do I back up?" and "how do i  back up" are one question. Placeholders keep
    their capitals ([EMAIL]) so redacted questions still read as redacted.
    """
    if not text:
        return None
    cleaned = " ".join(text.split()).rstrip("?!. ").strip().lower()
    cleaned = _PLACEHOLDER.sub(lambda match: match.group(0).upper(), cleaned)
    return cleaned[:KEY_LENGTH] or None


def days_key(days: int) -> str:
    return str(days).zfill(DAYS_KEY_WIDTH)


def split_list(value: str | None) -> list[str]:
    """A comma list column as distinct, non-empty items in order."""
    if not value:
        return []
    return list(dict.fromkeys(item.strip() for item in value.split(",") if item.strip()))


@dataclass
class DayMeasures:
    """The counted measures of a range of days, plus its unanswered turns."""

    cells: Counter[Cell] = field(default_factory=Counter)
    unanswered: list[dict[str, Any]] = field(default_factory=list)

    def add(self, measure: str, at: datetime, segment: Segment, key: str = "", n: int = 1) -> None:
        size, sector, nation = segment
        self.cells[(measure, at.date(), size, sector, nation, key)] += n


@dataclass
class _History:
    """A visitor's conversations (oldest first) and their latest commitment."""

    conversations: list[tuple[datetime, int, bool]] = field(default_factory=list)
    last_commitment: datetime | None = None


def _batches(items: Iterable[str], size: int = _VISITOR_BATCH) -> Iterable[list[str]]:
    batch: list[str] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _histories(conn: Connection, visitor_keys: set[str], before: datetime) -> dict[str, _History]:
    histories = {key: _History() for key in visitor_keys}
    for batch in _batches(sorted(visitor_keys)):
        rows = conn.execute(
            sa.select(Conversation.visitor_key, Conversation.started_at, Conversation.id,
                      Conversation.got_plan)
            .where(Conversation.visitor_key.in_(batch), Conversation.started_at < before)
        )
        for row in rows:
            histories[row.visitor_key].conversations.append((row.started_at, row.id, bool(row.got_plan)))
        latest = conn.execute(
            sa.select(Commitment.visitor_key, sa.func.max(Commitment.committed_at))
            .where(Commitment.visitor_key.in_(batch)).group_by(Commitment.visitor_key)
        )
        for visitor_key, committed_at in latest:
            histories[visitor_key].last_commitment = committed_at
    for history in histories.values():
        history.conversations.sort()
    return histories


def _conversation_measures(conn: Connection, lo: datetime, hi: datetime, measured: DayMeasures) -> None:
    rows = conn.execute(
        sa.select(Conversation.id, Conversation.visitor_key, Conversation.started_at,
                  Conversation.profiled, Conversation.got_plan, Conversation.last_intent,
                  Conversation.size, Conversation.sector, Conversation.nation)
        .where(Conversation.started_at >= lo, Conversation.started_at < hi)
    ).all()
    histories = _histories(conn, {row.visitor_key for row in rows}, hi)
    for row in rows:
        segment, at = segment_of(row), row.started_at
        measured.add(CONVERSATIONS, at, segment)
        if row.profiled:
            measured.add(PROFILED, at, segment)
        if not row.got_plan:
            measured.add(DROP_OFF, at, segment, row.last_intent or NO_INTENT)
        history = histories[row.visitor_key]
        position = bisect_left(history.conversations, (at, row.id))
        if position:
            measured.add(REPEAT, at, segment, history.conversations[position - 1][0].date().isoformat())
        if not row.got_plan:
            continue
        committed = history.last_commitment is not None and history.last_commitment >= at
        measured.add(PLAN_CONVERSATIONS, at, segment)
        if committed:
            measured.add(PLAN_COMMITTED, at, segment)
        previous_plan = next((c for c in reversed(history.conversations[:position]) if c[2]), None)
        if previous_plan is not None:
            previous = previous_plan[0].date().isoformat()
            measured.add(PLAN_REPEAT, at, segment, previous)
            if committed:
                measured.add(PLAN_REPEAT_COMMITTED, at, segment, previous)


def _turn_measures(conn: Connection, lo: datetime, hi: datetime, measured: DayMeasures) -> None:
    rows = conn.execute(
        sa.select(Turn.id, Turn.at, Turn.size, Turn.sector, Turn.nation, Turn.intent, Turn.topics,
                  Turn.fallback, Turn.out_of_scope, Turn.text)
        .where(Turn.at >= lo, Turn.at < hi)
    )
    for row in rows:
        segment, at = segment_of(row), row.at
        measured.add(TURNS, at, segment)
        if row.fallback:
            measured.add(FALLBACK, at, segment)
        if row.out_of_scope:
            measured.add(OUT_OF_SCOPE, at, segment)
        if row.fallback or row.out_of_scope:
            measured.unanswered.append({"turn_id": row.id, "at": at, "size": segment[0],
                                     "sector": segment[1], "nation": segment[2],
                                     "fallback": bool(row.fallback),
                                     "out_of_scope": bool(row.out_of_scope),
                                     "text_hash": text_hash(row.text)})
        topics = split_list(row.topics)
        if topics:
            measured.add(TOPIC_TURNS, at, segment)
            for topic in topics:
                measured.add(TOPIC, at, segment, topic[:KEY_LENGTH])
        if row.intent in TOPIC_QUESTION_INTENTS:
            question = question_key(row.text)
            if question:
                measured.add(QUESTION_TURNS, at, segment)
                measured.add(QUESTION, at, segment, question)


def _plan_item_measures(conn: Connection, lo: datetime, hi: datetime, measured: DayMeasures) -> None:
    rows = conn.execute(
        sa.select(StoredPlanStep.at, StoredPlanStep.topic, StoredPlanStep.size, StoredPlanStep.sector,
                  StoredPlanStep.nation)
        .where(StoredPlanStep.at >= lo, StoredPlanStep.at < hi)
    )
    for row in rows:
        measured.add(PLAN_ITEMS, row.at, segment_of(row), row.topic)


def _commitment_measures(conn: Connection, lo: datetime, hi: datetime, measured: DayMeasures) -> None:
    rows = conn.execute(
        sa.select(Commitment.committed_at, Commitment.status, Commitment.done_at, Commitment.size,
                  Commitment.sector, Commitment.nation)
        .where(Commitment.committed_at >= lo, Commitment.committed_at < hi)
    )
    for row in rows:
        segment = segment_of(row)
        measured.add(COMMITMENTS, row.committed_at, segment, row.status)
        if row.status == "done" and row.done_at is not None:
            days = max(0, int((row.done_at - row.committed_at).total_seconds() // 86400))
            measured.add(DAYS_TO_DONE, row.committed_at, segment, days_key(days))


def _feedback_measures(conn: Connection, lo: datetime, hi: datetime, measured: DayMeasures) -> None:
    rows = conn.execute(
        sa.select(Feedback.at, Feedback.topic, Feedback.helpful, Conversation.size,
                  Conversation.sector, Conversation.nation)
        .select_from(Feedback)
        .join(Conversation, Conversation.conversation_key == Feedback.conversation_key, isouter=True)
        .where(Feedback.at >= lo, Feedback.at < hi)
    )
    for row in rows:
        segment, topic = segment_of(row), (row.topic or UNKNOWN)[:KEY_LENGTH]
        measured.add(FEEDBACK, row.at, segment, topic)
        if row.helpful:
            measured.add(HELPFUL, row.at, segment, topic)


def day_measures(conn: Connection, lo: datetime, hi: datetime) -> DayMeasures:
    """Every measure dated in ``lo`` <= moment < ``hi`` (day boundaries)."""
    measured = DayMeasures()
    for collect in (_conversation_measures, _turn_measures, _plan_item_measures, _commitment_measures,
                    _feedback_measures):
        collect(conn, lo, hi, measured)
    return measured

