"""Staff accounts: Argon2 password hashes, the password rule, sign-in checks and throttling.

Plain functions over a SQLAlchemy connection, so the command line, the web pages and the
tests share them. Failed sign-ins are counted per username, whether or not the account
exists (so a throttled answer does not reveal which usernames are real), and per client
address across usernames. Nothing here locks an account: a hard lock after N failures lets
anyone who knows an admin's username keep that admin out. See :func:`login`.
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
from bot.web.staff import common_passwords, config

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
    status: Literal["ok", "wrong", "throttled", "address"]
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
    """NCSC's advice for a password people choose: long enough, and not one attackers try first.

    At least 12 characters, not one character repeated, and not on a list of common passwords
    (:mod:`bot.web.staff.common_passwords`), also with digits or symbols added at either end
    ("password1234"). No rules about mixing character kinds: NCSC advises against them.
    """
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(f"Passwords must be at least {MIN_PASSWORD_CHARS} characters long.")
    if len(password) > MAX_PASSWORD_CHARS:
        raise AccountError(f"Passwords must be at most {MAX_PASSWORD_CHARS} characters long.")
    if len(set(password)) == 1:
        raise AccountError("A password of one character repeated is too easy to guess. "
                           "Three random words make a good one.")
    if common_passwords.is_common(password):
        raise AccountError("That password is on a list of common passwords that attackers try first. "
                           "Choose another: three random words make a good one.")
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


def address_key(address: str | None) -> str | None:
    """The attempts-table key of a client address (usernames never contain ``:``)."""
    return f"ip:{address.strip()[:60]}" if address and address.strip() else None


def _attempts(conn: Connection, key: str, now: datetime) -> tuple[int, datetime | None]:
    """Failures of ``key`` within the window, and until when it is held back (or None)."""
    row = conn.execute(sa.select(ATTEMPTS).where(ATTEMPTS.c.username == key)).first()
    if row is None:
        return 0, None
    window = timedelta(minutes=config.lockout_minutes())
    failures = row.failures if row.last_failed_at > now - window else 0
    held: datetime | None = row.locked_until if row.locked_until and row.locked_until > now else None
    return failures, held


def locked_until(conn: Connection, username: str, now: datetime) -> datetime | None:
    """Until when sign-ins to ``username`` are held back (one check per interval), or None."""
    return _attempts(conn, normalise_username(username), now)[1]


def _verify(password_hash: str, password: str) -> bool:
    try:
        return bool(_hasher.verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


def login(conn: Connection, username: str, password: str, now: datetime,
          address: str | None = None) -> LoginResult:
    """Check a sign-in from client ``address``, recording a failure or clearing past ones. Commit afterwards.

    Two limits, neither of which an outsider can turn into a lockout of someone else:

    * per address, across every username: after ``STAFF_LOGIN_ADDRESS_ATTEMPTS`` wrong
      passwords in the window that address is refused (``status="address"``) until the
      window has passed. Spraying one password over many usernames hits this; it holds
      back only the address that sent them.
    * per account: after :data:`SLOW_AFTER` failures answers slow down; after
      ``STAFF_LOCKOUT_ATTEMPTS`` the account's password is checked at most once per
      ``STAFF_LOGIN_ACCOUNT_INTERVAL_SECONDS`` (``status="throttled"`` in between) for
      addresses that have already failed within the window. An address with no recent
      failure - the member of staff at their usual desk - is always checked, so someone
      guessing from elsewhere cannot keep them out.
    """
    name = normalise_username(username)[:64]
    from_key = address_key(address)
    address_failures, address_held = _attempts(conn, from_key, now) if from_key else (0, None)
    if address_held is not None:
        return LoginResult("address", locked_until=address_held)
    _, account_held = _attempts(conn, name, now)
    if account_held is not None and (from_key is None or address_failures > 0):
        return LoginResult("throttled", locked_until=account_held)
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
    _forget_old_failures(conn, now)
    if from_key is not None:
        _record_failure(conn, from_key, now, config.login_address_attempts(),
                        timedelta(minutes=config.lockout_minutes()))
    failures = _record_failure(conn, name, now, config.lockout_attempts(),
                               timedelta(seconds=config.login_account_interval_seconds()))
    return LoginResult("wrong", delay=slow_delay(failures))


def _forget_old_failures(conn: Connection, now: datetime) -> None:
    """Forget failures older than the window, so guessed names and addresses do not pile up."""
    window = timedelta(minutes=config.lockout_minutes())
    conn.execute(sa.delete(ATTEMPTS).where(
        ATTEMPTS.c.last_failed_at <= now - window,
        sa.or_(ATTEMPTS.c.locked_until.is_(None), ATTEMPTS.c.locked_until <= now)))


def _record_failure(conn: Connection, key: str, now: datetime, limit: int, hold: timedelta) -> int:
    """Count one more failure of ``key``; from ``limit`` on, hold it back for ``hold``. Returns the count."""
    failures, _ = _attempts(conn, key, now)
    failures += 1
    held = now + hold if failures >= limit else None
    updated = conn.execute(sa.update(ATTEMPTS).where(ATTEMPTS.c.username == key)
                           .values(failures=failures, last_failed_at=now, locked_until=held))
    if not updated.rowcount:
        conn.execute(sa.insert(ATTEMPTS).values(username=key, failures=failures, last_failed_at=now,
                                                locked_until=held))
    return failures
