"""Tracker-store events become analytics rows here, and nowhere else.

Rasa's SQL tracker store keeps every event of every conversation in its ``events`` table
(auto-increment ``id``). This module reads events with ``id`` above a checkpoint, in id
order and a batch at a time, and turns them into the rows of ``bot/storage/models.py``.
It only ever SELECTs from the tracker store. How each event becomes rows, in one place
(docs/analytics-design.md):

* ``session_started`` opens a conversation (one Rasa session), keyed by an HMAC of the
  sender id and the session's start time; the visitor key is an HMAC of the sender id
  (``bot.privacy.pseudonyms``). A sender's events before any ``session_started`` open
  one at the first event that needs it.
* ``slot`` events for the ten profile slots update the profile snapshot copied onto each
  row; ``profiled`` becomes true once all ten hold a value ("unknown" included).
* ``user`` events become turns: redacted text, intent and confidence, entity *types*
  only, ``fallback`` / ``out_of_scope``. ``feedback_helpful`` / ``feedback_unhelpful``
  also give a feedback row on the conversation's last topic; ``not_done_yet`` /
  ``drop_action`` set a commitment to ``not_yet`` / ``dropped``.
* ``bot`` events carry the reply contract (bot/guidance/replies.py): ``custom.topic`` is added to
  the preceding turn's topics, ``custom.plan`` gives plan items, ``custom.commitment``
  opens a commitment (one per visitor and action) and ``custom.done`` marks it done
  (creating it if the visitor never said they would do it; a done one stays done).
  ``custom.check`` records a website or email-domain check in ``check_runs``: its kind,
  outcome and each finding's id and status. The checked address is never stored, and web
  addresses and domains in user turns are masked as ``[WEB_ADDRESS]``.
* Intent and entity names that are not identifiers (users can type ``/anything``) are
  not stored; profile values outside the profile's vocabulary are left blank.
* Anything malformed (bad JSON, missing or wrong-typed fields, unknown event type) is
  skipped with a warning and counted in ``ingest_state.skipped``.

Exactly once: each batch's rows and its new checkpoint commit in one analytics-database
transaction, which starts by updating the ``ingest_state`` row, so concurrent ingesters
queue behind each other instead of both processing a batch. ``turns.event_id`` is unique
as a last line of defence. PostgreSQL can commit a lower id after a higher one, so a gap
in ids followed by events under ``GAP_GRACE_SECONDS`` old ends the batch early, to be
read again once the missing transaction has had time to commit.

Continuing a conversation across batches: a batch can end mid-conversation, so the state
needed to continue is kept in the analytics database itself, in the same transaction as
the checkpoint: the sender's current conversation is its visitor's newest
``conversations`` row, which holds the profile snapshot, ``profile_answered`` (which
profile slots are set) and ``last_topic``; the turn that a reply's topic belongs to is
that conversation's newest turn. We chose this over re-reading the sender's session from
the tracker store because it cannot disagree with what was committed, needs no extra
reads of the (live) tracker database, and still works after ``bot purge`` has deleted
the start of a session.
"""

from __future__ import annotations

import json
import logging
import math
import re
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Union

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import (
    DBAPIError,
    IntegrityError,
    OperationalError,
    ProgrammingError,
    SQLAlchemyError,
)
from sqlalchemy.orm import Session

from bot.checks.addresses import mask_addresses
from bot.guidance.profile import ATTRIBUTE_VALUES, QUESTION_ORDER, parse_value
from bot.privacy.pseudonyms import Pseudonyms
from bot.privacy.redaction import redact
from bot.reply_contract import Key
from bot.settings import ROLLUP_REFRESH_DEFAULT_SECONDS
from bot.storage.database import create_engine, describe, tracker_engine
from bot.storage.models import (
    CheckRun,
    Commitment,
    Conversation,
    Feedback,
    IngestState,
    PlanItem,
    Turn,
    Visitor,
)

logger = logging.getLogger(__name__)

