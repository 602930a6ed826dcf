"""Signed-in sessions: a random cookie token, stored only as its SHA-256, with a CSRF token.

A session ends when unused for ``STAFF_SESSION_IDLE_MINUTES`` or
``STAFF_SESSION_MAX_HOURS`` after sign-in, on sign-out, and when its account is disabled
or its password reset. Each session has its own CSRF token, which every form carries.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.storage.models import StaffSession, StaffUser
from bot.web.staff import config
from bot.web.staff.accounts import Staff

SESSIONS: sa.Table = StaffSession.__table__
USERS: sa.Table = StaffUser.__table__
#: last_seen_at is written at most this often, so reading pages does not write every time.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class SignedIn:
    staff: Staff
    csrf_token: str
    session_id: int


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(conn: Connection, staff: Staff, now: datetime) -> str:
    """Create a session for ``staff``; returns the token for the cookie.

    Sessions that have ended by time are deleted here, so the table stays small.
    """
    idle = timedelta(minutes=config.session_idle_minutes())
    longest = timedelta(hours=config.session_max_hours())
    conn.execute(sa.delete(SESSIONS).where(sa.or_(SESSIONS.c.last_seen_at <= now - idle,
                                                  SESSIONS.c.created_at <= now - longest)))
    token = secrets.token_urlsafe(32)
    conn.execute(sa.insert(SESSIONS).values(token_hash=token_hash(token), staff_id=staff.id,
                                            csrf_token=secrets.token_urlsafe(32), created_at=now,
                                            last_seen_at=now))
    return token


def lookup(conn: Connection, token: str | None, now: datetime) -> SignedIn | None:
    """The live session of ``token`` (touching it), or None; expired sessions are deleted."""
    if not token:
        return None
    row = conn.execute(
        sa.select(SESSIONS.c.id, SESSIONS.c.csrf_token, SESSIONS.c.created_at, SESSIONS.c.last_seen_at,
                  USERS.c.id.label("staff_id"), USERS.c.username, USERS.c.role, USERS.c.active)
        .select_from(SESSIONS.join(USERS, USERS.c.id == SESSIONS.c.staff_id))
        .where(SESSIONS.c.token_hash == token_hash(token))).first()
    if row is None:
        return None
    idle = timedelta(minutes=config.session_idle_minutes())
    longest = timedelta(hours=config.session_max_hours())
    if not row.active or row.last_seen_at + idle <= now or row.created_at + longest <= now:
        conn.execute(sa.delete(SESSIONS).where(SESSIONS.c.id == row.id))
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        conn.execute(sa.update(SESSIONS).where(SESSIONS.c.id == row.id).values(last_seen_at=now))
    staff = Staff(id=row.staff_id, username=row.username, role=row.role, active=True)
    return SignedIn(staff=staff, csrf_token=row.csrf_token, session_id=row.id)


def end(conn: Connection, token: str | None) -> None:
    if token:
        conn.execute(sa.delete(SESSIONS).where(SESSIONS.c.token_hash == token_hash(token)))


def tokens_match(expected: str, given: str | None) -> bool:
    return bool(given) and secrets.compare_digest(expected.encode(), str(given).encode())
