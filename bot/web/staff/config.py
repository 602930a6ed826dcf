"""Staff dashboard settings from environment variables, with safe defaults."""

from __future__ import annotations

from typing import Literal

from bot import settings
from bot.settings import positive_int

CookieSecure = Literal["auto", "always", "never"]


def lockout_attempts() -> int:
    """Wrong passwords for one username within the window before its checks are spaced out."""
    return positive_int("STAFF_LOCKOUT_ATTEMPTS", 10)


def lockout_minutes() -> int:
    """The window: failures older than this are forgotten, and a refused address waits this long."""
    return positive_int("STAFF_LOCKOUT_MINUTES", 15)


def login_address_attempts() -> int:
    """Wrong passwords from one client address (any usernames) within the window before it is refused."""
    return positive_int("STAFF_LOGIN_ADDRESS_ATTEMPTS", 20)


def login_account_interval_seconds() -> int:
    """Once a username is over its failures, its password is checked at most this often."""
    return positive_int("STAFF_LOGIN_ACCOUNT_INTERVAL_SECONDS", 10)


def session_idle_minutes() -> int:
    """A session not used for this long ends."""
    return positive_int("STAFF_SESSION_IDLE_MINUTES", 60)


def session_max_hours() -> int:
    """A session ends this long after sign-in however active it is."""
    return positive_int("STAFF_SESSION_MAX_HOURS", 12)


def cookie_secure() -> CookieSecure:
    """``auto`` (default): Secure when the request came over HTTPS (see README); or always/never."""
    raw = settings.text("STAFF_COOKIE_SECURE", "auto").lower()
    mapping: dict[str, CookieSecure] = {"auto": "auto", "true": "always", "1": "always", "always": "always",
                                        "false": "never", "0": "never", "never": "never"}
    if raw not in mapping:
        raise ValueError(f"STAFF_COOKIE_SECURE must be auto, true or false, got {raw!r}")
    return mapping[raw]


def unanswered_limit() -> int:
    """How many distinct unanswered texts (most frequent first) the Unanswered page groups."""
    return positive_int("STAFF_UNANSWERED_LIMIT", 3000)