#: ``ingest_state.source`` of Rasa's tracker store.
SOURCE = "rasa-tracker"
DEFAULT_BATCH_SIZE = 500
#: Visitor keys per IN (...) list when a batch's senders are loaded (SQLite allows 999).
PREFETCH_CHUNK = 400
#: A gap in event ids followed by events this recent may be a transaction still committing
#: (PostgreSQL hands out ids before commit); wait for it rather than skip past it.
GAP_GRACE_SECONDS = 10.0
PROFILE_SLOTS: tuple[str, ...] = QUESTION_ORDER
FEEDBACK_INTENTS = {"feedback_helpful": True, "feedback_unhelpful": False}
#: The entity that names a guidance step in a button payload, and its name in older conversations.
STEP_ENTITIES = frozenset({"step_id", "action_id"})
FOLLOW_UP_INTENTS = {"not_done_yet": "not_yet", "drop_step": "dropped", "drop_action": "dropped"}
#: Every event type Rasa 3.6 writes (rasa/shared/core/events.py); others are malformed.
RASA_EVENT_TYPES = frozenset({
    "user", "user_featurization", "entities", "bot", "slot", "restart", "rewind", "reset_slots",
    "reminder", "cancel_reminder", "undo", "export", "followup", "pause", "resume", "action",
    "agent", "active_loop", "form", "loop_interrupted", "form_validation",
    "action_execution_rejected", "session_started",
})
_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_./-]*$")
_BACKOFF_MAX_SECONDS = 10.0

EVENTS = sa.Table(
    "events",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255)),
    sa.Column("type_name", sa.String(255)),
    sa.Column("timestamp", sa.Float),
    sa.Column("intent_name", sa.String(255)),
    sa.Column("action_name", sa.String(255)),
    sa.Column("data", sa.Text),
)


# ---- errors and report -------------------------------------------------------------------


class IngestError(RuntimeError):
    """Ingestion cannot run now; nothing was committed for the failed batch."""


class AnalyticsUnavailable(IngestError):
    """The analytics database cannot be reached (or stays locked)."""


class TrackerUnavailable(IngestError):
    """Rasa's tracker store cannot be read."""


class SchemaMissing(IngestError):
    """The analytics tables do not exist yet: run ``bot migrate``."""


class TrackerReset(IngestError):
    """The tracker store's event ids are below the checkpoint: it was reset or replaced."""


class Malformed(ValueError):
    """One tracker event that cannot be understood; it is skipped and counted."""


@dataclass
class IngestReport:
    """What one ``ingest_once`` call did."""

    events: int = 0  # tracker events read (skipped ones included)
    skipped: int = 0
    turns: int = 0
    conversations: int = 0  # new conversations
    plan_items: int = 0
    commitments: int = 0  # commitments opened or changed
    feedback: int = 0
    checks: int = 0  # website and email-domain checks recorded
    batches: int = 0
    last_event_id: int = 0

    def add(self, other: IngestReport) -> None:
        for item in fields(self):
            if item.name != "last_event_id":
                setattr(self, item.name, getattr(self, item.name) + getattr(other, item.name))
        self.last_event_id = max(self.last_event_id, other.last_event_id)

    def summary(self) -> str:
        return (f"{self.events} events up to id {self.last_event_id}: {self.turns} turns, "
                f"{self.conversations} new conversations, {self.plan_items} plan items, "
                f"{self.commitments} commitment changes, {self.feedback} feedback, "
                f"{self.checks} checks, "
                f"{self.skipped} skipped")


# ---- parsing one tracker row ------------------------------------------------------------


@dataclass(frozen=True)
class UserTurn:
    text: str | None
    intent: str | None
    confidence: float | None
    entity_types: tuple[str, ...]
    action_ids: tuple[str, ...]
    channel: str | None


@dataclass(frozen=True)
class CheckSummary:
    """A website or email-domain check's outcome categories (``custom.check``), no address."""

    kind: str
    outcome: str
    findings: tuple[tuple[str, str], ...]  # (finding id, status)


@dataclass(frozen=True)
class BotReply:
    topic: str | None
    plan: tuple[tuple[str, str], ...]
    commitment: tuple[str, str] | None
    done: tuple[str, str] | None
    check: CheckSummary | None = None


