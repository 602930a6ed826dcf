"""Staff accounts: Argon2 password hashes, sign-in checks, slowing down and locking out.

Plain functions over a SQLAlchemy connection, so the command line, the web pages and the
tests share them. Failed sign-ins are counted per username, whether or not the account
exists, so a locked-out response does not reveal which usernames are real. After
:data:`SLOW_AFTER` failures each further attempt is answered more slowly; after
``STAFF_LOCKOUT_ATTEMPTS`` (10) the username is locked for ``STAFF_LOCKOUT_MINUTES`` (15),
and even the right password is refused until then (an admin can unlock it sooner).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Connection

from bot.storage.models import StaffLoginAttempt, StaffSession, StaffUser
from bot.web.staff import config

Role = Literal["analyst", "admin"]
ROLES: tuple[Role, ...] = ("analyst", "admin")
MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 256
#: Failures before answers start to slow down, and the slowest answer in seconds.
SLOW_AFTER = 3
SLOW_STEP_SECONDS = 0.25
SLOWEST_SECONDS = 2.0
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")

USERS: sa.Table = StaffUser.__table__
ATTEMPTS: sa.Table = StaffLoginAttempt.__table__
SESSIONS: sa.Table = StaffSession.__table__

_hasher = PasswordHasher()
#: Verified against when the username is unknown, so both cases take as long.
_DUMMY_HASH = _hasher.hash("not a real password, only for timing")


class AccountError(ValueError):
    """A request the account rules refuse; the message is fit to show to the person."""


@dataclass(frozen=True)
class Staff:
    id: int
    username: str
    role: str
    active: bool

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True)
class LoginResult:
    status: Literal["ok", "wrong", "locked"]
    staff: Staff | None = None
    #: Seconds the caller should wait before answering (slowing repeated failures).
    delay: float = 0.0
    locked_until: datetime | None = None


def normalise_username(username: str) -> str:
    return username.strip().lower()


def check_username(username: str) -> str:
    name = normalise_username(username)
    if not USERNAME.match(name):
        raise AccountError("Usernames are 2 to 64 characters: letters, numbers, dots, dashes, "
                           "underscores or @, starting with a letter or number.")
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(f"Passwords must be at least {MIN_PASSWORD_CHARS} characters long.")
    if len(password) > MAX_PASSWORD_CHARS:
        raise AccountError(f"Passwords must be at most {MAX_PASSWORD_CHARS} characters long.")
    return password


def check_role(role: str) -> Role:
    for known in ROLES:
        if role == known:
            return known
    raise AccountError(f"Role must be one of: {', '.join(ROLES)}.")


def hash_password(password: str) -> str:
    return _hasher.hash(check_password(password))


def _staff(row: Any) -> Staff:
    return Staff(id=row.id, username=row.username, role=row.role, active=bool(row.active))


def find(conn: Connection, username: str) -> Staff | None:
    row = conn.execute(sa.select(USERS).where(USERS.c.username == normalise_username(username))).first()
    return _staff(row) if row is not None else None


def get(conn: Connection, staff_id: int) -> Staff | None:
    row = conn.execute(sa.select(USERS).where(USERS.c.id == staff_id)).first()
    return _staff(row) if row is not None else None


def list_staff(conn: Connection) -> list[dict[str, Any]]:
    """Every account with its lock state, for the staff management page."""
    rows = conn.execute(
        sa.select(USERS.c.id, USERS.c.username, USERS.c.role, USERS.c.active, USERS.c.created_at,
                  USERS.c.last_login_at, ATTEMPTS.c.failures, ATTEMPTS.c.locked_until)
        .select_from(USERS.outerjoin(ATTEMPTS, ATTEMPTS.c.username == USERS.c.username))
        .order_by(USERS.c.username))
    return [dict(row._mapping) for row in rows]


def add(conn: Connection, username: str, role: str, password: str, now: datetime) -> Staff:
    name, chosen = check_username(username), check_role(role)
    if find(conn, name) is not None:
        raise AccountError(f"There is already an account called {name}.")
    hashed = hash_password(password)
    conn.execute(sa.insert(USERS).values(username=name, role=chosen, password_hash=hashed, active=True,
                                         created_at=now, password_changed_at=now))
    staff = find(conn, name)
    assert staff is not None
    return staff


def _existing(conn: Connection, username: str) -> Staff:
    staff = find(conn, username)
    if staff is None:
        raise AccountError(f"There is no account called {normalise_username(username)}.")
    return staff


def end_sessions(conn: Connection, staff_id: int) -> None:
    conn.execute(sa.delete(SESSIONS).where(SESSIONS.c.staff_id == staff_id))


def set_active(conn: Connection, username: str, active: bool) -> Staff:
    """Disable (signing out everywhere at once) or re-enable an account."""
    staff = _existing(conn, username)
    conn.execute(sa.update(USERS).where(USERS.c.id == staff.id).values(active=active))
    if not active:
        end_sessions(conn, staff.id)
    return Staff(staff.id, staff.username, staff.role, active)


def reset_password(conn: Connection, username: str, password: str, now: datetime) -> Staff:
    """Set a new password, end the account's sessions and clear any lock."""
    staff = _existing(conn, username)
    conn.execute(sa.update(USERS).where(USERS.c.id == staff.id)
                 .values(password_hash=hash_password(password), password_changed_at=now))
    end_sessions(conn, staff.id)
    unlock(conn, staff.username)
    return staff


