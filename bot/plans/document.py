"""The plan as a document: what the printable page and the PDF both show, in one place.

The business's profile in plain words, then each step in order with who does it, how long
it takes, what it costs, why it matters here, how to do it and the official sources, with
its state, the newest website and email checks (date, score, what needs fixing), and a
short part to hand to the IT provider.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Sequence

from bot.checks import catalogue, scoring
from bot.checks.history import StoredRun
from bot.checks.reply import STATUS_LABELS as CHECK_STATUS_LABELS
from bot.guidance.replies import EFFORT_LABELS, WHO_LABELS, describe_profile
from bot.plans.state import PlanView

COST_LABELS = {"free": "free", "low": "low cost", "medium": "medium cost", "high": "high cost"}
STATUS_LABELS = {"done": "Done", "planned": "Planned", "open": "To do", "dropped": "Not doing"}
TITLE = "Your cyber security action plan"
CHECKS_TITLE = "Your website and email checks"
CHECKS_AGAIN = ("To see what has changed, ask the assistant to check your website or email "
                "again.")
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
class CheckProblem:
    status: str  # fail or warning
    status_label: str
    title: str


@dataclass(frozen=True)
class DocumentCheck:
    """One stored check: which, when, its score, and its failed and warning findings."""

    kind: str
    heading: str  # "Website check on 4 December 2026: 72 out of 100"
    problems: tuple[CheckProblem, ...]


@dataclass(frozen=True)
class PlanDocument:
    title: str
    profile: str
    done: int
    steps: tuple[DocumentStep, ...]
    for_it_provider: tuple[DocumentStep, ...]
    checks: tuple[DocumentCheck, ...] = ()


def day(moment: date) -> str:
    """A date as GOV.UK writes it: 4 December 2026."""
    return f"{moment.day} {moment:%B %Y}"


def check_section(run: StoredRun) -> DocumentCheck:
    """A stored run in plain words: failures first, then warnings, heaviest first."""
    name = catalogue.KIND_TITLES.get(run.kind, run.kind.replace("_", " ").capitalize())
    score = f": {run.score} out of 100" if run.score is not None else ""
    problems = sorted(((status, finding_id) for finding_id, status in run.statuses.items()
                       if status in ("fail", "warning")),
                      key=lambda item: (item[0] != "fail", -scoring.weight(item[1]), item[1]))
    return DocumentCheck(kind=run.kind, heading=f"{name} check on {day(run.at)}{score}",
                         problems=tuple(CheckProblem(status, CHECK_STATUS_LABELS[status],
                                                     catalogue.title(finding_id))
                                        for status, finding_id in problems))


def build(view: PlanView, checks: Sequence[StoredRun] = ()) -> PlanDocument:
    """The document of a plan, with the newest stored run of each check (``check_results``)."""
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
                        for_it_provider=tuple(technical or remaining),
                        checks=tuple(check_section(run) for run in checks))
