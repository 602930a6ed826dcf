"""The custom actions on tracker fixtures: no trained model, no servers.

As RasaHQ's financial-demo does, each test builds a rasa-sdk ``Tracker`` as Rasa would
send it (slots, the latest message with its intent and entities), runs the real action
with a ``CollectingDispatcher``, and checks the events it returns (what Rasa will
remember) and the messages it sends (what the visitor sees). The knowledge base is the
real one in ``data/``.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

import pytest
import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.actions import (
    PROFILE_SLOTS,
    ActionAnswerTopic,
    ActionCheckEmailDomain,
    ActionCheckGivenAddress,
    ActionClarify,
    ActionGivePlan,
    ActionMoreInfo,
    ActionRecordCommitment,
    ActionRecordDone,
    ActionRecordFollowUp,
    ActionSessionStart,
    ActionUpdateProfile,
    ValidateProfileForm,
)
from bot.guidance.knowledge import default_knowledge_base
from bot.guidance.profile import UNKNOWN
from bot.paths import PROJECT_ROOT
from bot.reply_contract import STEP_ENTITY, Key, step_payload
from tests.loops import run

KB = default_knowledge_base()
BACKUP_STEPS = [step.id for step in KB.topics["backups"].steps]
FIRST, SECOND, THIRD = BACKUP_STEPS[:3]


def tracker(intent: str = "inform", text: str = "", entities: Iterable[Mapping[str, Any]] = (),
            slots: Mapping[str, Any] | None = None) -> Tracker:
    """A tracker as the action server receives it: the latest message and the slots."""
    latest = {"intent": {"name": intent, "confidence": 0.95}, "text": text,
              "entities": [dict(e) for e in entities]}
    return Tracker("visitor-1", dict(slots or {}), latest, [], False, None, {}, "action_listen")


def act(action: Action, state: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Run ``action`` on ``state``: the events it returns and the messages it sent."""
    dispatcher = CollectingDispatcher()
    events = run(action.run(dispatcher, state, {}))
    return [dict(e) for e in events], dispatcher.messages


def slot_sets(events: list[dict[str, Any]]) -> list[tuple[str, Any]]:
    assert all(e["event"] == "slot" for e in events), events
    return [(e["name"], e["value"]) for e in events]


def button(entity: str, value: str) -> dict[str, Any]:
    """An entity from a button payload such as ``/inform{"size": "micro"}`` (no extractor)."""
    return {"entity": entity, "value": value}


def step_entity(step_id: str) -> dict[str, Any]:
    return {"entity": "step_id", "value": step_id}


def customs(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m["custom"] for m in messages if m["custom"]]


def step_buttons(messages: list[dict[str, Any]]) -> list[str]:
    return [b["payload"] for m in messages for b in m["buttons"]]


def ref(step_id: str) -> dict[str, str]:
    step = KB.step(step_id)
    assert step is not None
    return {"topic": step.topic, "step": step.id}


# ---- the profile form's validation ----------------------------------------------------

def validate(intent: str, requested: str | None, text: str = "",
             entities: Iterable[Mapping[str, Any]] = ()) -> list[tuple[str, Any]]:
    events, messages = act(ValidateProfileForm(),
                           tracker(intent, text, entities, {"requested_slot": requested}))
    assert messages == [], "the form's validation never speaks; the form asks the questions"
    # The profile slots it fills; which question comes next is bot/guidance/questions.py's.
    return [(name, value) for name, value in slot_sets(events) if name in PROFILE_SLOTS]


def test_a_question_asked_mid_form_leaves_the_slots_alone_so_the_rules_can_answer_it() -> None:
    assert validate("ask_backups", "sector", "how do I back up our files?") == []


def test_a_button_fills_its_slot_even_when_the_intent_is_not_a_profile_intent() -> None:
    assert validate("nlu_fallback", "sector", entities=[button("sector", "retail")]) == [
        ("sector", "retail")]


def test_the_answer_to_the_question_asked_fills_that_slot() -> None:
    assert validate("inform", "size", entities=[button("size", "micro")]) == [("size", "micro")]


