"""Validate action-server responses without re-checking Rasa's schema on every call.

Rasa 3.6's ``RemoteAction._validate_action_result`` calls ``jsonschema.validate``,
which first checks the (constant) response *schema* against the JSON Schema
meta-schema, then the response. With the pinned jsonschema 4.17 the meta-schema
check costs about 40 ms of CPU per custom action call on the project's 2-core
machines: most of a topic answer's time. This module checks the schema once and
reuses a compiled validator, so every response is still validated against the
same schema and a bad one still raises ``ValidationError`` with Rasa's hint.

Rasa 3.6 is the last open-source line, so the change cannot go upstream; it is
applied when the Rasa server imports the project's REST channel.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import jsonschema
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


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


def install() -> None:
    RemoteAction._validate_action_result = validate_action_result
