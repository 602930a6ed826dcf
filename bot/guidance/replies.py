"""What the assistant says, composed from the knowledge base and the profile.

Each function returns plain ``Message`` objects. Their ``custom`` payloads, which the
widget, the analytics and the tests rely on, are built by ``bot/reply_contract.py``:
a guidance reply carries ``custom.topic``, a plan ``custom.plan`` in priority order, and
replies that are not guidance carry no topic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Literal, Sequence

from bot import reply_contract as contract
from bot.guidance.answering import variant_text
from bot.guidance.incidents import classify, routes_for
from bot.guidance.knowledge.answers import Answer
from bot.guidance.knowledge.loader import KnowledgeBase
from bot.guidance.knowledge.schema import Step
from bot.guidance.profile import BusinessProfile, size_label
from bot.guidance.tailoring import PlanStep, build_plan, rank_steps, topic_steps

WHO_LABELS = {"owner": "you", "all_staff": "everyone", "it_provider": "your IT provider"}
EFFORT_LABELS = {"minutes": "minutes", "hours": "a few hours", "days": "a few days"}
COST_LABELS = {"free": "free", "low": "low cost", "medium": "some cost", "high": "high cost"}
HOW_TO = "How do I do step {number}?"


def who_label(who: str, profile: BusinessProfile) -> str:
    """Who does a step, in words that fit: a sole trader is "you", never "everyone"."""
    if profile.solo:
        return "you"
    if who == "all_staff":
        return "everyone, volunteers too" if profile.volunteers else "everyone"
    if who == "it_provider" and profile.it_support == "none":
        return "you, or whoever helps with your computers"
    if who == "it_provider" and profile.it_support == "in_house":
        return "your IT staff"
    return WHO_LABELS[who]


def _organisation(profile: BusinessProfile) -> str:
    if profile.solo:
        return "you"
    return "your charity" if profile.is_charity else "your business"
MORE_HINT = 'Say "tell me more" for further steps, or "what should I do first?" for a plan.'


@dataclass
class Message:
    text: str | None = None
    buttons: list[dict[str, str]] = field(default_factory=list)
    custom: contract.Custom | None = None


@dataclass
class Reply:
    messages: list[Message]
    offered: list[str] = field(default_factory=list)  # step ids the user can now commit to
    topic: str | None = None


def commit_button(step: Step) -> dict[str, str]:
    return {
        "title": f"I'll do this: {step.title}",
        "payload": contract.step_payload("commit_step", step.id),
    }


def _step_entry(item: PlanStep) -> contract.StepEntry:
    step = item.step
    return contract.step_entry(id=step.id, topic=step.topic, title=step.title, why=item.why,
                               who=step.who, effort=step.effort, cost=step.cost,
                               must_do=step.must_do, sources=step.sources)


def _bullets(items: Iterable[PlanStep]) -> str:
    return "\n".join(f"- {item.step.title}. {item.step.text}" for item in items)


def topic_answer(
    kb: KnowledgeBase, topic_id: str, profile: BusinessProfile, skip: Sequence[str] = ()
) -> Reply:
    """A short answer on one topic: the summary and up to three steps that fit."""
    topic = kb.topics[topic_id]
    items = topic_steps(topic, profile, skip=skip)
    if not items:
        return more_exhausted(kb, topic_id)
    lead = "For your business, start with these:" if profile.known() else "Start with these:"
    text = f"{topic.summary}\n\n{lead}\n{_bullets(items)}\n\n{MORE_HINT}"
    custom = contract.guidance(topic_id, [_step_entry(item) for item in items])
    buttons = [commit_button(item.step) for item in items] + [
        {"title": "Tell me more", "payload": "/more_info"}
    ]
    return Reply([Message(text=text, buttons=buttons, custom=custom)],
                 offered=[item.step.id for item in items], topic=topic_id)


def more_on_topic(
    kb: KnowledgeBase, topic_id: str, profile: BusinessProfile, shown: Sequence[str]
) -> Reply:
    """The next few steps on the topic last discussed."""
    topic = kb.topics[topic_id]
    items = topic_steps(topic, profile, skip=shown)
    if not items:
        return more_exhausted(kb, topic_id)
    text = f"More on {topic.title.lower()}:\n{_bullets(items)}"
    custom = contract.guidance(topic_id, [_step_entry(item) for item in items])
    buttons = [commit_button(item.step) for item in items]
    return Reply([Message(text=text, buttons=buttons, custom=custom)],
                 offered=[item.step.id for item in items], topic=topic_id)


def more_exhausted(kb: KnowledgeBase, topic_id: str) -> Reply:
    topic = kb.topics[topic_id]
    sources = sorted({url for step in topic.steps for url in step.sources})[:2]
    text = (
        f"That's all my advice on {topic.title.lower()} for your business. "
        f"You can read more at {' and '.join(sources)}. "
        'Ask me about another topic, or say "what should I do first?" for a plan.'
    )
    return Reply([Message(text=text, custom=contract.topic_only(topic_id))], topic=topic_id)


def plan_step_text(number: int, item: PlanStep, profile: BusinessProfile) -> str:
    """One plan step for a phone screen: a bold title, who, time and cost, the why-line."""
    step = item.step
    who = who_label(step.who, profile)
    facts = [who[:1].upper() + who[1:], EFFORT_LABELS[step.effort], COST_LABELS[step.cost]]
    if step.must_do:
        facts.append("must-do")
    return f"**{number}. {step.title}**\n{' · '.join(facts)}\n{item.why}"


def plan_reply(kb: KnowledgeBase, profile: BusinessProfile, done: Sequence[str] = ()) -> Reply:
    """The ordered action plan for this business, laid out for a phone."""
    plan = build_plan(kb.topics, profile, exclude=done)
    if not plan:
        return Reply([Message(text="You have done everything on my list. Well done!")])
    blocks = [plan_step_text(number, item, profile) for number, item in enumerate(plan, start=1)]
    intro = (f"Here are the {len(plan)} steps that protect {_organisation(profile)} most, "
             "for the least effort. Most important first:")
    text = f"{intro}\n\n" + "\n\n".join(blocks) + (
        "\n\nTell me which ones you will do, and tell me when one is done."
    )
    custom = contract.plan([contract.plan_entry(item.step.topic, item.step.id, item.step.title)
                            for item in plan],
                           [_step_entry(item) for item in plan])
    buttons = [{"title": HOW_TO.format(number=number),
                "payload": contract.step_payload("more_info", item.step.id)}
               for number, item in enumerate(plan, start=1)]
    return Reply([Message(text=text, buttons=buttons, custom=custom)],
                 offered=[item.step.id for item in plan])


def step_detail_reply(step: Step) -> Reply:
    """ "How do I do this?": the whole step, with a button to commit to it."""
    text = f"**{step.title}**\n{step.text}\n\nWhy: {step.why}"
    custom = contract.guidance(step.topic, [contract.step_entry(
        id=step.id, topic=step.topic, title=step.title, why=step.why, who=step.who,
        effort=step.effort, cost=step.cost, must_do=step.must_do, sources=step.sources)])
    return Reply([Message(text=text, buttons=[commit_button(step)], custom=custom)],
                 offered=[step.id], topic=step.topic)


def incident_reply(kb: KnowledgeBase, text: str, profile: BusinessProfile) -> Reply:
    """Urgent steps first, then who to report to for this business's nation."""
    incident = classify(text, kb)
    steps = "\n".join(f"{n}. {step}" for n, step in enumerate(incident.steps, start=1))
    urgent = f"I'm sorry this has happened. Do these things now:\n{steps}"
    chosen = routes_for(profile, kb, incident)
    routes = []
    for route, label in chosen:
        routes.append(f"- {label}: {route.text}" if label else f"- {route.text}")
    report = "Then report it:\n" + "\n".join(routes)
    links = [contract.link(c.kind, c.label, c.value)  # type: ignore[arg-type]
             for route, _ in chosen for c in route.contacts]
    custom = contract.incident(incident.topic, incident.id, [route.id for route, _ in chosen])
    # The routes' numbers and addresses go with the routes, as links.
    report_custom = contract.contacts(links) if links else None
    return Reply(
        [Message(text=urgent, custom=custom), Message(text=report, custom=report_custom)],
        topic=incident.topic,
    )


