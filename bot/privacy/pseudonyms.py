"""Pseudonymous keys for visitors and conversations (docs/analytics-design.md).

The widget's ``sender_id`` is a stable visitor id, so storing it would let anyone with
the analytics database follow one browser across visits, and link it to the tracker
store. Analytics store an HMAC-SHA256 of it instead: stable under one secret, so returns
and commitments still join up, but not reversible or guessable without the secret.

The secret comes from ``ANALYTICS_SECRET``; without it one is generated on first use and
kept in ``$XDG_CONFIG_HOME/sme-cyber-assistant/analytics-secret`` (mode 0600), never in
the repository, where it could be committed. Changing the secret starts new keys:
old and new rows no longer join.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from bot import settings
from bot.paths import PROJECT_ROOT

logger = logging.getLogger(__name__)

APP_DIR = "sme-cyber-assistant"
SECRET_FILE = "analytics-secret"  # noqa: S105 - a file name, not a secret


class SecretError(RuntimeError):
    """The analytics secret cannot be found, created or trusted."""


def secret_path() -> Path:
    """Where a generated secret is kept: ``$XDG_CONFIG_HOME`` or ``~/.config``."""
    base = settings.text("XDG_CONFIG_HOME")
    root = Path(base) if base else Path.home() / ".config"
    return root / APP_DIR / SECRET_FILE


def _inside_repo(path: Path) -> bool:
    resolved = path.resolve()
    return resolved == PROJECT_ROOT or PROJECT_ROOT in resolved.parents


def _read(path: Path) -> str:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        logger.warning("Analytics secret %s was readable by others (mode %o); now 0600.", path, mode)
        path.chmod(0o600)
    value = path.read_text(encoding="utf-8").strip()
    if not value:
        raise SecretError(f"the analytics secret file {path} is empty; delete it to generate a new one")
    return value


def load_secret() -> str:
    """The secret: ``ANALYTICS_SECRET``, else the stored file, else a new one stored there."""
    from_env = settings.text("ANALYTICS_SECRET")
    if from_env:
        return from_env
    path = secret_path()
    if _inside_repo(path):
        raise SecretError(f"refusing to keep the analytics secret inside the repository ({path}); "
                          "set ANALYTICS_SECRET or XDG_CONFIG_HOME")
    if path.exists():
        return _read(path)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    value = secrets.token_hex(32)
    try:
        # O_EXCL: if two processes start together, exactly one secret wins and both use it.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read(path)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
    logger.info("Generated a new analytics secret in %s", path)
    return value


def _hmac(secret: str, message: str) -> str:
    return hmac.new(secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).hexdigest()


def timestamp_text(timestamp: float) -> str:
    """How a session start time enters the conversation key: Python's shortest exact float text."""
    return repr(float(timestamp))


@dataclass(frozen=True)
class Pseudonyms:
    """Keys under one secret. ``repr`` hides the secret so it cannot leak into logs."""

    secret: str

    def __repr__(self) -> str:
        return "Pseudonyms(secret=***)"

    @classmethod
    def from_environment(cls) -> Pseudonyms:
        return cls(load_secret())

    def visitor_key(self, sender_id: str) -> str:
        return _hmac(self.secret, "visitor:" + sender_id)

    def conversation_key(self, sender_id: str, session_start: float) -> str:
        return _hmac(self.secret, f"conversation:{sender_id}:{timestamp_text(session_start)}")


def visitor_key(sender_id: str, secret: str | None = None) -> str:
    """``HMAC-SHA256(secret, "visitor:" + sender_id)`` as 64 hex digits."""
    return Pseudonyms(secret or load_secret()).visitor_key(sender_id)


def conversation_key(sender_id: str, session_start: float, secret: str | None = None) -> str:
    """``HMAC-SHA256(secret, "conversation:" + sender_id + ":" + session start)`` as hex."""
    return Pseudonyms(secret or load_secret()).conversation_key(sender_id, session_start)
