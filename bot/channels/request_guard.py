"""Checks on a REST request itself, before its JSON is read: size, type, origin, metadata.

* **Body size.** Sanic's default limit is 100 MB; three 30 MB posts once grew the tracker
  store by 210 MB. The Rasa server's limit is set to :data:`MAX_BODY_BYTES` (64 KB) when the
  channel's routes are registered, and the handler checks again, so every way the project
  starts Rasa gets it (``SANIC_REQUEST_MAX_SIZE`` in the environment is a third layer).
* **Content type.** Only ``application/json``. A ``text/plain`` POST needs no CORS
  preflight, so any web page could send one from a visitor's browser and have it handled
  and counted even though CORS hides the reply.
* **Origin.** When a browser says where the request comes from, that site must be one of
  ``BOT_ALLOWED_ORIGINS``. Servers and scripts send no ``Origin``; the body checks, the
  visitor token and the rate limits still apply to them.
* **Metadata.** Nothing in the project reads client metadata, and Rasa stores it with every
  message. Only a few short, allow-listed strings are kept (:data:`METADATA_KEYS`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Mapping

from bot import settings

#: Largest request body the REST channel takes: a 1,000-character message is under 5 KB.
MAX_BODY_BYTES = 64 * 1024
#: Client metadata that is kept (each a string of at most METADATA_VALUE_CHARS); the rest is dropped.
METADATA_KEYS = frozenset({"page", "language"})
METADATA_VALUE_CHARS = 200
#: Largest metadata object accepted at all, as JSON.
MAX_METADATA_BYTES = 2048


@dataclass(frozen=True)
class Refusal:
    status: int
    problem: str


def body_refusal(body: bytes | None) -> Refusal | None:
    if body is not None and len(body) > MAX_BODY_BYTES:
        return Refusal(413, f"The request body must be at most {MAX_BODY_BYTES // 1024} KB.")
    return None


def content_type_refusal(content_type: str | None) -> Refusal | None:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media != "application/json":
        return Refusal(415, "Send the message as JSON, with the header Content-Type: application/json.")
    return None


def allowed_origins() -> frozenset[str]:
    """``BOT_ALLOWED_ORIGINS`` (space-separated), as the Rasa server's CORS setting uses it."""
    port = settings.web_port()
    default = f"http://localhost:{port} http://127.0.0.1:{port}"
    return frozenset(origin.rstrip("/") for origin in settings.text("BOT_ALLOWED_ORIGINS", default).split())


def origin_refusal(origin: str | None, allowed: frozenset[str] | None = None) -> Refusal | None:
    if origin is None:
        return None
    allowed = allowed_origins() if allowed is None else allowed
    if "*" in allowed or origin.rstrip("/") in allowed:
        return None
    return Refusal(403, "This site is not allowed to use the assistant. Its address must be in "
                        "BOT_ALLOWED_ORIGINS on the assistant's server.")


def bounded_metadata(metadata: object) -> tuple[dict[str, str] | None, Refusal | None]:
    """The allow-listed part of a client's metadata, or why the request is refused."""
    if metadata is None:
        return None, None
    if not isinstance(metadata, dict):
        return None, Refusal(400, "'metadata' must be a JSON object.")
    if len(json.dumps(metadata, ensure_ascii=False).encode()) > MAX_METADATA_BYTES:
        return None, Refusal(400, f"'metadata' must be at most {MAX_METADATA_BYTES} bytes as JSON.")
    kept: dict[str, str] = {}
    for key in sorted(METADATA_KEYS & set(metadata)):
        value = metadata[key]
        if not isinstance(value, str) or len(value) > METADATA_VALUE_CHARS:
            return None, Refusal(400, f"'metadata.{key}' must be a string of at most "
                                      f"{METADATA_VALUE_CHARS} characters.")
        kept[key] = value
    return kept or None, None


def first_refusal(headers: Mapping[str, Any], body: bytes | None) -> Refusal | None:
    """The first check a request fails, in the order a client can fix them."""
    return (body_refusal(body) or content_type_refusal(headers.get("content-type"))
            or origin_refusal(headers.get("origin")))
