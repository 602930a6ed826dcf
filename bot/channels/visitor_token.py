"""Signed visitor tokens: a sender id alone does not open, or continue, a conversation.

Sender ids are 128-bit random and never logged, but whoever learns one (a shared screen, a
browser extension, a proxy log) could continue that conversation and see its profile and
plan. So the REST channel ties each id to a token only the server can make:
``HMAC-SHA256(secret, "visitor-token:" + sender)``. The first message of a new conversation
needs no token; its reply carries one (header ``X-Visitor-Token``), which the widget keeps
with the id and sends with every later message (``visitor_token`` in the body). A message
for a conversation that already exists without a matching token is refused.

The secret is ``BOT_VISITOR_SECRET``, else a random one kept in ``var/visitor-secret``
(0600 in a 0700 ``var/``). Every Rasa server of one deployment must share it: on one
machine they share the file; across machines set the variable. ``BOT_VISITOR_TOKENS=off``
turns the check off (for load tests that invent senders).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from functools import lru_cache
from pathlib import Path

from bot import settings
from bot.paths import VAR_DIR
from bot.storage.owner_only import owner_only_dir

HEADER = "X-Visitor-Token"
SECRET_FILE = VAR_DIR / "visitor-secret"


def required() -> bool:
    raw = settings.text("BOT_VISITOR_TOKENS", "required").lower()
    if raw not in ("required", "off"):
        raise ValueError(f"BOT_VISITOR_TOKENS must be required or off, got {raw!r}")
    return raw == "required"


def _stored_secret(path: Path) -> str:
    owner_only_dir(path.parent)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(20):  # another process may have created it and not yet written it
            value = path.read_text(encoding="utf-8").strip()
            if value:
                return value
            time.sleep(0.05)
        raise ValueError(f"{path} is empty; delete it to generate a new visitor secret") from None
    value = secrets.token_hex(32)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
    return value


@lru_cache(maxsize=4)
def secret(path: Path = SECRET_FILE) -> str:
    """``BOT_VISITOR_SECRET``, else the stored one (made on first use; O_EXCL, so one wins a race)."""
    return settings.text("BOT_VISITOR_SECRET") or _stored_secret(path)


def token_for(sender: str, key: str | None = None) -> str:
    digest = hmac.new((key or secret()).encode(), ("visitor-token:" + sender).encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def matches(sender: str, token: object, key: str | None = None) -> bool:
    return isinstance(token, str) and hmac.compare_digest(token_for(sender, key), token)