def describe_profile(profile: BusinessProfile) -> str:
    """A plain sentence listing what the assistant knows about the business."""
    known = profile.known()
    parts: list[str] = []
    size = size_label(profile)
    if size:
        parts.append(size)
    if "sector" in known:
        parts.append(str(known["sector"]).replace("_", " "))
    if "nation" in known:
        parts.append(f"in {known['nation'].replace('_', ' ').title()}")
    if "cloud" in known:
        names = {"microsoft_365": "Microsoft 365", "google_workspace": "Google Workspace",
                 "other": "other online services", "none": "no cloud services"}
        parts.append("uses " + " and ".join(names[s] for s in sorted(known["cloud"])))
    yes_no = {
        "card_payments": ("takes card payments", "no card payments"),
        "personal_data": ("holds personal data", "no personal data"),
        "remote_working": ("home or remote working", "no remote working"),
        "byod": ("staff use their own devices", "work devices only"),
    }
    for attribute, (yes, no) in yes_no.items():
        if attribute in known:
            parts.append(yes if known[attribute] else no)
    if "website" in known:
        parts.append({"none": "no website", "brochure": "a website",
                      "online_shop": "an online shop"}[known["website"]])
    if "it_support" in known:
        parts.append({"none": "no IT support", "in_house": "in-house IT",
                      "outsourced": "an IT provider"}[known["it_support"]])
    more = {
        "bank_transfers": ("paid or pays by bank transfer", "no bank transfers"),
        "social_media": ("social media accounts", "no social media"),
        "customer_wifi": ("Wi-Fi for customers", "no customer Wi-Fi"),
        "onsite_server": ("a server on site", "no server on site"),
        "old_machines": ("some old or unsupported computers", "up-to-date computers"),
        "volunteers": ("volunteers", "no volunteers"),
        "contractors": ("freelancers or contractors use your accounts", "no outside logins"),
        "shared_devices": ("shared devices", "a device for each person"),
    }
    for attribute, (yes, no) in more.items():
        if attribute in known:
            parts.append(yes if known[attribute] else no)
    if "website_platform" in known:
        parts.append({"hosted": "a hosted website (such as Shopify or Wix)",
                      "self_run": "a website you run (such as WordPress)"}[known["website_platform"]])
    return "; ".join(parts)