def unlock(conn: Connection, username: str) -> None:
    conn.execute(sa.delete(ATTEMPTS).where(ATTEMPTS.c.username == normalise_username(username)))


def slow_delay(failures: int) -> float:
    """Seconds to hold back an answer after ``failures`` wrong passwords in a row."""
    if failures < SLOW_AFTER:
        return 0.0
    return min(SLOWEST_SECONDS, SLOW_STEP_SECONDS * (failures - SLOW_AFTER + 1))


def locked_until(conn: Connection, username: str, now: datetime) -> datetime | None:
    row = conn.execute(sa.select(ATTEMPTS.c.locked_until)
                       .where(ATTEMPTS.c.username == normalise_username(username))).first()
    if row is None or row.locked_until is None or row.locked_until <= now:
        return None
    until: datetime = row.locked_until
    return until


def _verify(password_hash: str, password: str) -> bool:
    try:
        return bool(_hasher.verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


def login(conn: Connection, username: str, password: str, now: datetime) -> LoginResult:
    """Check a sign-in, recording a failure or clearing past ones. Commit afterwards."""
    name = normalise_username(username)[:64]
    until = locked_until(conn, name, now)
    if until is not None:
        return LoginResult("locked", locked_until=until)
    row = conn.execute(sa.select(USERS).where(USERS.c.username == name)).first()
    if row is not None and row.active and _verify(row.password_hash, password):
        unlock(conn, name)
        values: dict[str, Any] = {"last_login_at": now}
        if _hasher.check_needs_rehash(row.password_hash):
            values["password_hash"] = _hasher.hash(password)
        conn.execute(sa.update(USERS).where(USERS.c.id == row.id).values(**values))
        return LoginResult("ok", staff=_staff(row))
    if row is None:
        _verify(_DUMMY_HASH, password)
    return _record_failure(conn, name, now)


def _record_failure(conn: Connection, name: str, now: datetime) -> LoginResult:
    window = timedelta(minutes=config.lockout_minutes())
    # Forget other usernames' old failures, so guessed names do not pile up.
    conn.execute(sa.delete(ATTEMPTS).where(
        ATTEMPTS.c.username != name, ATTEMPTS.c.last_failed_at <= now - window,
        sa.or_(ATTEMPTS.c.locked_until.is_(None), ATTEMPTS.c.locked_until <= now)))
    previous = conn.execute(sa.select(ATTEMPTS).where(ATTEMPTS.c.username == name)).first()
    failures = 1
    if previous is not None and previous.last_failed_at > now - window:
        failures = previous.failures + 1
    lock = now + window if failures >= config.lockout_attempts() else None
    if previous is None:
        conn.execute(sa.insert(ATTEMPTS).values(username=name, failures=failures, last_failed_at=now,
                                                locked_until=lock))
    else:
        conn.execute(sa.update(ATTEMPTS).where(ATTEMPTS.c.username == name)
                     .values(failures=failures, last_failed_at=now, locked_until=lock))
    if lock is not None:
        return LoginResult("locked", locked_until=lock)
    return LoginResult("wrong", delay=slow_delay(failures))
