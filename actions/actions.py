"""Custom actions: thin adapters between rasa-sdk and the plain code in ``bot/``."""

from __future__ import annotations

import asyncio
import re
from typing import Any, Dict, List, Literal, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.checks import conversation as check_talk
from bot.checks import plan_links as check_plan
from bot.checks import reply as check_reply
from bot.checks import service as checks
from bot.guidance import answering, replies
from bot.guidance.answering import Decision, asks_prevention, decide
from bot.guidance.extraction import extract_facts
from bot.guidance.knowledge import TOPIC_IDS, KnowledgeBase, default_knowledge_base
from bot.guidance.knowledge.answers import default_answers
from bot.guidance.profile import (
    ATTRIBUTE_VALUES,
    BOOLEAN_ATTRIBUTES,
    UNKNOWN,
    BusinessProfile,
    to_slot_value,
)
from bot.guidance.questions import EXPLANATIONS, asks_what_it_means, next_question, progress
from bot.nlp.language import is_welsh
from bot.plans import progress as plan_progress
from bot.plans import replies as plan_replies
from bot.plans.state import DROPPED_SLOT, PLAN_SLOT, plan_view
from bot.reply_contract import STEP_ENTITY

PROFILE_SLOTS = tuple(ATTRIBUTE_VALUES)
#: Slots the profile reads besides the attributes: the head count ("3 people").
PROFILE_EXTRA_SLOTS = ("people",)
COMMON_TOPICS = ("phishing", "passwords", "backups")
#: Intents whose message may carry facts about the business.
PROFILE_INTENTS = {"describe_business", "inform", "not_sure", "affirm", "deny"}


def _kb() -> KnowledgeBase:
    return default_knowledge_base()


def _profile(tracker: Tracker) -> BusinessProfile:
    return BusinessProfile.from_slots(
        {slot: tracker.get_slot(slot) for slot in PROFILE_SLOTS + PROFILE_EXTRA_SLOTS})


def _send(dispatcher: CollectingDispatcher, reply: replies.Reply) -> None:
    for message in reply.messages:
        dispatcher.utter_message(
            text=message.text, buttons=message.buttons or None, json_message=message.custom
        )


def _intent(tracker: Tracker) -> str:
    return str((tracker.latest_message.get("intent") or {}).get("name") or "")


def _text(tracker: Tracker) -> str:
    return str(tracker.latest_message.get("text") or "")


def _facts(tracker: Tracker) -> Dict[str, Any]:
    return extract_facts(_text(tracker), tracker.latest_message.get("entities") or [])


def _fact_events(facts: Dict[str, Any]) -> List[EventType]:
    events: List[EventType] = [
        SlotSet(a, str(v) if a == "people" else to_slot_value(a, v)) for a, v in facts.items()]
    if facts.get("size") == "sole_trader":
        # A one-person business has no staff devices to ask about.
        events.append(SlotSet("byod", "false"))
    return events


def _list_slot(tracker: Tracker, name: str) -> List[str]:
    value = tracker.get_slot(name)
    return list(value) if isinstance(value, list) else []


def _decision(tracker: Tracker, intent: str | None = None) -> Decision:
    """The answering rules (bot/guidance/answering.py) applied to the latest message."""
    message = tracker.latest_message
    ranking = message.get("intent_ranking") or []
    if intent is None:
        intent = _intent(tracker)
        if intent == "nlu_fallback" and ranking:
            # The fallback hides the classifier's own guess; the rules weigh it themselves.
            intent = str(ranking[0].get("name") or "")
    confidence = next((float(r.get("confidence") or 0.0) for r in ranking if r.get("name") == intent),
                      float((message.get("intent") or {}).get("confidence") or 0.0))
    return decide(intent=intent, confidence=confidence, text=_text(tracker),
                  parsed=message.get(answering.PARSE_KEY), answers=default_answers(), topics=TOPIC_IDS,
                  intent_ranking=ranking)


