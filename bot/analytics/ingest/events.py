"""Stage one of ingestion: one tracker-store row becomes a typed event, or ``Malformed``.

Pure parsing: no database, no state. Each reply-contract key the record keeps is read
here (``_bot`` for ``custom.*``): a new kind of reply (an answer id, a "human asked for"
flag) is one field on :class:`BotReply` and one line in ``_bot``, then the writer
(bot/analytics/ingest/writer.py) decides what rows it gives.
"""

from __future__ import annotations

import json
import logging
import math
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Union

from bot.analytics.ingest.report import Malformed
from bot.checks.addresses import mask_addresses
from bot.privacy.redaction import redact
from bot.reply_contract import Key

logger = logging.getLogger(__name__)

#: The entity that names a guidance step in a button payload, and its name in older conversations.
STEP_ENTITIES = frozenset({"step_id", "action_id"})
#: Every event type Rasa 3.6 writes (rasa/shared/core/events.py); others are malformed.
RASA_EVENT_TYPES = frozenset({
    "user", "user_featurization", "entities", "bot", "slot", "restart", "rewind", "reset_slots",
    "reminder", "cancel_reminder", "undo", "export", "followup", "pause", "resume", "action",
    "agent", "active_loop", "form", "loop_interrupted", "form_validation",
    "action_execution_rejected", "session_started",
})
_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_./-]*$")


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
class IncidentSummary:
    """An urgent-path reply (``custom.incident``): the incident kind and reporting routes given."""

    kind: str
    routes: tuple[str, ...]
    human: bool


@dataclass(frozen=True)
class BotReply:
    topic: str | None
    plan: tuple[tuple[str, str], ...]
    commitment: tuple[str, str] | None
    done: tuple[str, str] | None
    check: CheckSummary | None = None
    incident: IncidentSummary | None = None
    undone: tuple[str, str] | None = None
    answer: str | None = None  # the specific answer's id (``custom.answer``)
    human: bool = False  # the owner asked for a person (``custom.human``)
    language: str | None = None  # a language the assistant does not answer in (``custom.language``)


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
        incident=_incident(custom) if custom.get(Key.INCIDENT) else None,
        undone=_key_pair(custom[Key.UNDONE], "custom.undone") if custom.get(Key.UNDONE) else None,
        answer=_name_or_malformed(custom, Key.ANSWER, 80),
        human=custom.get(Key.HUMAN) is True,
        language=_language(custom.get(Key.LANGUAGE)),
    )


_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")


def _name_or_malformed(custom: dict[str, Any], key: str, limit: int) -> str | None:
    """A knowledge-base id under ``key``, None when absent; anything else is malformed."""
    value = custom.get(key)
    if value is None:
        return None
    name = _safe_name(value, limit)
    if name is None:
        raise Malformed(f"custom.{key} is not an id")
    return name


def _language(value: Any) -> str | None:
    """A language code such as ``cy``; the detector's codes only, never free text."""
    if value is None:
        return None
    if not isinstance(value, str) or not _LANGUAGE.match(value):
        raise Malformed("custom.language is not a language code")
    return value


def _incident(custom: dict[str, Any]) -> IncidentSummary:
    """``custom.incident`` with ``custom.reporting`` and ``custom.human``: knowledge-base ids only."""
    kind = _safe_name(custom.get(Key.INCIDENT), 40)
    if kind is None:
        raise Malformed("custom.incident is not an incident id")
    routes = custom.get(Key.REPORTING) or []
    if not isinstance(routes, list):
        raise Malformed("custom.reporting is not a list")
    names = [_safe_name(route, 40) for route in routes]
    if any(name is None for name in names):
        raise Malformed("custom.reporting holds something that is not a route id")
    return IncidentSummary(kind=kind, routes=tuple(str(name) for name in names),
                           human=custom.get(Key.HUMAN) is True)


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