@dataclass(frozen=True)
class SlotChange:
    name: str
    value: Any


@dataclass(frozen=True)
class SessionStart:
    pass


@dataclass(frozen=True)
class SlotsReset:
    pass


Payload = Union[UserTurn, BotReply, SlotChange, SessionStart, SlotsReset, None]


@dataclass(frozen=True)
class Event:
    id: int
    sender_id: str
    timestamp: float
    at: datetime
    payload: Payload


def _clean(text: str) -> str:
    # PostgreSQL text cannot hold NUL characters.
    return text.replace("\x00", "")


def _clip(value: str | None, limit: int) -> str | None:
    return None if value is None else _clean(value)[:limit] or None


def _safe_name(value: Any, limit: int = 64) -> str | None:
    """An intent or entity name, or None if it does not look like one.

    Users can type ``/anything`` and Rasa takes ``anything`` as the intent, so a name
    that is not an identifier, or that redaction would change, is not stored.
    """
    if not isinstance(value, str) or len(value) > limit or not _NAME.match(value):
        return None
    return value if redact(value).text == value else None


def _optional_str(container: dict[str, Any], key: str, what: str) -> str | None:
    value = container.get(key)
    if value is not None and not isinstance(value, str):
        raise Malformed(f"{what} is not a string")
    return value


def _key_pair(value: Any, what: str) -> tuple[str, str]:
    if not isinstance(value, dict):
        raise Malformed(f"{what} is not an object")
    # Conversations stored before guidance steps had that name say "action" (reply_contract).
    topic = value.get(Key.TOPIC)
    step = value.get(Key.STEP, value.get(Key.LEGACY_STEP))
    if not isinstance(topic, str) or not isinstance(step, str) or not topic or not step:
        raise Malformed(f"{what} lacks a topic or step")
    if len(topic) > 32 or len(step) > 80:
        raise Malformed(f"{what} has an over-long topic or step id")
    return _clean(topic), _clean(step)


def _timestamp(row: Any, data: dict[str, Any]) -> tuple[float, datetime]:
    raw = data.get("timestamp", row.timestamp)
    if raw is None:
        raw = row.timestamp
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(raw):
        raise Malformed("no usable timestamp")
    try:
        at = datetime.fromtimestamp(raw, tz=timezone.utc).replace(tzinfo=None)
    except (OverflowError, OSError, ValueError) as error:
        raise Malformed("timestamp out of range") from error
    return float(raw), at


def _user(data: dict[str, Any]) -> UserTurn:
    parse_data = data.get("parse_data") or {}
    if not isinstance(parse_data, dict):
        raise Malformed("parse_data is not an object")
    intent = parse_data.get("intent") or {}
    if not isinstance(intent, dict):
        raise Malformed("intent is not an object")
    confidence = intent.get("confidence")
    if isinstance(confidence, bool) or not isinstance(confidence, (int, float)) or not math.isfinite(
        confidence
    ):
        confidence = None
    entities = parse_data.get("entities") or []
    if not isinstance(entities, list) or not all(isinstance(e, dict) for e in entities):
        raise Malformed("entities are not a list of objects")
    types: list[str] = []
    for entity in entities:
        name = _safe_name(entity.get("entity"))
        if name and name not in types:
            types.append(name)
    action_ids = tuple(str(e["value"]) for e in entities
                       if e.get("entity") in STEP_ENTITIES and isinstance(e.get("value"), str))
    text = _optional_str(data, "text", "text")
    return UserTurn(
        # Web addresses and domains identify a business (the checks ask for them): masked too.
        text=mask_addresses(redact(_clean(text)).text) if text is not None else None,
        intent=_safe_name(intent.get("name")),
        confidence=float(confidence) if confidence is not None else None,
        entity_types=tuple(types),
        action_ids=action_ids,
        channel=_clip(_optional_str(data, "input_channel", "input_channel"), 32),
    )


