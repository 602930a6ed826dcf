"""The tailoring engine: from a business profile to an ordered list of steps.

Pure functions over the knowledge base and a profile, so that the rules can be
checked with property-based tests:

* a step whose condition is known to be false is never offered;
* must-dos that are known to apply come first;
* then the steps that fit the profile best, at most ``MAX_PLAN_ITEMS``;
* every item carries one line on why it applies to this business.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Iterable

from bot.guidance.knowledge.schema import TOPIC_IDS, Step, Topic
from bot.guidance.profile import SIZE_LABELS, BusinessProfile

MAX_PLAN_ITEMS = 8
MAX_PER_TOPIC_IN_PLAN = 2
MAX_STEPS_IN_ANSWER = 3


class Fit(Enum):
    EXCLUDED = "excluded"  # a condition is known to be false
    UNCERTAIN = "uncertain"  # no condition is false, but some depend on unknown answers
    APPLIES = "applies"  # every condition is known to hold (or there are none)


@dataclass(frozen=True)
class Assessment:
    fit: Fit
    matched: tuple[str, ...]  # attributes whose condition is known to hold


@dataclass(frozen=True)
class PlanStep:
    step: Step
    why: str


def _condition_holds(attribute: str, allowed: tuple[Any, ...], value: Any) -> bool:
    if attribute == "cloud":
        return any(service in allowed for service in value)
    return value in allowed and isinstance(value, bool) == isinstance(allowed[0], bool)


def assess(step: Step, profile: BusinessProfile) -> Assessment:
    """How well one step fits the profile."""
    matched: list[str] = []
    uncertain = False
    for attribute, allowed in step.applies_when.items():
        value = getattr(profile, attribute)
        if value is None:
            uncertain = True
        elif _condition_holds(attribute, allowed, value):
            matched.append(attribute)
        else:
            return Assessment(Fit.EXCLUDED, ())
    return Assessment(Fit.UNCERTAIN if uncertain else Fit.APPLIES, tuple(matched))


_REASONS: dict[str, Any] = {
    "card_payments": {True: "you take card payments", False: "you do not take card payments"},
    "personal_data": {True: "you hold personal data about people", False: "you hold little personal data"},
    "remote_working": {True: "your team works from home or on the move", False: "you work on site"},
    "byod": {True: "staff use their own devices for work", False: "staff use work devices only"},
    "it_support": {
        "none": "you have no IT support",
        "in_house": "you have your own IT staff",
        "outsourced": "an IT provider looks after your systems",
    },
    "website": {
        "none": "you have no website",
        "brochure": "you have a website",
        "online_shop": "you sell online",
    },
    "nation": {
        "england": "you are in England",
        "scotland": "you are in Scotland",
        "wales": "you are in Wales",
        "northern_ireland": "you are in Northern Ireland",
    },
}

_CLOUD_NAMES = {
    "microsoft_365": "Microsoft 365",
    "google_workspace": "Google Workspace",
    "other": "online (cloud) services",
}


def _reason(attribute: str, profile: BusinessProfile, allowed: tuple[Any, ...]) -> str:
    value = getattr(profile, attribute)
    if attribute == "size":
        return f"you are a {SIZE_LABELS[value]} business" if value == "sole_trader" else (
            f"your business has {SIZE_LABELS[value]}")
    if attribute == "sector":
        return f"you work in {str(value).replace('_', ' ')}"
    if attribute == "cloud":
        names = [_CLOUD_NAMES[s] for s in sorted(value) if s in allowed and s in _CLOUD_NAMES]
        return f"you use {' and '.join(names)}" if names else "of the services you use"
    reason: str = _REASONS[attribute][value]
    return reason


def why_line(step: Step, profile: BusinessProfile, assessment: Assessment) -> str:
    """One line on why this step applies to this business."""
    reasons = [_reason(a, profile, step.applies_when[a]) for a in assessment.matched]
    if reasons:
        joined = reasons[0] if len(reasons) == 1 else ", ".join(reasons[:-1]) + " and " + reasons[-1]
        lead = f"Because {joined}."
    elif step.must_do:
        lead = "Official guidance says every business should do this."
    else:
        lead = ""
    return f"{lead} {step.why}".strip()


def _topic_rank(topic_id: str) -> int:
    return TOPIC_IDS.index(topic_id)


def _sort_key(
    step: Step, assessment: Assessment, position: int
) -> tuple[int, int, int, int, int, int]:
    """Lower sorts first.

    Must-dos that apply are ordered by priority, then by how specific they are to
    this business. Everything else: known fit first, then profile-specific, then
    priority and topic order. Ties go to the step listed first in its topic file,
    where authors put the most important first.
    """
    if step.must_do and assessment.fit is Fit.APPLIES:
        return (0, step.priority, -len(assessment.matched), _topic_rank(step.topic), position, 0)
    return (
        1,
        0 if assessment.fit is Fit.APPLIES else 1,
        -len(assessment.matched),
        step.priority,
        _topic_rank(step.topic),
        position,
    )


def rank_steps(steps: Iterable[Step], profile: BusinessProfile) -> list[PlanStep]:
    """Every step that may apply, best first, with why-lines. Excluded ones are dropped."""
    scored = []
    positions: dict[str, int] = {}
    for step in steps:
        position = positions.get(step.topic, 0)
        positions[step.topic] = position + 1
        assessment = assess(step, profile)
        if assessment.fit is not Fit.EXCLUDED:
            scored.append((_sort_key(step, assessment, position), step, assessment))
    scored.sort(key=lambda entry: entry[0])
    return [PlanStep(step, why_line(step, profile, a)) for _, step, a in scored]


def build_plan(
    topics: dict[str, Topic], profile: BusinessProfile, limit: int = MAX_PLAN_ITEMS,
    exclude: Iterable[str] = (),
) -> list[PlanStep]:
    """An ordered action plan for the whole business: must-dos first, then the best fits.

    The plan first takes the best step from as many different topics as it can, so
    that eight steps cover eight areas; only then a second step from a topic (never
    more than ``MAX_PER_TOPIC_IN_PLAN``). Steps in ``exclude`` (already done) are left out.
    """
    skip = set(exclude)
    candidates = [a for t in topics.values() for a in t.steps if a.id not in skip]
    ranked = rank_steps(candidates, profile)
    chosen: list[int] = []
    per_topic: dict[str, int] = {}
    for cap in range(1, MAX_PER_TOPIC_IN_PLAN + 1):
        for index, item in enumerate(ranked):
            if len(chosen) >= limit:
                break
            if index in chosen or per_topic.get(item.step.topic, 0) >= cap:
                continue
            chosen.append(index)
            per_topic[item.step.topic] = per_topic.get(item.step.topic, 0) + 1
    return [ranked[index] for index in sorted(chosen)]


def topic_steps(
    topic: Topic, profile: BusinessProfile, skip: Iterable[str] = (), limit: int = MAX_STEPS_IN_ANSWER
) -> list[PlanStep]:
    """The best steps within one topic for this profile, for a short answer."""
    excluded = set(skip)
    ranked = rank_steps((a for a in topic.steps if a.id not in excluded), profile)
    return ranked[:limit]
