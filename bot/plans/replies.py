"""What the assistant says about the owner's plan: progress so far, what's next, the plan
shown again, a tick taken back, and the links to take the plan away."""

from __future__ import annotations

from typing import Sequence

from bot import reply_contract as contract
from bot.guidance.knowledge.loader import KnowledgeBase
from bot.guidance.knowledge.schema import Step
from bot.guidance.replies import EFFORT_LABELS, WHO_LABELS, Message, Reply, commit_button
from bot.plans.progress import StepState, next_step

NO_PLAN = ("You don't have a plan yet. Say \"what should I do first?\" and I'll make one "
           "for your business.")
PLAN_BUTTON = {"title": "What should I do first?", "payload": "/ask_action_plan"}
STATUS_WORDS = {"done": "Done", "planned": "You plan to do this", "open": "Not started",
                "dropped": "Taken off your list"}


def _progress(states: Sequence[StepState]) -> list[contract.StepProgress]:
    return [contract.step_progress(s.step.topic, s.step.id, s.step.title, s.status) for s in states]


def _lower_first(text: str) -> str:
    return text[0].lower() + text[1:]


def list_progress_reply(states: Sequence[StepState]) -> Reply:
    """ "What have I done so far?": each step of the plan with where it stands."""
    if not states:
        return Reply([Message(text=NO_PLAN, buttons=[PLAN_BUTTON])])
    done = [s for s in states if s.status == "done"]
    lines = [f"- {s.step.title}: {STATUS_WORDS[s.status].lower()}." for s in states]
    lead = (f"You've done {len(done)} of the {len(states)} steps in your plan."
            if done else f"You haven't marked any of the {len(states)} steps in your plan done yet.")
    text = lead + "\n" + "\n".join(lines)
    following = next_step(states)
    buttons = []
    if following is not None:
        buttons.append({"title": "What's next?", "payload": "/ask_next_step"})
    return Reply([Message(text=text, buttons=buttons, custom=contract.progress(_progress(states)))])


def next_step_reply(states: Sequence[StepState]) -> Reply:
    """ "What's next?": the first step planned but not done, else the first not started."""
    if not states:
        return Reply([Message(text=NO_PLAN, buttons=[PLAN_BUTTON])])
    following = next_step(states)
    if following is None:
        return Reply([Message(text="You've dealt with every step in your plan. Well done! "
                                   "Ask \"what should I do first?\" for a fresh plan.",
                              custom=contract.progress(_progress(states)))])
    step = following.step
    planned = " You said you'd do this one." if following.status == "planned" else ""
    text = (f"Next: {step.title}.{planned} {step.text}\n"
            f"Who: {WHO_LABELS[step.who]}. Time: {EFFORT_LABELS[step.effort]}.")
    buttons = [] if following.status == "planned" else [commit_button(step)]
    buttons.append({"title": f"Done: {step.title}",
                    "payload": contract.step_payload("report_done", step.id)})
    return Reply([Message(text=text, buttons=buttons, custom=contract.progress(_progress(states)))],
                 offered=[step.id])


def show_plan_reply(kb: KnowledgeBase, states: Sequence[StepState], whys: dict[str, str]) -> Reply:
    """The latest plan again, with each step's state: for "My plan" on another device."""
    if not states:
        return Reply([Message(text=NO_PLAN, buttons=[PLAN_BUTTON])])
    entries = [contract.plan_entry(s.step.topic, s.step.id, s.step.title) for s in states]
    steps = [contract.step_entry(id=s.step.id, topic=s.step.topic, title=s.step.title,
                                 why=whys.get(s.step.id, s.step.why), who=s.step.who,
                                 effort=s.step.effort, cost=s.step.cost, must_do=s.step.must_do,
                                 sources=s.step.sources) for s in states]
    lines = [f"{n}. {s.step.title}. {STATUS_WORDS[s.status]}." for n, s in enumerate(states, 1)]
    text = "Here is your plan:\n" + "\n".join(lines)
    custom = contract.progress(_progress(states), plan_entries=entries, steps=steps)
    return Reply([Message(text=text, custom=custom)], offered=[s.step.id for s in states])


def undone_reply(step: Step) -> Reply:
    text = f"OK, \"{step.title}\" is no longer marked done. It's still on your plan."
    return Reply([Message(text=text, custom=contract.undone(step.topic, step.id))])


def download_reply(pdf: str, page: str, expires: str, email: bool = False) -> Reply:
    """The private links; ``email`` when reminders can be sent, so the page's offer is named."""
    text = ("Here is your plan to keep. The PDF and the printable page open at a private link "
            f"until {expires}: anyone with the link can see the plan, so share it only with "
            "people you trust, such as your IT provider. Open the link on another device to "
            "carry on this chat there.")
    if email:
        text += (" To get the plan by email, with up to two reminders, open the printable page "
                 "and give your address there. Please don't type it here.")
    return Reply([Message(text=text, custom=contract.download(pdf, page, expires))])


def download_unavailable_reply() -> Reply:
    return Reply([Message(text="Sorry, I can't make a copy of your plan just now. "
                               "Please try again later.")])