def _topic_events(reply: replies.Reply) -> List[EventType]:
    events: List[EventType] = [SlotSet("last_topic", reply.topic), SlotSet("shown_steps", reply.offered)]
    if reply.offered:
        events.append(SlotSet("offered_steps", reply.offered))
    return events


def _respond(dispatcher: CollectingDispatcher, tracker: Tracker, decision: Decision,
             profile: BusinessProfile) -> List[EventType]:
    """Send the reply the decision calls for; the slot events it implies."""
    if decision.kind == "answers":
        answers = default_answers()
        reply = replies.answer_reply(_kb(), [answers[a] for a in decision.answers], profile,
                                     text=_text(tracker))
        _send(dispatcher, reply)
        return _topic_events(reply)
    if decision.kind == "topic" and decision.topic in TOPIC_IDS:
        reply = replies.topic_answer(_kb(), decision.topic, profile)
        _send(dispatcher, reply)
        return _topic_events(reply)
    if decision.kind == "incident":
        reply = replies.incident_reply(_kb(), _text(tracker), profile)
        _send(dispatcher, reply)
        return [SlotSet("last_topic", reply.topic), SlotSet("shown_steps", [])]
    if decision.kind == "refuse":
        if is_welsh(_text(tracker)):
            _send(dispatcher, replies.welsh_reply())
        else:
            dispatcher.utter_message(response="utter_out_of_scope")
        return []
    if is_welsh(_text(tracker)):
        _send(dispatcher, replies.welsh_reply())
        return []
    _send(dispatcher, replies.clarify_reply(_kb(), list(decision.candidates) or list(COMMON_TOPICS)))
    return []


def _with_facts(tracker: Tracker) -> tuple[List[EventType], BusinessProfile]:
    """What the message says about the business, as slot events, and the profile with it."""
    events = _fact_events(_facts(tracker))
    slots = {slot: tracker.get_slot(slot) for slot in PROFILE_SLOTS + PROFILE_EXTRA_SLOTS}
    slots.update({e["name"]: e["value"] for e in events})
    return events, BusinessProfile.from_slots(slots)


class ActionAnswerTopic(Action):
    """A question: the specific answer when one fits, else the topic, else a question back.
    Whatever the message says about the business is recorded too."""

    def name(self) -> str:
        return "action_answer_topic"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        events, profile = _with_facts(tracker)
        return events + _respond(dispatcher, tracker, _decision(tracker), profile)


class ActionOutOfScope(Action):
    """Out of scope by the classifier: refused politely, unless a specific answer is a
    confident match (nothing about a business's devices, accounts or money is refused)."""

    def name(self) -> str:
        return "action_out_of_scope"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        events, profile = _with_facts(tracker)
        return events + _respond(dispatcher, tracker, _decision(tracker, "out_of_scope"), profile)


class ActionMoreInfo(Action):
    def name(self) -> str:
        return "action_more_info"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        chosen = _step_entity(tracker)
        if chosen is not None:
            # "How do I do step 2?" under a plan: the whole of that step.
            detail = replies.step_detail_reply(chosen)
            _send(dispatcher, detail)
            return [SlotSet("offered_steps", detail.offered), SlotSet("last_topic", chosen.topic)]
        topic = tracker.get_slot("last_topic")
        if topic not in TOPIC_IDS:
            dispatcher.utter_message(response="utter_capabilities")
            return []
        shown = _list_slot(tracker, "shown_steps")
        reply = replies.more_on_topic(_kb(), topic, _profile(tracker), shown)
        _send(dispatcher, reply)
        events: List[EventType] = [SlotSet("shown_steps", shown + reply.offered)]
        if reply.offered:
            events.append(SlotSet("offered_steps", reply.offered))
        return events


class ActionGivePlan(Action):
    def name(self) -> str:
        return "action_give_plan"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        reply = check_plan.plan_reply_with_findings(
            _kb(), _profile(tracker), _list_slot(tracker, "done_steps"),
            _list_slot(tracker, check_talk.FAILURES_SLOT))
        _send(dispatcher, reply)
        events: List[EventType] = [SlotSet("offered_steps", reply.offered)]
        if reply.offered:  # the latest plan, for "My plan", typed progress and the private link
            events.append(SlotSet(PLAN_SLOT, reply.offered))
        return events


