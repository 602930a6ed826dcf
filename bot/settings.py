"""Settings from environment variables, with safe defaults for a laptop."""

from __future__ import annotations

import os


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError as error:
        raise ValueError(f"{name} must be a whole number, got {raw!r}") from error
    if value <= 0:
        raise ValueError(f"{name} must be positive, got {value}")
    return value


def max_message_chars() -> int:
    """Longest message the assistant reads; longer ones get a polite refusal."""
    return _int("BOT_MAX_MESSAGE_CHARS", 1000)


def web_port() -> int:
    return _int("WEB_PORT", 8000)


def web_host() -> str:
    return os.environ.get("WEB_HOST", "127.0.0.1")


def retention_days() -> int:
    """Days that raw conversation events and message texts are kept (counts are kept for good)."""
    return _int("RETENTION_DAYS", 90)
