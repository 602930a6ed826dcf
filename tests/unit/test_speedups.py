"""The faster action-response validation accepts and rejects exactly what Rasa's does."""

from __future__ import annotations

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

from bot.channels.speedups import validate_action_result

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


def test_installed_by_the_rest_channel():
    import bot.channels.rest  # noqa: F401 - importing installs the speed-up

    assert RemoteAction._validate_action_result is validate_action_result
