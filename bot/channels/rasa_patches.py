"""Patches to Rasa 3.6: two per-call costs of Rasa 3.6's custom actions, removed without changing behaviour.

1. Validating action-server responses without re-checking Rasa's schema on every call.
Rasa 3.6's ``RemoteAction._validate_action_result`` calls ``jsonschema.validate``,
which first checks the (constant) response *schema* against the JSON Schema
meta-schema, then the response. With the pinned jsonschema 4.17 the meta-schema
check costs about 40 ms of CPU per custom action call on the project's 2-core
machines: most of a topic answer's time. This module checks the schema once and
reuses a compiled validator, so every response is still validated against the
same schema and a bad one still raises ``ValidationError`` with Rasa's hint.

2. Reusing connections to the action server. ``EndpointConfig.request`` opens a new
aiohttp session, and so a new TCP connection, for every action call, and closes it
afterwards: a connect and an accept per call on the Rasa server, the proxy and the
kernel. Here each endpoint keeps one session per event loop, with the same headers,
authentication and timeout, so calls reuse kept-alive connections.

3. Not reporting errors to Rasa's own Sentry. Rasa 3.6 starts Sentry in every ``rasa``
command with a key shipped inside the package, whatever ``RASA_TELEMETRY_ENABLED`` says,
and sends uncaught exceptions there; an exception's message can hold a visitor's text or a
database address. ``apply()`` replaces that client with one that has no address, so
nothing leaves the server (docs/security.md).

Rasa 3.6 is the last open-source line, so the changes cannot go upstream; they are
applied by ``apply()`` when the project's REST channel builds its routes at start-up.
"""

from __future__ import annotations

import asyncio
from functools import lru_cache
from types import TracebackType
from typing import Any

import aiohttp
import jsonschema
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL
from rasa.utils.endpoints import EndpointConfig

_RASA_SESSION = EndpointConfig.session


@lru_cache(maxsize=1)
def _response_validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def validate_action_result(_: Any, result: dict[str, Any]) -> bool:
    """Drop-in replacement for ``RemoteAction._validate_action_result``."""
    error = jsonschema.exceptions.best_match(_response_validator().iter_errors(result))
    if error is not None:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response "
            f"from the Action endpoint is valid. For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


class _KeptSession:
    """``async with`` hands out the endpoint's session and leaves it open afterwards."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self.session

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        trace: TracebackType | None) -> None:
        return None


def kept_session(endpoint: EndpointConfig) -> _KeptSession:
    """Drop-in replacement for ``EndpointConfig.session``: one open session per event loop.

    A session belongs to the loop it was made on, so a new loop (a restarted server, a
    test) gets a new one; a closed one is replaced.
    """
    loop = asyncio.get_running_loop()
    kept: tuple[asyncio.AbstractEventLoop, aiohttp.ClientSession] | None = getattr(
        endpoint, "_kept_session", None)
    if kept is None or kept[0] is not loop or kept[1].closed:
        kept = (loop, _RASA_SESSION(endpoint))
        endpoint._kept_session = kept
    return _KeptSession(kept[1])


def silence_rasa_error_reporting() -> None:
    """Swap Rasa's Sentry client for one without an address: events are dropped, not sent."""
    import sentry_sdk

    sentry_sdk.init(dsn=None, default_integrations=False)


def apply() -> None:
    """Patch Rasa's action client in this process (idempotent)."""
    RemoteAction._validate_action_result = validate_action_result
    EndpointConfig.session = kept_session
    silence_rasa_error_reporting()