def _bot(data: dict[str, Any]) -> BotReply:
    body = data.get("data")
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise Malformed("bot data is not an object")
    custom = body.get("custom")
    if not isinstance(custom, dict):
        return BotReply(None, (), None, None)  # not part of the reply contract
    topic = _optional_str(custom, Key.TOPIC, "custom.topic")
    if topic is not None and not 0 < len(topic) <= 32:
        raise Malformed("custom.topic is empty or over-long")
    plan = custom.get(Key.PLAN)
    if plan is not None and not isinstance(plan, list):
        raise Malformed("custom.plan is not a list")
    return BotReply(
        topic=_clean(topic) if topic else None,
        plan=tuple(_key_pair(item, "a custom.plan item") for item in plan or ()),
        commitment=_key_pair(custom[Key.COMMITMENT], "custom.commitment")
        if custom.get(Key.COMMITMENT) else None,
        done=_key_pair(custom[Key.DONE], "custom.done") if custom.get(Key.DONE) else None,
        check=_check(custom[Key.CHECK]) if custom.get(Key.CHECK) else None,
    )


CHECK_KINDS = frozenset({"website", "email_domain"})
CHECK_OUTCOMES = frozenset({"checked", "refused", "unreachable", "rate_limited"})
CHECK_STATUSES = frozenset({"pass", "warning", "fail"})


def _check(value: Any) -> CheckSummary:
    """``custom.check`` (bot/checks/reply.py): kind, outcome and each finding's id and status."""
    if not isinstance(value, dict):
        raise Malformed("custom.check is not an object")
    kind, outcome = value.get(Key.KIND), value.get(Key.OUTCOME)
    findings = value.get(Key.FINDINGS) or []
    if kind not in CHECK_KINDS or outcome not in CHECK_OUTCOMES or not isinstance(findings, list):
        raise Malformed("custom.check has an unknown kind or outcome")
    pairs: list[tuple[str, str]] = []
    for finding in findings:
        if not isinstance(finding, dict) or finding.get(Key.STATUS) not in CHECK_STATUSES:
            raise Malformed("a custom.check finding has no valid status")
        name = _safe_name(finding.get(Key.ID), 32)
        if name is None:
            raise Malformed("a custom.check finding has no valid id")
        pairs.append((name, str(finding[Key.STATUS])))
    return CheckSummary(str(kind), str(outcome), tuple(pairs))