def test_a_head_count_in_words_becomes_a_size_band() -> None:
    text = "we are 12 people"
    entity = {"entity": "headcount", "value": "12", "start": 7, "end": 9,
              "extractor": "SpacyEntityExtractor"}
    assert validate("inform", "size", text, [entity]) == [("size", "small")]


def test_a_sole_trader_is_not_asked_about_staff_devices() -> None:
    assert validate("inform", "size", entities=[button("size", "sole_trader")]) == [
        ("size", "sole_trader"), ("byod", "false")]


def test_a_description_mid_form_fills_every_attribute_it_mentions_and_not_the_asked_one() -> None:
    filled = validate("describe_business", "nation", "a small shop on Google Workspace",
                      [button("sector", "retail"), button("cloud", "google_workspace")])
    assert dict(filled) == {"sector": "retail", "cloud": ["google_workspace"]}


def test_several_cloud_services_in_one_message_are_all_kept() -> None:
    filled = validate("inform", "cloud", entities=[button("cloud", "microsoft_365"),
                                                    button("cloud", "google_workspace")])
    assert filled == [("cloud", ["google_workspace", "microsoft_365"])]


def test_not_sure_records_the_question_as_asked_and_unknown() -> None:
    assert validate("not_sure", "it_support", "no idea") == [("it_support", UNKNOWN)]


@pytest.mark.parametrize(("intent", "value"), [("affirm", "true"), ("deny", "false")])
def test_yes_or_no_answers_a_yes_no_question(intent: str, value: str) -> None:
    assert validate(intent, "card_payments", "yes" if intent == "affirm" else "no") == [
        ("card_payments", value)]


def test_no_to_the_cloud_question_means_no_cloud_services() -> None:
    assert validate("deny", "cloud", "no") == [("cloud", ["none"])]


def test_yes_to_a_question_with_listed_answers_is_asked_again() -> None:
    """ "Yes" says nothing about the sector: the slot stays empty, so the form asks again."""
    assert validate("affirm", "sector", "yes") == [("sector", None)]


def test_an_answer_with_nothing_usable_is_asked_again() -> None:
    assert validate("inform", "nation", "somewhere nice") == [("nation", None)]


def test_an_answer_to_another_question_fills_that_one_and_keeps_asking_this_one() -> None:
    """Not reset: the asked slot gets no event, so the form simply asks it next."""
    assert validate("inform", "nation", entities=[button("website", "online_shop")]) == [
        ("website", "online_shop")]


def test_a_value_outside_the_profile_vocabulary_is_not_stored() -> None:
    assert validate("inform", "sector", entities=[button("sector", "spaceflight")]) == [
        ("sector", None)]


def test_before_the_first_question_only_what_was_said_is_filled() -> None:
    assert validate("affirm", None, "yes") == []
    assert validate("inform", None, entities=[button("nation", "wales")]) == [("nation", "wales")]


# ---- commitments ------------------------------------------------------------------------

def commit(entities: Iterable[Mapping[str, Any]] = (), **slots: Any
           ) -> tuple[list[tuple[str, Any]], list[dict[str, Any]]]:
    events, messages = act(ActionRecordCommitment(), tracker("commit_step", "I'll do this",
                                                             entities, slots))
    return slot_sets(events), messages


def test_committing_to_a_step_by_its_button_records_it_and_says_so() -> None:
    events, messages = commit([step_entity(SECOND)], commitments=[FIRST], offered_steps=[FIRST, SECOND])
    assert events == [("commitments", [FIRST, SECOND])]
    assert customs(messages) == [{Key.COMMITMENT: ref(SECOND)}]
    assert "noted" in messages[0]["text"]


def test_committing_twice_to_the_same_step_records_it_once() -> None:
    events, messages = commit([step_entity(FIRST)], commitments=[FIRST])
    assert events == [("commitments", [FIRST])]
    assert customs(messages) == [{Key.COMMITMENT: ref(FIRST)}]


