"""Rasa speed-ups: validation as strict as Rasa's own; action calls reuse connections."""

from __future__ import annotations

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

from bot.channels.rasa_patches import validate_action_result
from tests.loops import run

VALID = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "last_topic", "value": "backups"}],
     "responses": [{"text": "hi", "buttons": [], "custom": {"topic": "backups"}}]},
    {},
]
INVALID = [
    {"events": "not a list"},
    {"events": [{"name": "no event type"}]},
    {"responses": "nope"},
]


def _rasa_accepts(result) -> bool:
    try:
        jsonschema.validate(result, RemoteAction.action_response_format_spec())
    except jsonschema.ValidationError:
        return False
    return True


@pytest.mark.parametrize("result", VALID)
def test_valid_responses_pass_both(result):
    assert _rasa_accepts(result)
    assert validate_action_result(None, result) is True


@pytest.mark.parametrize("result", INVALID)
def test_invalid_responses_fail_both_with_rasas_hint(result):
    assert not _rasa_accepts(result)
    with pytest.raises(jsonschema.ValidationError, match="Failed to validate Action server response"):
        validate_action_result(None, result)


def test_applied_when_the_rest_channel_builds_its_routes():
    from bot.channels.rest import GuardedRestInput

    GuardedRestInput().blueprint(lambda message: None)  # type: ignore[arg-type,return-value]
    assert RemoteAction._validate_action_result is validate_action_result


# ---- connections to the action server --------------------------------------------------

async def _serve_and_call(calls: int, token: str | None = None) -> tuple[set, list]:
    """A real HTTP server on loopback; returns the client ports it saw and what it was sent."""
    from aiohttp import web
    from rasa.utils.endpoints import EndpointConfig

    ports: set = set()
    seen: list = []

    async def webhook(request: web.Request) -> web.Response:
        ports.add(request.transport.get_extra_info("peername")[1])
        seen.append((request.query.get("token"), await request.json()))
        return web.json_response({"events": [], "responses": [{"text": "ok"}]})

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook", token=token)
    try:
        for number in range(calls):
            assert await endpoint.request(json={"call": number}) == \
                {"events": [], "responses": [{"text": "ok"}]}
    finally:
        session = getattr(endpoint, "_kept_session", (None, None))[1]
        if session is not None:
            await session.close()
        await runner.cleanup()
    return ports, seen


def test_action_calls_reuse_one_connection():

    from bot.channels import rasa_patches

    rasa_patches.apply()

    ports, seen = run(_serve_and_call(5, token="s3cret"))
    assert len(ports) == 1
    assert seen == [("s3cret", {"call": number}) for number in range(5)]


def test_rasas_own_session_opens_a_connection_per_call(monkeypatch):
    """The comparison that shows the test above can fail."""

    from rasa.utils.endpoints import EndpointConfig

    from bot.channels import rasa_patches

    monkeypatch.setattr(EndpointConfig, "session", rasa_patches._RASA_SESSION)
    ports, _ = run(_serve_and_call(3))
    assert len(ports) == 3


def test_a_new_event_loop_gets_a_new_session():

    from rasa.utils.endpoints import EndpointConfig

    from bot.channels.rasa_patches import kept_session

    endpoint = EndpointConfig("http://127.0.0.1:9/webhook")

    async def session_of() -> object:
        session = kept_session(endpoint).session
        assert kept_session(endpoint).session is session  # the same loop keeps it
        return session

    first = run(session_of())
    second = run(session_of())
    try:
        assert first is not second
    finally:
        for session in (first, second):
            run(session.close())


def test_a_closed_session_is_replaced():

    from rasa.utils.endpoints import EndpointConfig

    from bot.channels.rasa_patches import kept_session

    endpoint = EndpointConfig("http://127.0.0.1:9/webhook")

    async def replaced() -> bool:
        first = kept_session(endpoint).session
        await first.close()
        second = kept_session(endpoint).session
        await second.close()
        return second is not first

    assert run(replaced())