def parse(row: Any) -> Event:
    """One ``events`` row as an :class:`Event`; raises :class:`Malformed`."""
    if not isinstance(row.sender_id, str) or not row.sender_id:
        raise Malformed("no sender id")
    if row.type_name not in RASA_EVENT_TYPES:
        raise Malformed("unknown event type")
    try:
        data = json.loads(row.data) if row.data is not None else None
    except (TypeError, ValueError) as error:
        raise Malformed("data is not valid JSON") from error
    if not isinstance(data, dict):
        raise Malformed("data is not a JSON object")
    if data.get("event", row.type_name) != row.type_name:
        raise Malformed("data.event disagrees with type_name")
    timestamp, at = _timestamp(row, data)
    payload: Payload = None
    if row.type_name == "user":
        payload = _user(data)
    elif row.type_name == "bot":
        payload = _bot(data)
    elif row.type_name == "slot":
        name = data.get("name")
        if not isinstance(name, str):
            raise Malformed("slot event without a slot name")
        payload = SlotChange(name, data.get("value"))
    elif row.type_name == "session_started":
        payload = SessionStart()
    elif row.type_name in ("restart", "reset_slots"):
        payload = SlotsReset()
    return Event(row.id, row.sender_id, timestamp, at, payload)


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

    def __init__(self, session: Session, pseudonyms: Pseudonyms, report: IngestReport) -> None:
        self.session = session
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
            for start in range(0, len(wanted), PREFETCH_CHUNK):
                chunk = wanted[start:start + PREFETCH_CHUNK]
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

    def commitment(self, visitor_key: str, action: str) -> Commitment | None:
        found: Commitment | None = self.session.execute(
            sa.select(Commitment).where(Commitment.visitor_key == visitor_key,
                                        Commitment.action == action)
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
                                      helpful=FEEDBACK_INTENTS[turn.intent]))
            self.report.feedback += 1
        if turn.intent in FOLLOW_UP_INTENTS:
            self.follow_up(state, event, turn, FOLLOW_UP_INTENTS[turn.intent])

    def follow_up(self, state: _Sender, event: Event, turn: UserTurn, status: str) -> None:
        """Not yet / no longer planning, for the action named, else the only open one."""
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
            turn = self.latest_turn(state, conversation)
            if turn is not None:
                topics = turn.topics.split(",") if turn.topics else []
                if reply.topic not in topics:
                    turn.topics = _join([*topics, reply.topic])
        for position, (topic, action) in enumerate(reply.plan, start=1):
            self.session.add(PlanItem(
                conversation_key=conversation.conversation_key, visitor_key=state.visitor_key,
                at=event.at, position=position, topic=topic, action=action,
                **self.snapshot(conversation),
            ))
            self.report.plan_items += 1
        if reply.plan:
            conversation.got_plan = True
        if reply.check:
            self.check_run(state, conversation, event, reply.check)
        if reply.commitment:
            self.commit(state, conversation, event, *reply.commitment)
        if reply.done:
            self.done(state, conversation, event, *reply.done)

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

    def commit(self, state: _Sender, conversation: Conversation, event: Event, topic: str,
               action: str) -> None:
        existing = self.commitment(state.visitor_key, action)
        if existing is None:
            self.session.add(Commitment(
                visitor_key=state.visitor_key, conversation_key=conversation.conversation_key,
                topic=topic, action=action, committed_at=event.at, status="open",
                status_at=event.at, done_at=None, **self.snapshot(conversation),
            ))
        elif existing.status == "done":
            return  # committing again to something done does not undo it
        else:
            existing.status, existing.status_at = "open", event.at
        self.report.commitments += 1

    def done(self, state: _Sender, conversation: Conversation, event: Event, topic: str,
             action: str) -> None:
        existing = self.commitment(state.visitor_key, action)
        if existing is None:
            # Done without saying so first still counts as uptake.
            self.session.add(Commitment(
                visitor_key=state.visitor_key, conversation_key=conversation.conversation_key,
                topic=topic, action=action, committed_at=event.at, status="done",
                status_at=event.at, done_at=event.at, **self.snapshot(conversation),
            ))
        elif existing.status == "done":
            return
        else:
            existing.status, existing.status_at, existing.done_at = "done", event.at, event.at
        self.report.commitments += 1


# ---- batches ----------------------------------------------------------------------------


EngineOrUrl = Union[Engine, str]


@contextmanager
def using_engine(value: EngineOrUrl | None, factory: Callable[[str | None], Engine]) -> Iterator[Engine]:
    if isinstance(value, Engine):
        yield value
        return
    engine = factory(value)
    try:
        yield engine
    finally:
        engine.dispose()


@contextmanager
def analytics_errors(engine: Engine) -> Iterator[None]:
    try:
        yield
    except (OperationalError, sa.exc.InterfaceError) as error:
        raise AnalyticsUnavailable(
            f"analytics database unreachable ({describe(engine.url)}): {error.orig}"
        ) from error
    except DBAPIError as error:
        if error.connection_invalidated:
            raise AnalyticsUnavailable(
                f"analytics database connection lost ({describe(engine.url)}): {error.orig}"
            ) from error
        raise


def tracker_file_missing(engine: Engine) -> bool:
    """True for a SQLite tracker store whose file Rasa has not created yet."""
    url = engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return False
    return not Path(url.database).exists()  # connecting would create an empty file