def test_with_one_step_offered_a_bare_yes_commits_to_it() -> None:
    events, messages = commit(offered_steps=[THIRD])
    assert events == [("commitments", [THIRD])]
    assert customs(messages) == [{Key.COMMITMENT: ref(THIRD)}]


def test_an_unknown_step_id_falls_back_to_the_one_step_offered() -> None:
    events, _ = commit([step_entity("backups_no_such_step")], offered_steps=[FIRST])
    assert events == [("commitments", [FIRST])]


def test_with_several_steps_offered_it_asks_which_one_with_a_button_each() -> None:
    events, messages = commit(offered_steps=[FIRST, SECOND], commitments=[])
    assert events == []
    assert customs(messages) == []
    assert step_buttons(messages) == [f'/commit_step{{"step_id": "{s}"}}' for s in (FIRST, SECOND)]


def test_with_nothing_offered_it_explains_how_to_choose_a_step() -> None:
    events, messages = commit()
    assert events == []
    assert step_buttons(messages) == []
    assert "Which step do you mean?" in messages[0]["text"]


# ---- done reports -----------------------------------------------------------------------

def report_done(entities: Iterable[Mapping[str, Any]] = (), **slots: Any
                ) -> tuple[list[tuple[str, Any]], list[dict[str, Any]]]:
    events, messages = act(ActionRecordDone(), tracker("report_done", "done it", entities, slots))
    return slot_sets(events), messages


def test_a_done_report_by_button_is_recorded_and_praised() -> None:
    events, messages = report_done([step_entity(FIRST)], commitments=[FIRST], done_steps=[])
    assert events == [("done_steps", [FIRST])]
    assert customs(messages) == [{Key.DONE: ref(FIRST)}]
    assert messages[0]["text"].startswith("Well done!")


def test_a_step_offered_but_never_committed_to_can_still_be_reported_done() -> None:
    events, messages = report_done([step_entity(SECOND)], offered_steps=[SECOND, THIRD], done_steps=[FIRST])
    assert events == [("done_steps", [FIRST, SECOND])]
    assert customs(messages) == [{Key.DONE: ref(SECOND)}]


def test_reporting_a_step_done_twice_records_it_once() -> None:
    events, _ = report_done([step_entity(FIRST)], done_steps=[FIRST])
    assert events == [("done_steps", [FIRST])]


def test_with_one_step_offered_done_means_that_step() -> None:
    events, _ = report_done(offered_steps=[THIRD], commitments=[FIRST, SECOND])
    assert events == [("done_steps", [THIRD])]


def test_with_one_commitment_still_open_done_means_that_one() -> None:
    events, messages = report_done(offered_steps=[FIRST, SECOND], commitments=[FIRST, SECOND],
                                   done_steps=[FIRST])
    assert events == [("done_steps", [FIRST, SECOND])]
    assert customs(messages) == [{Key.DONE: ref(SECOND)}]


def test_with_several_commitments_open_it_asks_which_among_them() -> None:
    events, messages = report_done(offered_steps=[THIRD, FIRST], commitments=[FIRST, SECOND])
    assert events == []
    assert customs(messages) == []
    assert step_buttons(messages) == [f'/report_done{{"step_id": "{s}"}}' for s in (FIRST, SECOND)]


def test_with_no_commitments_it_asks_which_among_the_steps_offered() -> None:
    events, messages = report_done(offered_steps=[SECOND, THIRD])
    assert events == []
    assert step_buttons(messages) == [f'/report_done{{"step_id": "{s}"}}' for s in (SECOND, THIRD)]


def test_with_nothing_committed_or_offered_it_explains_how_to_choose() -> None:
    events, messages = report_done()
    assert events == []
    assert step_buttons(messages) == []
    assert "Which step do you mean?" in messages[0]["text"]


# ---- the returning visitor's follow-up ---------------------------------------------------