def profile_update_reply(profile: BusinessProfile, changed: Iterable[str]) -> Reply:
    changed = list(changed)
    if not changed:
        text = ("I couldn't pick out details of your business there. You can tell me things like "
                '"we are 12 people in Leeds, we use Microsoft 365 and take card payments".')
        return Reply([Message(text=text)])
    text = f"Thanks, I've noted that. What I know so far: {describe_profile(profile)}."
    buttons = [{"title": "What should I do first?", "payload": "/ask_action_plan"}]
    return Reply([Message(text=text, buttons=buttons)])


def clarify_reply(kb: KnowledgeBase, candidate_topics: Sequence[str]) -> Reply:
    """A clarifying question when the assistant is not sure what was asked."""
    buttons = [
        {"title": kb.topics[topic].title, "payload": f"/ask_{topic}"} for topic in candidate_topics[:3]
    ]
    buttons.append({"title": "Something else", "payload": "/ask_capabilities"})
    text = "Sorry, I'm not sure I understood. Did you mean one of these?"
    return Reply([Message(text=text, buttons=buttons)])


def commitment_reply(step: Step) -> Reply:
    text = (f"Great, I've noted that you'll {step.title[0].lower() + step.title[1:]}. "
            'Tell me when it\'s done, or ask "how do I do that?" if you get stuck.')
    custom = contract.commitment(step.topic, step.id)
    return Reply([Message(text=text, custom=custom)])


def done_reply(step: Step) -> Reply:
    text = f"Well done! I've marked \"{step.title}\" as done. That makes your business safer."
    custom = contract.done(step.topic, step.id)
    return Reply([Message(text=text, custom=custom)])


def which_step_reply(kb: KnowledgeBase, offered: Sequence[str], intent: str) -> Reply:
    """Ask which step the user means, with a button for each one offered."""
    steps = [a for a in (kb.step(i) for i in offered) if a is not None][:5]
    if not steps:
        text = ("Which step do you mean? Ask me about a topic or for an action plan first, "
                "then press the button under the step.")
        return Reply([Message(text=text)])
    buttons = [
        {"title": step.title, "payload": contract.step_payload(intent, step.id)}
        for step in steps
    ]
    return Reply([Message(text="Which step do you mean?", buttons=buttons)])


def follow_up_question(step: Step) -> Reply:
    """Ask a returning visitor about a step they planned last time."""
    planned = step.title[0].lower() + step.title[1:]
    text = f"Welcome back. Last time you planned to {planned}. Have you done it?"
    buttons = [
        {"title": "Yes, it's done", "payload": contract.step_payload("report_done", step.id)},
        {"title": "Not yet", "payload": contract.step_payload("not_done_yet", step.id)},
        {"title": "I'm not going to", "payload": contract.step_payload("drop_step", step.id)},
    ]
    custom = contract.follow_up(step.topic, step.id)
    return Reply([Message(text=text, buttons=buttons, custom=custom)])


def follow_up_answer_reply(step: Step, status: Literal["not_yet", "dropped"]) -> Reply:
    """Acknowledge "not yet" or "not going to" for a planned step."""
    if status == "not_yet":
        text = (f"No problem. \"{step.title}\" is still on your list. "
                'Ask me "how do I do that?" if something is in the way.')
    else:
        text = f"OK, I've taken \"{step.title}\" off your list."
    custom = contract.follow_up_answer(step.topic, step.id, status)
    return Reply([Message(text=text, custom=custom)])


# ---- specific answers -------------------------------------------------------------------

ANSWER_MORE_HINT = 'Say "tell me more" for more on this, or "what should I do first?" for a plan.'
#: Steps shown under one answer, and under each of two.
STEPS_UNDER_ONE, STEPS_UNDER_TWO = 2, 1