def _read_events(engine: Engine, after: int, limit: int) -> list[Any]:
    if tracker_file_missing(engine):
        return []  # Rasa has not written anything yet
    query = sa.select(EVENTS.c.id, EVENTS.c.sender_id, EVENTS.c.type_name, EVENTS.c.timestamp,
                      EVENTS.c.data).where(EVENTS.c.id > after).order_by(EVENTS.c.id).limit(limit)
    try:
        with engine.connect() as connection:
            rows = list(connection.execute(query))
            if not rows and after > 0:
                newest = connection.execute(sa.select(sa.func.max(EVENTS.c.id))).scalar()
                if newest is None or newest < after:
                    raise TrackerReset(
                        f"the tracker store's newest event id ({newest}) is below the checkpoint "
                        f"({after}): it was reset or replaced, and its new events would never be "
                        "read. Event ids are only unique within one tracker store: give a new "
                        "tracker store a new analytics database (DATABASE_URL)."
                    )
            return rows
    except (OperationalError, ProgrammingError) as error:
        try:
            if not sa.inspect(engine).has_table("events"):
                return []  # Rasa creates the table when it starts
        except SQLAlchemyError:
            pass
        raise TrackerUnavailable(f"tracker store unreadable ({describe(engine.url)}): {error.orig}") \
            from error
    except SQLAlchemyError as error:
        raise TrackerUnavailable(f"tracker store unreadable ({describe(engine.url)}): {error}") \
            from error


def _settled(rows: list[Any], after: int, now: float) -> list[Any]:
    """The rows up to the first recent gap in ids (a transaction that may still commit)."""
    expected = after + 1
    for index, row in enumerate(rows):
        recent = isinstance(row.timestamp, (int, float)) and row.timestamp > now - GAP_GRACE_SECONDS
        if row.id != expected and recent:
            return rows[:index]
        expected = row.id + 1
    return rows


def _state_row(engine: Engine, source: str) -> None:
    """Make sure ``ingest_state`` has this source's row (and that the schema exists)."""
    with analytics_errors(engine):
        if not sa.inspect(engine).has_table(IngestState.__tablename__):
            raise SchemaMissing(
                f"the analytics database ({describe(engine.url)}) has no tables yet: run `bot migrate`"
            )
        try:
            with Session(engine, future=True) as session, session.begin():
                exists = session.execute(
                    sa.select(IngestState.id).where(IngestState.source == source)
                ).first()
                if exists is None:
                    session.add(IngestState(source=source, last_event_id=0, skipped=0))
        except IntegrityError:
            pass  # two first runs at once: the other one created the row


def _batch(tracker: Engine, analytics: Engine, pseudonyms: Pseudonyms, batch_size: int, source: str,
           clock: Callable[[], float]) -> tuple[IngestReport, bool]:
    """One batch in one transaction; returns its report and whether more may be waiting."""
    report = IngestReport()
    with analytics_errors(analytics), Session(analytics, future=True) as session, session.begin():
        now = clock()
        wall = datetime.fromtimestamp(now, tz=timezone.utc).replace(tzinfo=None)
        # Writing first takes the lock (row lock on PostgreSQL, write lock on SQLite), so a
        # second ingester waits here and then reads the checkpoint this one commits.
        session.execute(sa.update(IngestState).where(IngestState.source == source)
                        .values(updated_at=wall))
        state = session.execute(
            sa.select(IngestState).where(IngestState.source == source)
        ).scalar_one()
        fetched = _read_events(tracker, state.last_event_id, batch_size)
        rows = _settled(fetched, state.last_event_id, now)
        if not rows:
            report.last_event_id = state.last_event_id
            return report, False
        events: list[Event] = []
        for row in rows:
            try:
                events.append(parse(row))
            except Malformed as problem:
                logger.warning("Skipping tracker event %s (type %r): %s", row.id, row.type_name, problem)
                report.skipped += 1
        writer = _Writer(session, pseudonyms, report)
        writer.prefetch(event.sender_id for event in events if event.payload is not None)
        for event in events:
            writer.apply(event)
        report.events = len(rows)
        report.batches = 1
        report.last_event_id = rows[-1].id
        state.last_event_id = rows[-1].id
        state.skipped += report.skipped
        state.updated_at = wall
    return report, len(rows) == len(fetched) == batch_size


