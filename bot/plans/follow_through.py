"""Counting whether kept plans are acted on: per week and segment, with no one in the rows.

Each event is a row with its week and the business's size, sector and nation (from the
conversation's profile). No visitor key, link token or email address is written, so the
counts can go on the dashboard's funnel and into exports as they are; bot/analytics/follow_through.py
counts them for the staff pages.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable, Literal, Mapping

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.storage.models import PlanFollowThrough

Kind = Literal["link_created", "link_opened", "plan_emailed", "reminder_sent", "done_after_reminder",
               "unsubscribed"]
KINDS: tuple[Kind, ...] = ("link_created", "link_opened", "plan_emailed", "reminder_sent",
                           "done_after_reminder", "unsubscribed")


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _monday(at: datetime) -> date:
    return (at - timedelta(days=at.weekday())).date()


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value and value != "unknown" else None


def record(engine: Engine, kind: Kind, slots: Mapping[str, Any],
           clock: Callable[[], datetime] = _now) -> None:
    """Count one event for the business these slots describe."""
    at = clock()
    with engine.begin() as connection:
        connection.execute(sa.insert(PlanFollowThrough).values(
            at=at, week=_monday(at), kind=kind, size=_text(slots.get("size")),
            sector=_text(slots.get("sector")), nation=_text(slots.get("nation"))))

