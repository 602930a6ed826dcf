"""A done step counts only when the conversation was offered it or committed to it.

A crafted ``/report_done{"step_id": ...}`` from a new sender once recorded a done step
never offered, inflating the uptake the programme reports. The real action runs here on a
rasa-sdk tracker built as the action server builds it from Rasa's request.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.actions import ActionRecordDone, _kb
from tests.loops import run


def _tracker(slots: dict[str, Any], events: list[dict[str, Any]], step_id: str) -> Tracker:
    latest = {"text": f'/report_done{{"step_id": "{step_id}"}}', "intent": {"name": "report_done"},
              "entities": [{"entity": "step_id", "value": step_id}]}
    return Tracker("sender-1", slots, latest, events, False, None, {}, "action_listen")


def _run(tracker: Tracker) -> list[dict[str, Any]]:
    return run(ActionRecordDone().run(CollectingDispatcher(), tracker, {}))


def _a_step() -> tuple[str, str]:
    """Two real steps of the knowledge base."""
    steps = _kb().all_steps()
    return steps[0].id, steps[1].id


def test_a_step_never_offered_is_not_recorded() -> None:
    step, _ = _a_step()
    assert _run(_tracker({"offered_steps": [], "commitments": [], "done_steps": []}, [], step)) == []


def test_a_step_offered_earlier_in_the_conversation_is_recorded() -> None:
    step, other = _a_step()
    events = [{"event": "slot", "name": "offered_steps", "value": [step]},
              {"event": "slot", "name": "offered_steps", "value": [other]}]
    result = _run(_tracker({"offered_steps": [other], "commitments": [], "done_steps": []}, events, step))
    assert result == [{"event": "slot", "timestamp": None, "name": "done_steps", "value": [step]}]


def test_a_committed_step_is_recorded() -> None:
    step, _ = _a_step()
    result = _run(_tracker({"offered_steps": [], "commitments": [step], "done_steps": []}, [], step))
    assert result[0]["value"] == [step]
