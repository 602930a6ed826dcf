"""Settings from environment variables, with safe defaults for a laptop.

Every environment variable the project reads is read here, through ``text``,
``positive_int`` or ``non_negative_int``, so that each has one default and one clear
error for a bad value. The README's configuration table lists them all; a test checks it.
"""

from __future__ import annotations

import os


def text(name: str, default: str = "") -> str:
    """A variable's value without surrounding spaces, or ``default`` when unset or blank."""
    return os.environ.get(name, "").strip() or default


def _whole_number(name: str, default: int, minimum: int) -> int:
    raw = text(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError as error:
        raise ValueError(f"{name} must be a whole number, got {raw!r}") from error
    if value < minimum:
        kind = "positive" if minimum == 1 else f"at least {minimum}"
        raise ValueError(f"{name} must be {kind}, got {value}")
    return value


def positive_int(name: str, default: int) -> int:
    """A positive whole number from the environment, or ``default``; a clear error otherwise."""
    return _whole_number(name, default, 1)


def non_negative_int(name: str, default: int) -> int:
    """A whole number of 0 or more (0 turns a limit or cache off), or ``default``."""
    return _whole_number(name, default, 0)


def max_message_chars() -> int:
    """Longest message the assistant reads; longer ones get a polite refusal."""
    return positive_int("BOT_MAX_MESSAGE_CHARS", 1000)


def web_port() -> int:
    return positive_int("WEB_PORT", 8000)


def web_host() -> str:
    return text("WEB_HOST", "127.0.0.1")


def retention_days() -> int:
    """Days that raw conversation events and message texts are kept (counts are kept for good)."""
    return positive_int("RETENTION_DAYS", 90)


#: Default of ``ROLLUP_REFRESH_SECONDS``.
ROLLUP_REFRESH_DEFAULT_SECONDS = 30


def rollup_refresh_seconds() -> int:
    """Least time between two refreshes of the dashboard's rollups while ingestion follows."""
    return positive_int("ROLLUP_REFRESH_SECONDS", ROLLUP_REFRESH_DEFAULT_SECONDS)


def bot_public_url() -> str:
    """Where a visitor's browser reaches the Rasa server (the chat widget on the demo page calls it)."""
    raw = text("BOT_PUBLIC_URL").rstrip("/")
    if not raw:
        return f"http://127.0.0.1:{positive_int('RASA_PORT', 5005)}"
    if not raw.startswith(("http://", "https://")):
        raise ValueError(f"BOT_PUBLIC_URL must start with http:// or https://, got {raw!r}")
    return raw


def web_public_url() -> str:
    """Where a visitor's browser reaches the web process: the plan's private links point here."""
    raw = text("WEB_PUBLIC_URL").rstrip("/")
    if not raw:
        return f"http://127.0.0.1:{web_port()}"
    if not raw.startswith(("http://", "https://")):
        raise ValueError(f"WEB_PUBLIC_URL must start with http:// or https://, got {raw!r}")
    return raw


def plan_link_days() -> int:
    """Days a plan's private link keeps working (long enough for the last reminder)."""
    return positive_int("PLAN_LINK_DAYS", 60)


def rasa_internal_url() -> str:
    """Where the web process reaches the Rasa server itself, to record a step ticked on the plan page."""
    raw = text("RASA_INTERNAL_URL").rstrip("/")
    return raw or f"http://127.0.0.1:{positive_int('RASA_PORT', 5005)}"


def smtp_url() -> str:
    """``smtp://[user:password@]host[:port]`` (STARTTLS when offered) or ``smtps://...``; empty
    turns plan emails and reminders off, and the offer is not shown."""
    raw = text("SMTP_URL")
    if raw and not raw.startswith(("smtp://", "smtps://")):
        raise ValueError("SMTP_URL must start with smtp:// or smtps://")
    return raw


def plan_email_key() -> str:
    """The Fernet key (``cryptography``) that encrypts stored reminder addresses."""
    return text("PLAN_EMAIL_KEY")


def plan_email_from() -> str:
    return text("PLAN_EMAIL_FROM", "Cyber security assistant <no-reply@localhost>")


def report_email_to() -> tuple[str, ...]:
    """Staff addresses (comma-separated) that get the monthly report by email; none turns it off."""
    return tuple(part.strip() for part in text("REPORT_EMAIL_TO").split(",") if part.strip())


#: Values of ``REPORT_BANK_HOLIDAYS``: bot/guidance/profile.py's nation ids (settings imports
#: nothing of the project, so a test holds the two lists equal).
REPORT_BANK_HOLIDAYS_NATIONS = ("england", "scotland", "wales", "northern_ireland")


def report_bank_holidays() -> str:
    """Whose bank holidays the monthly report email skips: a nation's id, ``england`` by default."""
    raw = text("REPORT_BANK_HOLIDAYS", "england")
    if raw not in REPORT_BANK_HOLIDAYS_NATIONS:
        allowed = ", ".join(REPORT_BANK_HOLIDAYS_NATIONS)
        raise ValueError(f"REPORT_BANK_HOLIDAYS must be one of {allowed}, got {raw!r}")
    return raw


def reminder_days() -> tuple[int, ...]:
    """Days after the plan was emailed that the (at most two) reminders go out."""
    raw = text("REMINDER_DAYS", "14,45")
    try:
        days = tuple(sorted(int(part) for part in raw.split(",") if part.strip()))
    except ValueError as error:
        raise ValueError(f"REMINDER_DAYS must be whole numbers such as 14,45, got {raw!r}") from error
    if not 1 <= len(days) <= 2 or days[0] < 1:
        raise ValueError(f"REMINDER_DAYS must name one or two positive days, got {raw!r}")
    return days