def _answer_steps(kb: KnowledgeBase, answer: Answer, profile: BusinessProfile,
                  limit: int, skip: Sequence[str]) -> list[PlanStep]:
    """The answer's own steps that fit this business, best first."""
    steps = [s for s in (kb.step(i) for i in answer.steps) if s is not None and s.id not in skip]
    return [item for item in rank_steps(steps, profile)][:limit]


def _contact_links(answer: Answer) -> list[contract.Link]:
    return [contract.link(c.kind, c.label, c.value) for c in answer.contacts]  # type: ignore[arg-type]


def _routes_by_nation(kb: KnowledgeBase, answer: Answer, profile: BusinessProfile) -> str:
    """For an answer that differs by nation when the nation is unknown: every nation's route."""
    if profile.nation is not None or not any("nation" in v.when for v in answer.variants):
        return ""
    lines = [f"- {label}: {route.text}" if label else f"- {route.text}"
             for route, label in routes_for(profile, kb) if len(route.nations) < 4]
    return "Where to report depends on where you are:\n" + "\n".join(lines) if lines else ""


def _report_routes(kb: KnowledgeBase, text: str, profile: BusinessProfile) -> tuple[str, list[str]]:
    """Who to report an incident to, for this business's nation (every nation's when unknown)."""
    chosen = routes_for(profile, kb, classify(text, kb))
    lines = [f"- {label}: {route.text}" if label else f"- {route.text}" for route, label in chosen]
    return "Then report it:\n" + "\n".join(lines), [route.id for route, _ in chosen]


def answer_reply(kb: KnowledgeBase, chosen: Sequence[Answer], profile: BusinessProfile,
                 skip: Sequence[str] = (), text: str = "") -> Reply:
    """The direct answer first (the variant for this business), then at most two steps of its
    topic with their commit buttons, then the offer of more. Two answers for two questions.
    An incident's answer says what to do now, then who to report it to, before anything else."""
    limit = STEPS_UNDER_ONE if len(chosen) == 1 else STEPS_UNDER_TWO
    messages: list[Message] = []
    offered: list[str] = []
    for answer in chosen:
        items = _answer_steps(kb, answer, profile, limit, [*skip, *offered])
        parts = [variant_text(answer, profile)]
        incident: str | None = None
        reported: list[str] = []
        if answer.kind == "incident":
            parts[0] = f"I'm sorry this has happened. Do these things now: {parts[0]}"
            routes, reported = _report_routes(kb, text, profile)
            incident = classify(text, kb).id
            parts.append(routes)
        else:
            routes = _routes_by_nation(kb, answer, profile)
            if routes:
                parts.append(routes)
        if items:
            parts.append("What helps:\n" + "\n".join(f"- {item.step.title}" for item in items))
        custom = contract.guidance(answer.topic, [_step_entry(item) for item in items],
                                   answer=answer.id, links=_contact_links(answer),
                                   human=answer.kind == "human", incident=incident,
                                   reporting=reported)
        buttons = [commit_button(item.step) for item in items]
        messages.append(Message(text="\n\n".join(parts), buttons=buttons, custom=custom))
        offered += [item.step.id for item in items]
    last = messages[-1]
    last.text = f"{last.text}\n\n{ANSWER_MORE_HINT}"
    last.buttons.append({"title": "Tell me more", "payload": "/more_info"})
    return Reply(messages, offered=offered, topic=chosen[-1].topic)


def refusal_reply(text: str) -> Reply:
    """Out of scope, politely, saying what the assistant does help with."""
    return Reply([Message(text=text, custom=contract.refused("out_of_scope"))])


WELSH_REPLY = (
    "Diolch am eich neges. Dim ond yn Saesneg y gallaf ateb ar hyn o bryd. "
    "Mae Canolfan Seibergadernid Cymru a Busnes Cymru yn cynnig cyngor a help yn Gymraeg.\n\n"
    "Thank you for your message. I can only answer in English for now. The Wales Cyber "
    "Resilience Centre and Business Wales offer advice and help in Welsh. Ask me your question "
    "in English and I will carry on in English."
)
WELSH_LINKS = (
    ("Canolfan Seibergadernid Cymru (Wales Cyber Resilience Centre)", "https://www.wcrcentre.co.uk/"),
    ("Busnes Cymru (Business Wales)", "https://busnescymru.llyw.cymru/"),
)


def welsh_reply() -> Reply:
    """A message in Welsh: a short reply in Welsh and English, Welsh sources of help, and
    the conversation carries on in English."""
    links = [contract.link("url", label, url) for label, url in WELSH_LINKS]
    return Reply([Message(text=WELSH_REPLY, custom=contract.language_only("cy", links))])
