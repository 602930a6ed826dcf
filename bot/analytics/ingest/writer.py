"""Stage two of ingestion: typed events become analytics rows in one database session.

The rules for each event are in the package's docstring (bot/analytics/ingest/__init__.py)
and docs/analytics-design.md. The writer holds each sender's current conversation for
the batch and keeps what it needs to continue in the analytics database itself.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.analytics.ingest.events import (
    BotReply,
    CheckSummary,
    Event,
    IncidentSummary,
    SessionStart,
    SlotChange,
    SlotsReset,
    UserTurn,
)
from bot.analytics.ingest.report import IngestReport
from bot.guidance.profile import ATTRIBUTE_VALUES, QUESTION_ORDER, parse_value
from bot.privacy.pseudonyms import Pseudonyms
from bot.storage.models import (
    CheckRun,
    Commitment,
    Conversation,
    Feedback,
    GuidanceReply,
    IncidentReply,
    StoredPlanStep,
    Turn,
    Visitor,
)

logger = logging.getLogger(__name__)

PROFILE_SLOTS: tuple[str, ...] = QUESTION_ORDER
FEEDBACK_INTENTS = {"feedback_helpful": True, "feedback_unhelpful": False}
FOLLOW_UP_INTENTS = {"not_done_yet": "not_yet", "drop_step": "dropped", "drop_action": "dropped"}


# ---- applying events to rows ------------------------------------------------------------


def monday(at: datetime) -> date:
    """The week a moment falls in, as its Monday."""
    return at.date() - timedelta(days=at.weekday())


def _snapshot_value(slot: str, raw: Any) -> Any:
    """A slot value as its snapshot column holds it: known values only, cloud as a comma list."""
    try:
        value = parse_value(slot, raw)
    except (ValueError, TypeError):
        logger.warning("Profile slot %s has a value outside the profile's vocabulary; left blank", slot)
        return None
    if isinstance(value, frozenset):
        return ",".join(sorted(value))
    return value


def _is_set(raw: Any) -> bool:
    return raw is not None and raw != "" and raw != []


def _join(items: list[str], limit: int = 255) -> str | None:
    text = ""
    for item in items:
        candidate = f"{text},{item}" if text else item
        if len(candidate) > limit:
            break
        text = candidate
    return text or None


@dataclass
class _Sender:
    visitor_key: str
    visitor: Visitor | None
    conversation: Conversation | None
    latest_turn: Turn | None = None
    latest_turn_loaded: bool = False
    answered: set[str] = field(default_factory=set)


class _Writer:
    """Applies one batch of events inside one analytics-database session."""

    def __init__(self, session: Session, pseudonyms: Pseudonyms, report: IngestReport,
                 prefetch_chunk: int) -> None:
        self.session = session
        self.prefetch_chunk = prefetch_chunk
        self.pseudonyms = pseudonyms
        self.report = report
        self.senders: dict[str, _Sender] = {}

    # -- state --

    def prefetch(self, sender_ids: Iterable[str]) -> None:
        """Load the batch's senders' visitors and newest conversations up front.

        Two queries per batch instead of two per sender: looked up one by one, each lookup
        also flushed every pending row first, and that made ingestion cost more CPU per
        message (in Python and in the database) than anything else on a loaded server.
        """
        keys = {sender_id: self.pseudonyms.visitor_key(sender_id)
                for sender_id in set(sender_ids) if sender_id not in self.senders}
        if not keys:
            return
        visitors: dict[str, Visitor] = {}
        newest: dict[str, Conversation] = {}
        wanted = sorted(set(keys.values()))
        with self.session.no_autoflush:
            for start in range(0, len(wanted), self.prefetch_chunk):
                chunk = wanted[start:start + self.prefetch_chunk]
                visitors.update((visitor.visitor_key, visitor) for visitor in self.session.execute(
                    sa.select(Visitor).where(Visitor.visitor_key.in_(chunk))).scalars())
                latest_ids = (sa.select(sa.func.max(Conversation.id))
                              .where(Conversation.visitor_key.in_(chunk))
                              .group_by(Conversation.visitor_key))
                newest.update((conversation.visitor_key, conversation)
                              for conversation in self.session.execute(
                                  sa.select(Conversation).where(Conversation.id.in_(latest_ids))
                              ).scalars())
        for sender_id, key in keys.items():
            self.senders[sender_id] = self._state(key, visitors.get(key), newest.get(key))

    @staticmethod
    def _state(key: str, visitor: Visitor | None, conversation: Conversation | None) -> _Sender:
        state = _Sender(key, visitor, conversation)
        if conversation is not None and conversation.profile_answered:
            state.answered = set(conversation.profile_answered.split(","))
        return state

    def sender(self, sender_id: str) -> _Sender:
        known = self.senders.get(sender_id)
        if known is None:
            self.prefetch([sender_id])
            known = self.senders[sender_id]
        return known

    def open_conversation(self, state: _Sender, event: Event) -> Conversation:
        key = self.pseudonyms.conversation_key(event.sender_id, event.timestamp)
        if state.conversation is not None and state.conversation.conversation_key == key:
            return state.conversation  # the same session start seen twice
        if state.visitor is None:
            state.visitor = Visitor(visitor_key=state.visitor_key, first_seen=event.at,
                                    last_seen=event.at, conversations=0)
            self.session.add(state.visitor)
        conversation = Conversation(
            conversation_key=key, visitor_key=state.visitor_key, started_at=event.at,
            last_at=event.at, is_returning=state.visitor.conversations > 0, user_turns=0,
            profiled=False, got_plan=False, profile_answered=None,
        )
        state.visitor.conversations += 1
        self.session.add(conversation)
        state.conversation = conversation
        state.latest_turn, state.latest_turn_loaded = None, True
        state.answered = set()
        self.report.conversations += 1
        return conversation

    def conversation(self, state: _Sender, event: Event) -> Conversation:
        if state.conversation is None:
            return self.open_conversation(state, event)
        return state.conversation

    def latest_turn(self, state: _Sender, conversation: Conversation) -> Turn | None:
        if not state.latest_turn_loaded:
            state.latest_turn = self.session.execute(
                sa.select(Turn).where(Turn.conversation_key == conversation.conversation_key)
                .order_by(Turn.event_id.desc()).limit(1)
            ).scalar_one_or_none()
            state.latest_turn_loaded = True
        return state.latest_turn

    @staticmethod
    def snapshot(conversation: Conversation) -> dict[str, Any]:
        return {slot: getattr(conversation, slot) for slot in PROFILE_SLOTS}

    def touch(self, state: _Sender, conversation: Conversation, at: datetime) -> None:
        conversation.last_at = max(conversation.last_at, at)
        visitor = state.visitor
        if visitor is not None:
            visitor.first_seen = min(visitor.first_seen, at)
            visitor.last_seen = max(visitor.last_seen, at)

    def commitment(self, visitor_key: str, step: str) -> Commitment | None:
        found: Commitment | None = self.session.execute(
            sa.select(Commitment).where(Commitment.visitor_key == visitor_key,
                                        Commitment.step == step)
        ).scalar_one_or_none()
        return found

    # -- events --

    def apply(self, event: Event) -> None:
        payload = event.payload
        if payload is None:
            return
        state = self.sender(event.sender_id)
        if isinstance(payload, SessionStart):
            conversation = self.open_conversation(state, event)
        elif isinstance(payload, SlotsReset):
            if state.conversation is None:
                return
            conversation = state.conversation
            for slot in PROFILE_SLOTS:
                setattr(conversation, slot, None)
            state.answered = set()
            conversation.profile_answered = None
        elif isinstance(payload, SlotChange):
            if payload.name not in ATTRIBUTE_VALUES:
                return
            conversation = self.conversation(state, event)
            self.slot(state, conversation, payload)
        elif isinstance(payload, UserTurn):
            conversation = self.conversation(state, event)
            self.user(state, conversation, event, payload)
        else:
            conversation = self.conversation(state, event)
            self.bot(state, conversation, event, payload)
        self.touch(state, conversation, event.at)

    def slot(self, state: _Sender, conversation: Conversation, change: SlotChange) -> None:
        setattr(conversation, change.name, _snapshot_value(change.name, change.value))
        if _is_set(change.value):
            state.answered.add(change.name)
        else:
            state.answered.discard(change.name)
        conversation.profile_answered = _join([s for s in PROFILE_SLOTS if s in state.answered], 120)
        if state.answered.issuperset(PROFILE_SLOTS):
            conversation.profiled = True

    def user(self, state: _Sender, conversation: Conversation, event: Event, turn: UserTurn) -> None:
        row = Turn(
            event_id=event.id, conversation_key=conversation.conversation_key,
            visitor_key=state.visitor_key, at=event.at, week=monday(event.at), channel=turn.channel,
            text=turn.text, intent=turn.intent, confidence=turn.confidence,
            entity_types=_join(list(turn.entity_types)), topics=None,
            fallback=turn.intent == "nlu_fallback", out_of_scope=turn.intent == "out_of_scope",
            **self.snapshot(conversation),
        )
        self.session.add(row)
        state.latest_turn, state.latest_turn_loaded = row, True
        self.report.turns += 1
        conversation.user_turns += 1
        conversation.last_intent = turn.intent
        conversation.channel = conversation.channel or turn.channel
        if turn.intent in FEEDBACK_INTENTS:
            self.session.add(Feedback(conversation_key=conversation.conversation_key, at=event.at,
                                      topic=conversation.last_topic,
                                      answer=conversation.last_answer,
                                      helpful=FEEDBACK_INTENTS[turn.intent]))
            self.report.feedback += 1
        if turn.intent in FOLLOW_UP_INTENTS:
            self.follow_up(state, event, turn, FOLLOW_UP_INTENTS[turn.intent])

    def follow_up(self, state: _Sender, event: Event, turn: UserTurn, status: str) -> None:
        """Not yet / no longer planning, for the step named, else the only open one."""
        target: Commitment | None = None
        for action_id in turn.action_ids:
            target = self.commitment(state.visitor_key, action_id)
            if target is not None:
                break
        if target is None and not turn.action_ids:
            pending = self.session.execute(
                sa.select(Commitment).where(Commitment.visitor_key == state.visitor_key,
                                            Commitment.status.in_(("open", "not_yet")))
            ).scalars().all()
            target = pending[0] if len(pending) == 1 else None
        if target is None or target.status == "done":
            return
        target.status, target.status_at = status, event.at
        self.report.commitments += 1

    def bot(self, state: _Sender, conversation: Conversation, event: Event, reply: BotReply) -> None:
        if reply.topic:
            conversation.last_topic = reply.topic
            conversation.last_answer = reply.answer
            turn = self.latest_turn(state, conversation)
            if turn is not None:
                topics = turn.topics.split(",") if turn.topics else []
                if reply.topic not in topics:
                    turn.topics = _join([*topics, reply.topic])
        for position, (topic, step) in enumerate(reply.plan, start=1):
            self.session.add(StoredPlanStep(
                conversation_key=conversation.conversation_key, visitor_key=state.visitor_key,
                at=event.at, position=position, topic=topic, step=step,
                **self.snapshot(conversation),
            ))
            self.report.plan_items += 1
        if reply.plan:
            conversation.got_plan = True
        if (reply.topic and not reply.plan and not reply.check and not reply.incident
                or reply.answer or reply.human or reply.language):
            self.guidance(state, conversation, event, reply)
        if reply.check:
            self.check_run(state, conversation, event, reply.check)
        if reply.incident:
            self.incident(state, conversation, event, reply.incident)
        if reply.commitment:
            self.commit(state, conversation, event, *reply.commitment)
        if reply.done:
            self.done(state, conversation, event, *reply.done)
        if reply.undone:
            self.undone(state, event, reply.undone[1])

    def check_run(self, state: _Sender, conversation: Conversation, event: Event,
                  check: CheckSummary) -> None:
        statuses = [status for _, status in check.findings]
        self.session.add(CheckRun(
            event_id=event.id, conversation_key=conversation.conversation_key,
            visitor_key=state.visitor_key, at=event.at, week=monday(event.at), kind=check.kind,
            outcome=check.outcome, passes=statuses.count("pass"),
            warnings=statuses.count("warning"), fails=statuses.count("fail"),
            findings=_join([f"{name}:{status}" for name, status in check.findings], 1024),
        ))
        self.report.checks += 1

    def incident(self, state: _Sender, conversation: Conversation, event: Event,
                 incident: IncidentSummary) -> None:
        self.session.add(IncidentReply(
            event_id=event.id, conversation_key=conversation.conversation_key,
            visitor_key=state.visitor_key, at=event.at, week=monday(event.at), incident=incident.kind,
            routes=_join(list(incident.routes)), human=incident.human, **self.snapshot(conversation),
        ))
        self.report.incidents += 1

    def guidance(self, state: _Sender, conversation: Conversation, event: Event,
                 reply: BotReply) -> None:
        """A reply to a question: its answer id or topic only, a person asked for, the language."""
        turn = self.latest_turn(state, conversation)
        self.session.add(GuidanceReply(
            event_id=event.id, conversation_key=conversation.conversation_key,
            visitor_key=state.visitor_key, at=event.at, week=monday(event.at),
            intent=turn.intent if turn is not None else None, topic=reply.topic,
            answer=reply.answer, human=reply.human, language=reply.language,
            **self.snapshot(conversation),
        ))
        self.report.guidance += 1

    def commit(self, state: _Sender, conversation: Conversation, event: Event, topic: str,
               step: str) -> None:
        existing = self.commitment(state.visitor_key, step)
        if existing is None:
            self.session.add(Commitment(
                visitor_key=state.visitor_key, conversation_key=conversation.conversation_key,
                topic=topic, step=step, committed_at=event.at, status="open",
                status_at=event.at, done_at=None, **self.snapshot(conversation),
            ))
        elif existing.status == "done":
            return  # committing again to something done does not undo it
        else:
            existing.status, existing.status_at = "open", event.at
        self.report.commitments += 1

    def done(self, state: _Sender, conversation: Conversation, event: Event, topic: str,
             step: str) -> None:
        existing = self.commitment(state.visitor_key, step)
        if existing is None:
            # Done without saying so first still counts as uptake.
            self.session.add(Commitment(
                visitor_key=state.visitor_key, conversation_key=conversation.conversation_key,
                topic=topic, step=step, committed_at=event.at, status="done",
                status_at=event.at, done_at=event.at, **self.snapshot(conversation),
            ))
        elif existing.status == "done":
            return
        else:
            existing.status, existing.status_at, existing.done_at = "done", event.at, event.at
        self.report.commitments += 1

    def undone(self, state: _Sender, event: Event, step: str) -> None:
        """A step ticked by mistake and unticked: no longer counted as done, still planned."""
        existing = self.commitment(state.visitor_key, step)
        if existing is None or existing.status != "done":
            return
        existing.status, existing.status_at, existing.done_at = "open", event.at, None
        self.report.commitments += 1


