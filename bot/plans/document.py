"""The plan as a document: what the printable page and the PDF both show, in one place.

The business's profile in plain words, then each step in order with who does it, how long
it takes, what it costs, why it matters here, how to do it and the official sources, with
its state, and a short part to hand to the IT provider.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.guidance.replies import EFFORT_LABELS, WHO_LABELS, describe_profile
from bot.plans.state import PlanView

COST_LABELS = {"free": "free", "low": "low cost", "medium": "medium cost", "high": "high cost"}
STATUS_LABELS = {"done": "Done", "planned": "Planned", "open": "To do", "dropped": "Not doing"}
TITLE = "Your cyber security action plan"
IT_PROVIDER_INTRO = ("Please help us with these steps from our cyber security plan. Each one "
                     "links to the official guidance it comes from.")


@dataclass(frozen=True)
class DocumentStep:
    number: int
    id: str
    title: str
    status: str  # open, planned, done, dropped
    status_label: str
    who: str
    time: str
    cost: str
    must_do: bool
    why: str
    how: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class PlanDocument:
    title: str
    profile: str
    done: int
    steps: tuple[DocumentStep, ...]
    for_it_provider: tuple[DocumentStep, ...]


def build(view: PlanView) -> PlanDocument:
    known = describe_profile(view.profile)
    profile = (f"Your business: {known}." if known else
               "You haven't told the assistant about your business, "
               "so this plan suits most small businesses.")
    steps = tuple(
        DocumentStep(number=n, id=s.step.id, title=s.step.title, status=s.status,
                     status_label=STATUS_LABELS[s.status], who=WHO_LABELS[s.step.who].capitalize(),
                     time=EFFORT_LABELS[s.step.effort].capitalize(),
                     cost=COST_LABELS[s.step.cost].capitalize(), must_do=s.step.must_do,
                     why=view.whys.get(s.step.id, s.step.why), how=s.step.text,
                     sources=s.step.sources)
        for n, s in enumerate(view.states, start=1))
    remaining = [s for s in steps if s.status in ("open", "planned")]
    technical = [s for s in remaining if s.who == WHO_LABELS["it_provider"].capitalize()]
    return PlanDocument(title=TITLE, profile=profile,
                        done=sum(1 for s in steps if s.status == "done"), steps=steps,
                        for_it_provider=tuple(technical or remaining))
