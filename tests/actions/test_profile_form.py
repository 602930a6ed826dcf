"""The profile questions as the action server runs them, through rasa-sdk's own Tracker."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.actions import ActionUpdateProfile, ValidateProfileForm
from bot.guidance.questions import EXPLANATIONS, MAX_QUESTIONS
from tests.loops import run

BUILDER = ("builder in wrexham, me and 5 lads. all my invoices go out by email from my hotmail, "
           "customers pay by bank transfer, some jobs are 20-30k. no card machine. "
           "got a facebook page, no website")


def _tracker(text: str, intent: str, slots: dict[str, Any]) -> Tracker:
    message = {"text": text, "intent": {"name": intent}, "entities": [],
               "intent_ranking": [{"name": intent, "confidence": 0.9}]}
    loop = {"name": "profile_form"} if slots.get("requested_slot") else {}
    return Tracker("test", slots, message, [], False, None, loop, None)


def _run(action: Any, text: str, intent: str, slots: dict[str, Any]):
    dispatcher = CollectingDispatcher()
    events = run(action.run(dispatcher, _tracker(text, intent, slots), {}))
    slots = dict(slots, **{e["name"]: e["value"] for e in events if e.get("event") == "slot"})
    return slots, [m.get("text") for m in dispatcher.messages]


def test_a_description_then_questions_with_progress_explanations_and_an_end():
    slots, _ = _run(ActionUpdateProfile(), BUILDER, "describe_business", {})
    assert slots["bank_transfers"] == "true" and slots["people"] == "6"
    slots, _ = _run(ValidateProfileForm(), "what should I do first?", "ask_action_plan",
                    dict(slots, requested_slot=None))
    asked = []
    while slots.get("requested_slot"):
        question = slots["requested_slot"]
        assert question not in asked
        asked.append(question)
        assert slots["question_progress"].startswith(f"Question {len(asked)} of ")
        explained, texts = _run(ValidateProfileForm(), "what does that mean?", "nlu_fallback", slots)
        assert texts == [EXPLANATIONS[question]]
        assert explained["requested_slot"] == question
        slots, _ = _run(ValidateProfileForm(), "not sure", "not_sure", slots)
        assert slots[question] == "unknown"
    assert len(asked) <= MAX_QUESTIONS
    # What the description said is never asked again.
    assert not {"bank_transfers", "card_payments", "website", "social_media", "size"} & set(asked)


def test_a_mixed_answer_fills_more_than_the_question_asked():
    slots = {"requested_slot": "card_payments", "asked_questions": ["card_payments"]}
    slots, _ = _run(ValidateProfileForm(), "we take cards in the shop and online", "inform", slots)
    assert slots["card_payments"] == "true"
    assert slots["website"] == "online_shop"


def test_several_services_in_one_answer_are_all_kept():
    slots = {"requested_slot": "cloud", "asked_questions": ["cloud"]}
    slots, _ = _run(ValidateProfileForm(), "Microsoft 365 and Xero", "inform", slots)
    assert sorted(slots["cloud"]) == ["microsoft_365", "other"]
