"""A conversation's plan, read back from its slots: the steps, where each stands, the profile.

The action server keeps the plan in slots (``plan_steps``, ``commitments``, ``done_steps``,
``dropped_steps`` and the profile attributes). The actions read them from the tracker; the
web process, which serves the printable page and the PDF, replays the conversation's slot
events from Rasa's tracker store (``slots_from_events``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.guidance.knowledge.loader import KnowledgeBase
from bot.guidance.profile import BusinessProfile
from bot.guidance.tailoring import rank_steps
from bot.plans.progress import StepState, plan_states

PLAN_SLOT = "plan_steps"
DROPPED_SLOT = "dropped_steps"
_EVENTS = sa.table("events", sa.column("id"), sa.column("sender_id"), sa.column("type_name"),
                   sa.column("data"))


def _strings(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


@dataclass(frozen=True)
class PlanView:
    """Everything the printable page and the PDF show."""

    profile: BusinessProfile
    states: list[StepState]
    whys: dict[str, str]

    @property
    def empty(self) -> bool:
        return not self.states


def plan_view(kb: KnowledgeBase, slots: Mapping[str, Any]) -> PlanView:
    profile = BusinessProfile.from_slots(slots)
    states = plan_states(kb, _strings(slots.get(PLAN_SLOT)), _strings(slots.get("commitments")),
                         _strings(slots.get("done_steps")), _strings(slots.get(DROPPED_SLOT)))
    ranked = rank_steps([s.step for s in states], profile)
    return PlanView(profile, states, {item.step.id: item.why for item in ranked})


def slots_from_events(events: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The slot values after these events, as Rasa would have them (a new session resets them,
    then ``action_session_start`` sets the carried-over ones again)."""
    slots: dict[str, Any] = {}
    for event in events:
        kind = event.get("event")
        if kind in ("session_started", "restart"):
            slots = {}
        elif kind == "slot" and isinstance(event.get("name"), str):
            slots[event["name"]] = event.get("value")
    return slots


def stored_slots(tracker: Engine, sender_id: str) -> dict[str, Any]:
    """The conversation's slots from Rasa's SQL tracker store."""
    query = (sa.select(_EVENTS.c.data)
             .where(_EVENTS.c.sender_id == sender_id,
                    _EVENTS.c.type_name.in_(("slot", "session_started", "restart")))
             .order_by(_EVENTS.c.id))
    with tracker.connect() as connection:
        rows = connection.execute(query).scalars().all()
    events = []
    for raw in rows:
        try:
            events.append(json.loads(raw))
        except (TypeError, ValueError):
            continue
    return slots_from_events(events)
