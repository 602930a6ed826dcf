"""The plan's actions run as the action server runs them: rasa-sdk trackers and dispatchers,
the real knowledge base, and (for the download) a migrated SQLite database."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import actions
from tests.loops import run

PLAN = ["backups_automatic", "updates_automatic", "passwords_two_step", "cyber_insurance_check_cover"]
BIN = Path(sys.executable).parent


def tracker(text: str, intent: str, **slots: Any) -> Tracker:
    # A button's payload carries its step as an entity, as Rasa's payload parser gives it.
    entities = []
    if text.startswith("/") and "{" in text:
        entities = [{"entity": k, "value": v} for k, v in json.loads(text[text.index("{"):]).items()]
    message = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": entities}
    return Tracker("w-" + "cd" * 16, {"plan_steps": PLAN, **slots}, message, [], False, None, {},
                   "action_listen")


def act(action: Any, text: str, intent: str, **slots: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    events = run(action.run(dispatcher, tracker(text, intent, **slots), {}))
    set_slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    return dispatcher.messages, set_slots


def custom(messages: list[dict[str, Any]], key: str) -> Any:
    for message in messages:
        found = (message.get("custom") or {}).get(key)
        if found is not None:
            return found
    return None


def test_done_in_the_owners_words_records_the_named_plan_step() -> None:
    messages, slots = act(actions.ActionRecordDone(), "I've set up backups already", "report_done")
    assert custom(messages, "done") == {"topic": "backups", "step": "backups_automatic"}
    assert slots["done_steps"] == ["backups_automatic"]


def test_a_commitment_in_the_owners_words_and_a_drop_then_a_new_promise() -> None:
    messages, slots = act(actions.ActionRecordCommitment(), "I'll do the passwords one", "commit_step")
    assert custom(messages, "commitment")["step"] == "passwords_two_step"
    messages, slots = act(actions.ActionRecordFollowUp(), "we won't do the insurance one", "drop_step",
                          commitments=["cyber_insurance_check_cover"])
    assert custom(messages, "follow_up_answer") == {"topic": "cyber_insurance",
                                                    "step": "cyber_insurance_check_cover",
                                                    "status": "dropped"}
    assert slots == {"commitments": [], "dropped_steps": ["cyber_insurance_check_cover"]}
    _, slots = act(actions.ActionRecordCommitment(), "actually I'll do the insurance one", "commit_step",
                   dropped_steps=["cyber_insurance_check_cover"])
    assert slots["dropped_steps"] == [] and slots["commitments"] == ["cyber_insurance_check_cover"]


def test_what_have_i_done_so_far_lists_each_step_with_its_state() -> None:
    messages, _ = act(actions.ActionListProgress(), "what have I done so far?", "list_progress",
                      done_steps=["backups_automatic"], commitments=["updates_automatic"],
                      dropped_steps=["cyber_insurance_check_cover"])
    text = messages[0]["text"]
    assert text.startswith("You've done 1 of the 4 steps in your plan.")
    assert "Set up automatic backups: done." in text
    assert [(p["step"], p["status"]) for p in custom(messages, "progress")] == [
        ("backups_automatic", "done"), ("updates_automatic", "planned"),
        ("passwords_two_step", "open"), ("cyber_insurance_check_cover", "dropped")]


def test_whats_next_is_the_step_promised_then_the_first_not_started() -> None:
    messages, slots = act(actions.ActionNextStep(), "what's next?", "ask_next_step",
                          done_steps=["backups_automatic"], commitments=["passwords_two_step"])
    assert messages[0]["text"].startswith("Next: Turn on two-step verification for key accounts.")
    assert slots == {"offered_steps": ["passwords_two_step"]}
    messages, _ = act(actions.ActionNextStep(), "what's next?", "ask_next_step",
                      done_steps=["backups_automatic"])
    assert messages[0]["text"].startswith("Next: Turn on automatic updates everywhere.")


def test_without_a_plan_the_owner_is_offered_one() -> None:
    messages, _ = act(actions.ActionListProgress(), "what have I done so far?", "list_progress",
                      plan_steps=None)
    assert "You don't have a plan yet" in messages[0]["text"]
    assert messages[0]["buttons"][0]["payload"] == "/ask_action_plan"


def test_the_plan_shown_again_carries_the_plan_and_its_states() -> None:
    messages, _ = act(actions.ActionShowPlan(), "/show_plan", "show_plan", done_steps=["updates_automatic"])
    assert [e["step"] for e in custom(messages, "plan")] == PLAN
    assert {p["step"]: p["status"] for p in custom(messages, "progress")}["updates_automatic"] == "done"


def test_an_untick_takes_the_step_out_of_done() -> None:
    messages, slots = act(actions.ActionUndoDone(), '/undo_done{"step_id": "backups_automatic"}', "undo_done",
                          done_steps=["backups_automatic", "updates_automatic"])
    assert custom(messages, "undone") == {"topic": "backups", "step": "backups_automatic"}
    assert slots == {"done_steps": ["updates_automatic"]}


def test_download_makes_a_private_link(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.plans import takeaway

    url = f"sqlite:///{tmp_path / 'analytics.db'}"
    subprocess.run([str(BIN / "bot"), "migrate", "--database-url", url], check=True, capture_output=True,
                   timeout=300)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("WEB_PUBLIC_URL", "https://plans.example.org")
    monkeypatch.delenv("SMTP_URL", raising=False)
    takeaway._engine.cache_clear()
    try:
        messages, _ = act(actions.ActionDownloadPlan(), "download my plan", "download_plan")
    finally:
        takeaway._engine.cache_clear()
    download = custom(messages, "download")
    assert download["page"].startswith("https://plans.example.org/plan/")
    assert download["pdf"] == download["page"] + "/plan.pdf"
    assert "by email" not in messages[0]["text"]  # no SMTP_URL: no email offer