def test_a_new_session_keeps_the_profile_and_asks_about_the_first_open_commitment() -> None:
    slots = {"size": "micro", "nation": "wales", "commitments": [FIRST, SECOND],
             "done_steps": [FIRST], "requested_slot": "sector", "session_started_metadata": {"x": 1},
             "sector": None}
    events, messages = act(ActionSessionStart(), tracker("session_start", "", (), slots))
    assert [e["event"] for e in events] == ["session_started", "slot", "slot", "slot", "slot",
                                            "slot", "action"]
    carried = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert carried == {"size": "micro", "nation": "wales", "commitments": [FIRST, SECOND],
                       "done_steps": [FIRST], "offered_steps": [SECOND]}
    assert events[-1]["name"] == "action_listen"
    assert customs(messages) == [{Key.FOLLOW_UP: ref(SECOND)}]
    assert step_buttons(messages) == [f'/{intent}{{"step_id": "{SECOND}"}}'
                                      for intent in ("report_done", "not_done_yet", "drop_step")]


def test_a_new_session_with_everything_done_asks_nothing() -> None:
    slots = {"commitments": [FIRST], "done_steps": [FIRST]}
    events, messages = act(ActionSessionStart(), tracker("session_start", "", (), slots))
    assert messages == []
    assert "offered_steps" not in {e.get("name") for e in events}


def follow_up(intent: str, entities: Iterable[Mapping[str, Any]] = (), **slots: Any
              ) -> tuple[list[tuple[str, Any]], list[dict[str, Any]]]:
    events, messages = act(ActionRecordFollowUp(), tracker(intent, "", entities, slots))
    return slot_sets(events), messages


def test_not_going_to_takes_the_step_off_the_list() -> None:
    events, messages = follow_up("drop_step", [step_entity(SECOND)], commitments=[FIRST, SECOND])
    assert dict(events) == {"commitments": [FIRST], "dropped_steps": [SECOND]}
    assert customs(messages) == [{Key.FOLLOW_UP_ANSWER: {**ref(SECOND), "status": "dropped"}}]


def test_not_yet_keeps_the_step_on_the_list() -> None:
    events, messages = follow_up("not_done_yet", [step_entity(FIRST)], commitments=[FIRST])
    assert events == []
    assert customs(messages) == [{Key.FOLLOW_UP_ANSWER: {**ref(FIRST), "status": "not_yet"}}]


def test_with_one_open_commitment_a_bare_not_yet_means_that_one() -> None:
    events, messages = follow_up("not_done_yet", commitments=[FIRST, SECOND], done_steps=[FIRST])
    assert events == []
    assert customs(messages) == [{Key.FOLLOW_UP_ANSWER: {**ref(SECOND), "status": "not_yet"}}]


def test_with_several_open_commitments_it_asks_which_with_the_same_intent() -> None:
    events, messages = follow_up("drop_step", commitments=[FIRST, SECOND])
    assert events == []
    assert step_buttons(messages) == [f'/drop_step{{"step_id": "{s}"}}' for s in (FIRST, SECOND)]


def test_the_entity_step_buttons_carry_is_declared_in_the_domain() -> None:
    """Rasa passes only declared entities to the actions: an undeclared one loses every choice."""
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    assert STEP_ENTITY in domain["entities"]
    assert step_payload("commit_step", FIRST) == f'/commit_step{{"{STEP_ENTITY}": "{FIRST}"}}'


# ---- answers, plans and clarifying questions ------------------------------------------

def test_a_topic_question_answers_it_and_remembers_what_was_offered() -> None:
    events, messages = act(ActionAnswerTopic(), tracker("ask_backups", "how do I back up?"))
    slots = dict(slot_sets(events))
    offered = [entry["id"] for c in customs(messages) for entry in c.get(Key.STEPS, [])]
    assert {c.get(Key.TOPIC) for c in customs(messages)} == {"backups"}
    assert 1 <= len(offered) <= 3
    assert slots == {"last_topic": "backups", "shown_steps": offered, "offered_steps": offered}


def test_an_intent_that_is_no_topic_gets_a_clarifying_question_and_changes_nothing() -> None:
    events, messages = act(ActionAnswerTopic(), tracker("ask_astrology", "what is my star sign?"))
    assert events == []
    assert [b for b in step_buttons(messages) if b.startswith("/ask_")]