class ActionBotChallenge(Action):
    """"Are you a bot?" says so; "can I talk to a real person?" gets the people to call."""

    def name(self) -> str:
        return "action_bot_challenge"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        decision = _decision(tracker, "bot_challenge")
        answers = default_answers()
        wants_person = re.search(r"\b(person|human|someone|somebody|people|talk to|speak to|call)\b",
                                 _text(tracker), re.IGNORECASE)
        if wants_person and decision.kind == "answers" and answers[decision.answers[0]].kind == "human":
            return _respond(dispatcher, tracker, decision, _profile(tracker))
        dispatcher.utter_message(response="utter_iamabot")
        return []


class ActionHandleIncident(Action):
    """Something has gone wrong: the specific answer for that incident when one fits, with
    the reporting routes for this business's nation. A message that asks how to prevent
    something is answered as the question it is."""

    def name(self) -> str:
        return "action_handle_incident"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        events, profile = _with_facts(tracker)
        decision = _decision(tracker, "report_incident")
        if decision.kind in ("clarify", "refuse") and not asks_prevention(_text(tracker)):
            decision = Decision("incident")
        return events + _respond(dispatcher, tracker, decision, profile)


class ActionUpdateProfile(Action):
    """Business details given outside the profile questions, including corrections."""

    def name(self) -> str:
        return "action_update_profile"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        facts = _facts(tracker)
        events, profile = _with_facts(tracker)
        decision = _decision(tracker, _question_intent(tracker))
        if decision.kind in ("answers", "refuse") and _asks_something(_text(tracker)):
            # A description with a question: note the business quietly, then answer the
            # question (or say politely that it is not one the assistant answers).
            return events + _respond(dispatcher, tracker, decision, profile)
        _send(dispatcher, replies.profile_update_reply(profile, facts))
        return events


def _asks_something(text: str) -> bool:
    lowered = text.strip().lower()
    return "?" in lowered or bool(re.search(
        r"\b(how|what|who|where|when|why|which|can|could|should|do|does|is|are|must|need)\b[^.!]*$",
        lowered))


def _question_intent(tracker: Tracker) -> str:
    """The likeliest intent that is not a description of the business."""
    for item in tracker.latest_message.get("intent_ranking") or []:
        name = str(item.get("name") or "")
        if name == "out_of_scope" and float(item.get("confidence") or 0.0) < 0.2:
            continue  # a faint out-of-scope guess is no reason to refuse a description
        if name not in PROFILE_INTENTS and name != "nlu_fallback":
            return name
    return "nlu_fallback"


def _step_entity(tracker: Tracker) -> Optional[Any]:
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == STEP_ENTITY:
            return _kb().step(str(entity.get("value")))
    return None


def _chosen_step(tracker: Tracker) -> Optional[str]:
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == STEP_ENTITY and _kb().step(str(entity.get("value"))):
            return str(entity["value"])
    named = _named_step(tracker)
    if named is not None:
        return named
    offered = _list_slot(tracker, "offered_steps")
    return offered[0] if len(offered) == 1 else None


class ActionRecordCommitment(Action):
    def name(self) -> str:
        return "action_record_commitment"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        step_id = _chosen_step(tracker)
        step = _kb().step(step_id) if step_id else None
        if step is None:
            offered = _list_slot(tracker, "offered_steps")
            _send(dispatcher, replies.which_step_reply(_kb(), offered, "commit_step"))
            return []
        _send(dispatcher, replies.commitment_reply(step))
        commitments = _list_slot(tracker, "commitments")
        if step.id not in commitments:
            commitments.append(step.id)
        return [SlotSet("commitments", commitments), *_undrop(tracker, step.id)]