def ingest_once(
    tracker_url: EngineOrUrl | None = None,
    analytics_url: EngineOrUrl | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    *,
    secret: str | None = None,
    source: str = SOURCE,
    max_batches: int | None = None,
    progress: Callable[[IngestReport], None] | None = None,
    clock: Callable[[], float] = time.time,
) -> IngestReport:
    """Ingest every event past the checkpoint, one committed batch at a time.

    URLs default to ``TRACKER_STORE_URL`` and ``DATABASE_URL`` (bot.storage.database);
    engines may be passed instead, to reuse their connection pools. ``max_batches`` stops
    early (a crash between batches looks the same). Raises :class:`AnalyticsUnavailable`,
    :class:`TrackerUnavailable`, :class:`SchemaMissing` or :class:`TrackerReset`; a failed
    batch commits nothing, so calling again later loses and repeats nothing.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    pseudonyms = Pseudonyms(secret) if secret else Pseudonyms.from_environment()
    total = IngestReport()
    with using_engine(tracker_url, tracker_engine) as tracker, \
            using_engine(analytics_url, create_engine) as analytics:
        _state_row(analytics, source)
        while max_batches is None or total.batches < max_batches:
            report, more = _batch(tracker, analytics, pseudonyms, batch_size, source, clock)
            total.add(report)
            if report.events and progress is not None:
                progress(total)
            if not more:
                break
    return total


def follow(
    tracker_url: EngineOrUrl | None = None,
    analytics_url: EngineOrUrl | None = None,
    *,
    interval: float = 2.0,
    batch_size: int = DEFAULT_BATCH_SIZE,
    secret: str | None = None,
    migrate: bool = False,
    refresh_every: float = ROLLUP_REFRESH_DEFAULT_SECONDS,
    stop: Callable[[], bool] = lambda: False,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    progress: Callable[[IngestReport], None] | None = None,
) -> None:
    """Ingest every ``interval`` seconds until ``stop()``; never gives up on errors.

    When a database is unreachable the error is logged and retried after 1, 2, 4, 8 and
    then every 10 seconds; since a failed batch commits nothing, nothing is lost. Any other
    error is logged with its traceback and retried the same way: ingestion must not take
    the assistant down (``make run`` stops every process when one exits).

    The metric rollups are refreshed once new events are in, but at most once every
    ``refresh_every`` seconds: a refresh recomputes each changed day whole, so on a busy
    day refreshing after every pass cost more CPU than the ingestion itself. The staff
    dashboard, which reads the rollups, is at most about ``refresh_every + interval``
    seconds behind; ``bot report`` refreshes before it reads.
    """
    from bot.storage.database import upgrade

    if refresh_every < 0:
        raise ValueError("refresh_every must not be negative")
    resolved_secret = secret or Pseudonyms.from_environment().secret
    failures = 0
    stale, refreshed_at = False, -math.inf
    with using_engine(tracker_url, tracker_engine) as tracker, \
            using_engine(analytics_url, create_engine) as analytics:
        migrated = not migrate
        while not stop():
            try:
                if not migrated:
                    with analytics_errors(analytics):
                        upgrade(analytics)
                    migrated = True
                report = ingest_once(tracker, analytics, batch_size, secret=resolved_secret,
                                     progress=progress)
                stale = stale or report.events > 0
                if stale and clock() - refreshed_at >= refresh_every:
                    from bot.analytics.refresh import refresh_rollups

                    with analytics_errors(analytics), analytics.begin() as connection:
                        refresh_rollups(connection)
                    stale, refreshed_at = False, clock()
            except Exception as error:  # noqa: BLE001 - see docstring
                failures += 1
                delay = min(_BACKOFF_MAX_SECONDS, 2.0 ** (failures - 1))
                if isinstance(error, IngestError):
                    logger.error("Ingestion paused: %s. Retrying in %.0f s.", error, delay)
                else:
                    logger.exception("Ingestion failed unexpectedly; retrying in %.0f s.", delay)
                sleep(delay)
                continue
            if failures:
                logger.info("Ingestion resumed after %d failed attempts (up to event %s).", failures,
                            report.last_event_id)
                failures = 0
            sleep(interval)