def test_tell_me_more_offers_steps_not_shown_yet() -> None:
    _, first = act(ActionAnswerTopic(), tracker("ask_backups"))
    shown = [entry["id"] for c in customs(first) for entry in c.get(Key.STEPS, [])]
    events, messages = act(ActionMoreInfo(), tracker("more_info", "tell me more", (),
                                                     {"last_topic": "backups", "shown_steps": shown}))
    more = [entry["id"] for c in customs(messages) for entry in c.get(Key.STEPS, [])]
    assert more and not set(more) & set(shown)
    assert dict(slot_sets(events)) == {"shown_steps": shown + more, "offered_steps": more}


def test_tell_me_more_after_every_step_keeps_the_offer_as_it_was() -> None:
    events, _ = act(ActionMoreInfo(), tracker("more_info", "", (), {"last_topic": "backups",
                                                                    "shown_steps": BACKUP_STEPS}))
    assert slot_sets(events) == [("shown_steps", BACKUP_STEPS)]


def test_tell_me_more_with_no_topic_yet_says_what_the_assistant_covers() -> None:
    events, messages = act(ActionMoreInfo(), tracker("more_info", "tell me more"))
    assert events == []
    assert [m["response"] for m in messages] == ["utter_capabilities"]


def test_a_plan_leaves_out_steps_already_done_and_offers_the_rest() -> None:
    _, full = act(ActionGivePlan(), tracker("ask_action_plan", "", (), {"size": "micro"}))
    planned = [entry[Key.STEP] for c in customs(full) for entry in c.get(Key.PLAN, [])]
    events, messages = act(ActionGivePlan(), tracker("ask_action_plan", "", (),
                                                     {"size": "micro", "done_steps": planned[:1]}))
    again = [entry[Key.STEP] for c in customs(messages) for entry in c.get(Key.PLAN, [])]
    assert planned[0] not in again and again[0] == planned[1]
    assert dict(slot_sets(events))["offered_steps"] == again


def test_low_confidence_offers_the_likeliest_topics() -> None:
    state = tracker("nlu_fallback", "backup phish?")
    state.latest_message["intent_ranking"] = [{"name": "ask_phishing"}, {"name": "greet"},
                                              {"name": "ask_backups"}]
    events, messages = act(ActionClarify(), state)
    assert events == []
    assert step_buttons(messages)[:2] == ["/ask_phishing", "/ask_backups"]


def test_low_confidence_with_no_topic_in_view_offers_the_common_ones() -> None:
    _, messages = act(ActionClarify(), tracker("nlu_fallback", "/nlu_fallback"))
    assert step_buttons(messages)[:3] == ["/ask_phishing", "/ask_passwords", "/ask_backups"]


def test_a_correction_outside_the_questions_updates_the_profile() -> None:
    events, messages = act(ActionUpdateProfile(), tracker(
        "describe_business", "actually we have 20 staff",
        [{"entity": "headcount", "value": "20", "start": 17, "end": 19, "extractor": "SpacyEntityExtractor"}],
        {"size": "micro"}))
    assert dict(slot_sets(events)) == {"size": "small", "people": "20"}


# ---- the checks' conversation, without the network -----------------------------------

def test_asking_for_a_check_without_an_address_asks_for_one_and_remembers_which() -> None:
    events, messages = act(ActionCheckEmailDomain(), tracker("check_email_domain", "check our email"))
    assert slot_sets(events) == [("pending_check", "email_domain")]
    assert messages and customs(messages) == []


def test_an_address_on_its_own_runs_the_check_that_asked_for_it() -> None:
    """A private address is refused before any connection, so this needs no network."""
    events, messages = act(ActionCheckGivenAddress(), tracker(
        "give_address", "http://192.168.1.10", (), {"pending_check": "website"}))
    assert slot_sets(events) == [("pending_check", None)]
    checked = [c[Key.CHECK] for c in customs(messages) if Key.CHECK in c]
    assert [(c["kind"], c["outcome"]) for c in checked] == [("website", "refused")]