class ActionRecordDone(Action):
    def name(self) -> str:
        return "action_record_done"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        step_id = _chosen_step(tracker)
        if step_id is None:
            commitments = _list_slot(tracker, "commitments")
            done = _list_slot(tracker, "done_steps")
            open_ones = [c for c in commitments if c not in done]
            if len(open_ones) == 1:
                step_id = open_ones[0]
        step = _kb().step(step_id) if step_id else None
        if step is not None and step.id not in _offered_or_committed(tracker):
            step = None  # never offered here: a crafted /report_done must not count as uptake
        if step is None:
            candidates = _list_slot(tracker, "commitments") or _list_slot(tracker, "offered_steps")
            _send(dispatcher, replies.which_step_reply(_kb(), candidates, "report_done"))
            return []
        _send(dispatcher, replies.done_reply(step))
        done = _list_slot(tracker, "done_steps")
        if step.id not in done:
            done.append(step.id)
        return [SlotSet("done_steps", done)]


def _offered_or_committed(tracker: Tracker) -> set[str]:
    """Every step this conversation was offered (in any reply or in its plan) or committed to,
    or reported done."""
    steps = set(_list_slot(tracker, "commitments")) | set(_list_slot(tracker, "done_steps"))
    steps |= set(_list_slot(tracker, "offered_steps")) | set(_list_slot(tracker, PLAN_SLOT))
    for event in tracker.events:
        if event.get("event") == "slot" and event.get("name") == "offered_steps" \
                and isinstance(event.get("value"), list):
            steps.update(str(step) for step in event["value"])
    return steps


def open_commitments(tracker: Tracker) -> List[str]:
    done = set(_list_slot(tracker, "done_steps"))
    return [c for c in _list_slot(tracker, "commitments") if c not in done]


class ActionSessionStart(Action):
    """Start a session, keeping what we know, and follow up on last time's plans."""

    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        carried: List[EventType] = [
            SlotSet(name, value) for name, value in tracker.current_slot_values().items()
            if value is not None and name not in ("requested_slot", "session_started_metadata")
        ]
        events: List[EventType] = [SessionStarted(), *carried]
        pending = open_commitments(tracker)
        step = _kb().step(pending[0]) if pending else None
        if step is not None:
            _send(dispatcher, replies.follow_up_question(step))
            events.append(SlotSet("offered_steps", [step.id]))
        elif welcome := await asyncio.get_running_loop().run_in_executor(
                None, check_talk.welcome_back, tracker.current_slot_values(), tracker.sender_id):
            dispatcher.utter_message(text=welcome)
        events.append(ActionExecuted("action_listen"))
        return events


class ActionRecordFollowUp(Action):
    """The answer to a follow-up question: not yet, or not going to do it."""

    def name(self) -> str:
        return "action_record_follow_up"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        step_id = _chosen_step(tracker)
        if step_id is None:
            pending = open_commitments(tracker)
            step_id = pending[0] if len(pending) == 1 else None
        step = _kb().step(step_id) if step_id else None
        intent = _intent(tracker)
        if step is None:
            _send(dispatcher, replies.which_step_reply(_kb(), open_commitments(tracker), intent))
            return []
        status: Literal["not_yet", "dropped"] = "dropped" if intent == "drop_step" else "not_yet"
        _send(dispatcher, replies.follow_up_answer_reply(step, status))
        if status == "dropped":
            remaining = [c for c in _list_slot(tracker, "commitments") if c != step.id]
            dropped = _list_slot(tracker, DROPPED_SLOT)
            return [SlotSet("commitments", remaining),
                    SlotSet(DROPPED_SLOT, dropped + ([] if step.id in dropped else [step.id]))]
        return []


class ActionClarify(Action):
    """Low confidence in the intent: a specific answer if one is a confident match, else ask
    which topic was meant, offering the likeliest ones (or the commonest topics)."""

    def name(self) -> str:
        return "action_clarify"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        events, profile = _with_facts(tracker)
        return events + _respond(dispatcher, tracker, _decision(tracker), profile)


