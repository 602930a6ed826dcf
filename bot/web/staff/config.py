"""Staff dashboard settings from environment variables, with safe defaults."""

from __future__ import annotations

from typing import Literal

from bot import settings
from bot.settings import positive_int

CookieSecure = Literal["auto", "always", "never"]


def lockout_attempts() -> int:
    """Wrong passwords in a row that lock an account (and any unknown username)."""
    return positive_int("STAFF_LOCKOUT_ATTEMPTS", 10)


def lockout_minutes() -> int:
    """How long a lock lasts; failures older than this are forgotten."""
    return positive_int("STAFF_LOCKOUT_MINUTES", 15)


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
