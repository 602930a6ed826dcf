"""Private links to a plan: an unguessable token, stored only as its hash, that expires.

The URL holds nothing but the token. The row maps the token's hash to the conversation's
sender id (the widget's random visitor id), so the page can show that conversation's plan
and carry the chat on. A forged token matches no row; an old one is past ``expires_at``.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.storage.models import PlanLink, ReminderSubscription

TOKEN_BYTES = 32
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{40,64}$")


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


@dataclass(frozen=True)
class Opened:
    """The outcome of opening a link: the conversation it belongs to, or why not."""

    status: Literal["ok", "expired", "unknown"]
    sender_id: str | None = None
    expires_at: datetime | None = None
    first_open: bool = False


def create(engine: Engine, sender_id: str, days: int,
           clock: Callable[[], datetime] = _now) -> tuple[str, datetime]:
    """A new link for this conversation: the token (shown once) and when it stops working."""
    if not sender_id:
        raise ValueError("a plan link needs the conversation's sender id")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = clock()
    expires = now + timedelta(days=days)
    with Session(engine, future=True) as session, session.begin():
        session.add(PlanLink(token_hash=token_hash(token), sender_id=sender_id,
                             created_at=now, expires_at=expires))
    return token, expires


def open_link(engine: Engine, token: str, clock: Callable[[], datetime] = _now) -> Opened:
    """Look a token up; a malformed one is refused without touching the database."""
    if not _TOKEN.match(token or ""):
        return Opened("unknown")
    with Session(engine, future=True) as session, session.begin():
        row = session.execute(
            sa.select(PlanLink).where(PlanLink.token_hash == token_hash(token))
        ).scalar_one_or_none()
        if row is None:
            return Opened("unknown")
        if row.expires_at <= clock():
            return Opened("expired", expires_at=row.expires_at)
        first = row.opened_at is None
        if first:
            row.opened_at = clock()
        return Opened("ok", sender_id=row.sender_id, expires_at=row.expires_at, first_open=first)


def delete_expired(engine: Engine, clock: Callable[[], datetime] = _now) -> int:
    """Remove links past their expiry, and any reminder address kept for them (the retention
    purge calls this). Returns how many links went."""
    expired = sa.select(PlanLink.id).where(PlanLink.expires_at <= clock()).scalar_subquery()
    with engine.begin() as connection:
        connection.execute(sa.delete(ReminderSubscription).where(
            ReminderSubscription.link_id.in_(expired)))
        return int(connection.execute(
            sa.delete(PlanLink).where(PlanLink.expires_at <= clock())).rowcount)