class ValidateProfileForm(Action):
    """Fill profile slots from whatever the owner said, and choose the next question.

    The form asks only what is still unknown and would change the first steps of the
    plan (bot/guidance/questions.py), most valuable first, so it sets ``requested_slot``
    itself; ``None`` ends the questions and the plan follows. "What does that mean?"
    gets the question explained, then asked again. Returning no slot events for a
    question lets the form step aside so the rules can answer it; the form then asks
    its question again.
    """

    def name(self) -> str:
        return "validate_profile_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        intent = _intent(tracker)
        requested = tracker.get_slot("requested_slot")
        asked = _list_slot(tracker, "asked_questions")
        if requested in EXPLANATIONS and asks_what_it_means(_text(tracker)):
            dispatcher.utter_message(text=EXPLANATIONS[requested])
            return [SlotSet(requested, None), SlotSet("requested_slot", requested)]
        button_entities = [
            e for e in tracker.latest_message.get("entities") or [] if e.get("entity") in ATTRIBUTE_VALUES
        ]
        events: List[EventType] = []
        if requested is None or intent in PROFILE_INTENTS or button_entities:
            facts = _facts(tracker)
            events = _fact_events(facts)
            if requested in PROFILE_SLOTS and requested not in facts:
                if intent == "not_sure":
                    events.append(SlotSet(requested, UNKNOWN))
                elif requested in BOOLEAN_ATTRIBUTES and intent in ("affirm", "deny"):
                    events.append(SlotSet(requested, "true" if intent == "affirm" else "false"))
                elif requested == "cloud" and intent == "deny":
                    events.append(SlotSet(requested, ["none"]))
        elif requested is not None:
            return []
        if requested is not None and not events:
            # Nothing usable: keep the slot empty so the form asks again.
            return [SlotSet(requested, None), SlotSet("requested_slot", requested)]
        slots = {slot: tracker.get_slot(slot) for slot in PROFILE_SLOTS + PROFILE_EXTRA_SLOTS}
        slots.update({e["name"]: e["value"] for e in events})
        profile = BusinessProfile.from_slots(slots)
        question = next_question(_kb().topics, profile, asked)
        if question is None:
            return events + [SlotSet("requested_slot", None)]
        where = progress(_kb().topics, profile, asked, question)
        return events + [
            SlotSet("asked_questions", asked + [question]),
            SlotSet("question_progress", where.label() + ":"),
            SlotSet("requested_slot", question),
        ]


async def _run_check(dispatcher: CollectingDispatcher, tracker: Tracker, kind: str) -> List[EventType]:
    """Check the address in the message, or ask for one and remember which check to run.

    The check blocks on the network for up to its time limit, so it runs in a worker
    thread: other conversations' actions carry on meanwhile.
    """
    entities = [str(e.get("value")) for e in tracker.latest_message.get("entities") or []
                if e.get("entity") == "web_address" and e.get("value")]
    slots = tracker.current_slot_values()
    address = (checks.address_in(kind, _text(tracker), entities)
               or check_talk.stored_address(kind, slots))
    if address is None:
        _send(dispatcher, check_reply.ask_for_address(kind))
        return [SlotSet("pending_check", kind)]
    result = await asyncio.get_running_loop().run_in_executor(
        None, checks.run_check, kind, tracker.sender_id, address)
    turn = await asyncio.get_running_loop().run_in_executor(
        None, check_talk.after_check, _kb(), result, _profile(tracker), slots, tracker.sender_id,
        address)
    reply = turn.reply
    _send(dispatcher, reply)
    events: List[EventType] = [SlotSet("pending_check", None)]
    events += [SlotSet(name, value) for name, value in turn.slots.items()]
    if reply.offered:
        events += [SlotSet("last_topic", reply.topic), SlotSet("shown_steps", reply.offered),
                   SlotSet("offered_steps", reply.offered)]
    return events


class ActionCheckWebsite(Action):
    def name(self) -> str:
        return "action_check_website"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        return await _run_check(dispatcher, tracker, "website")


class ActionCheckEmailDomain(Action):
    def name(self) -> str:
        return "action_check_email_domain"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        return await _run_check(dispatcher, tracker, "email_domain")


