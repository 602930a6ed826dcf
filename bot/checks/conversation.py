"""What a check changes in the conversation: the reply with what changed since last time,
the provider it learned for the profile, the problems it found for the plan, the address
kept (with the profile) for a re-check, and the welcome back with the stored history.

The actions call :func:`after_check` and turn ``slots`` into slot events; nothing here
imports Rasa.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, Mapping

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.checks import catalogue, history, plan_links
from bot.checks.findings import CheckResult
from bot.checks.reply import check_reply
from bot.checks.service import target_key
from bot.guidance.knowledge.loader import KnowledgeBase
from bot.guidance.profile import BusinessProfile
from bot.guidance.replies import Message, Reply
from bot.privacy.pseudonyms import visitor_key

LOG = logging.getLogger(__name__)
PROVIDER_NOTED = ("Your email domain's records show {name}, so I've noted that you use it. "
                  "If that's wrong, just tell me which email service you use.")
#: Slots the checks keep: problems for the plan, addresses for a re-check, last results.
FAILURES_SLOT = "check_failures"
ADDRESSES_SLOT = "checked_addresses"
LAST_SLOT = "last_checks"


@dataclass
class CheckTurn:
    reply: Reply
    slots: dict[str, Any] = field(default_factory=dict)


@lru_cache(maxsize=1)
def _engine() -> Engine:
    from bot.storage.database import create_engine

    return create_engine()


def _compare_and_keep(result: CheckResult, sender: str, address: str,
                      engine: Engine | None) -> tuple[list[Any], bool]:
    """The changes since this visitor's last run of this check, then this run stored."""
    if result.outcome != "checked":
        return [], False
    try:
        engine = engine or _engine()
        visitor = visitor_key(sender)
        target = history.target_key(result.kind, target_key(result.kind, address))
        before = history.last_run(engine, visitor, target, result.kind)
        if not result.cached:
            history.record(engine, visitor, target, result)
    except (SQLAlchemyError, OSError) as error:  # no history is no reason to fail the check
        LOG.warning("check history unavailable: %s", type(error).__name__)
        return [], False
    return history.changes(before, result), before is not None


def after_check(kb: KnowledgeBase, result: CheckResult, profile: BusinessProfile,
                slots: Mapping[str, Any], sender: str, address: str,
                engine: Engine | None = None) -> CheckTurn:
    """The reply to a check and the slot values it sets."""
    changes, compared = _compare_and_keep(result, sender, address, engine)
    reply = check_reply(kb, result, profile, changes=changes, compared=compared)
    values: dict[str, Any] = {}
    if result.outcome != "checked":
        return CheckTurn(reply, values)
    if result.provider and profile.cloud is None:
        values["cloud"] = [result.provider]
        reply.messages.insert(1, Message(text=PROVIDER_NOTED.format(name=result.provider_name)))
    kept = slots.get(FAILURES_SLOT)
    values[FAILURES_SLOT] = plan_links.merge(kept if isinstance(kept, list) else [], result)
    addresses = slots.get(ADDRESSES_SLOT)
    values[ADDRESSES_SLOT] = {**(addresses if isinstance(addresses, dict) else {}),
                              result.kind: address}
    last = slots.get(LAST_SLOT)
    summary = {"score": result.score(), "problems": sum(1 for f in result.findings
                                                       if f.status != "pass")}
    values[LAST_SLOT] = {**(last if isinstance(last, dict) else {}), result.kind: summary}
    return CheckTurn(reply, values)


def stored_address(kind: str, slots: Mapping[str, Any]) -> str | None:
    """The address this conversation checked before, for "check it again"."""
    addresses = slots.get(ADDRESSES_SLOT)
    value = addresses.get(kind) if isinstance(addresses, dict) else None
    return str(value) if value else None


NAMES = {"website": "website", "email_domain": "email domain"}
AGAIN = 'Say "check my website again" or "check my email again" to see what has changed.'
NOW_LABELS = {"pass": "now OK", "warning": "now worth fixing", "fail": "now needs fixing",
              "gone": "no longer checked"}


def _day(moment: datetime) -> str:
    return f"{moment.day} {moment:%B %Y}"


def _from_slots(slots: Mapping[str, Any]) -> str | None:
    """The last scores kept in the conversation (no dates, no changes): the fallback."""
    last = slots.get(LAST_SLOT)
    if not isinstance(last, dict) or not last:
        return None
    parts = [f"your {NAMES[kind]} scored {value.get('score')} out of 100"
             for kind, value in sorted(last.items())
             if kind in NAMES and isinstance(value, dict) and value.get("score") is not None]
    if not parts:
        return None
    return f"Welcome back. When I last checked, {' and '.join(parts)}. {AGAIN}"


def _stored_run_text(newest: history.StoredRun, previous: history.StoredRun | None) -> str:
    score = f"scored {newest.score} out of 100" if newest.score is not None else "was checked"
    text = f"Your {NAMES[newest.kind]} {score} when I checked it on {_day(newest.at)}."
    if previous is None:
        return text
    changed = history.run_changes(previous, newest)
    if not changed:
        return f"{text} Nothing had changed since the check before, on {_day(previous.at)}."
    lines = "; ".join(f"{catalogue.title(c['id'])}: {NOW_LABELS[c['after']]}" for c in changed)
    return f"{text} Since your check before that, on {_day(previous.at)}: {lines}."


def _from_history(engine: Engine, sender: str, now: datetime) -> str | None:
    pairs = [(newest, previous) for newest, previous
             in history.newest_with_previous(engine, visitor_key(sender)) if newest.kind in NAMES]
    if not pairs:
        return None
    parts = [_stored_run_text(newest, previous) for newest, previous in pairs]
    due = any(history.due(newest, now=now) for newest, _ in pairs)
    again = ("That was a month or more ago, so it's worth checking again. " if due else "") + AGAIN
    return " ".join(["Welcome back.", *parts, again])


def welcome_back(slots: Mapping[str, Any], sender: str | None = None,
                 engine: Engine | None = None, now: datetime | None = None) -> str | None:
    """On a return visit: each check's last score and date, what changed between the last two
    stored runs, whether a monthly re-check is due, and how to check again.

    Read from ``check_history`` for a conversation that ran a check (its slots say so); the
    scores kept in the slots are the fallback when the history is gone (purged) or cannot be
    read. ``None`` when the conversation never ran a check.
    """
    fallback = _from_slots(slots)
    if sender is None or not (fallback or slots.get(ADDRESSES_SLOT)):
        return fallback
    try:
        found = _from_history(engine or _engine(), sender, now or datetime.now(timezone.utc))
    except (SQLAlchemyError, OSError) as error:  # no history: the slots still know the scores
        LOG.warning("check history unavailable: %s", type(error).__name__)
        return fallback
    return found or fallback