class ActionCheckGivenAddress(Action):
    """An address on its own: run the check that asked for it, else the website check."""

    def name(self) -> str:
        return "action_check_given_address"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        pending = tracker.get_slot("pending_check")
        if pending not in checks.KINDS:
            pending = "email_domain" if "@" in _text(tracker) else "website"
        return await _run_check(dispatcher, tracker, str(pending))


# ---- the plan: typed progress, "My plan" and the plan to take away (bot/plans) ----------


def _named_step(tracker: Tracker) -> Optional[str]:
    """The step a typed message names ("done the backups"), among those the owner has seen."""
    candidates = [*_list_slot(tracker, PLAN_SLOT), *_list_slot(tracker, "commitments"),
                  *_list_slot(tracker, "offered_steps"), *_list_slot(tracker, "shown_steps")]
    text = _text(tracker)
    if not candidates or text.startswith("/"):
        return None
    return plan_progress.match_step(text, candidates, _kb())


def _undrop(tracker: Tracker, step_id: str) -> List[EventType]:
    dropped = _list_slot(tracker, DROPPED_SLOT)
    return [SlotSet(DROPPED_SLOT, [d for d in dropped if d != step_id])] if step_id in dropped else []


def _plan_slots(tracker: Tracker) -> Dict[str, Any]:
    names = (*PROFILE_SLOTS, PLAN_SLOT, "commitments", "done_steps", DROPPED_SLOT)
    return {name: tracker.get_slot(name) for name in names}


class ActionListProgress(Action):
    """ "What have I done so far?": every step of the latest plan and where it stands."""

    def name(self) -> str:
        return "action_list_progress"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        view = plan_view(_kb(), _plan_slots(tracker))
        _send(dispatcher, plan_replies.list_progress_reply(view.states))
        return []


class ActionNextStep(Action):
    """ "What's next?": the next step of the plan; with no plan, more on the last topic."""

    def name(self) -> str:
        return "action_next_step"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        view = plan_view(_kb(), _plan_slots(tracker))
        if view.empty and tracker.get_slot("last_topic") in TOPIC_IDS:
            return await ActionMoreInfo().run(dispatcher, tracker, domain)
        reply = plan_replies.next_step_reply(view.states)
        _send(dispatcher, reply)
        return [SlotSet("offered_steps", reply.offered)] if reply.offered else []


class ActionShowPlan(Action):
    """The latest plan with each step's state (the widget's "My plan" on a new device)."""

    def name(self) -> str:
        return "action_show_plan"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        view = plan_view(_kb(), _plan_slots(tracker))
        _send(dispatcher, plan_replies.show_plan_reply(_kb(), view.states, view.whys))
        return []


class ActionUndoDone(Action):
    """A step unticked in the checklist: no longer done, still on the plan."""

    def name(self) -> str:
        return "action_undo_done"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        step_id = _chosen_step(tracker)
        step = _kb().step(step_id) if step_id else None
        done = _list_slot(tracker, "done_steps")
        if step is None:
            _send(dispatcher, replies.which_step_reply(_kb(), done, "undo_done"))
            return []
        _send(dispatcher, plan_replies.undone_reply(step))
        return [SlotSet("done_steps", [d for d in done if d != step.id])]


class ActionDownloadPlan(Action):
    """ "Download my plan": a private link to the printable page and the PDF."""

    def name(self) -> str:
        return "action_download_plan"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        from bot.plans import takeaway  # the database is needed only here

        if not _list_slot(tracker, PLAN_SLOT):
            _send(dispatcher, plan_replies.list_progress_reply([]))
            return []
        links = await asyncio.get_running_loop().run_in_executor(
            None, takeaway.new_links, tracker.sender_id, _plan_slots(tracker))
        if links is None:
            _send(dispatcher, plan_replies.download_unavailable_reply())
            return []
        _send(dispatcher, plan_replies.download_reply(*links, email=takeaway.email_offered()))
        return []
