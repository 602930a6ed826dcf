"""The tailoring engine: from a business profile to an ordered list of steps.

Pure functions over the knowledge base and a profile, so that the rules can be
checked with property-based tests:

* a step whose condition is known to be false is never offered;
* a plan is ordered by the harm each step prevents for this business, per unit of
  effort (bot/guidance/risk.py, docs/risk-model.md), must-dos included: a legal duty
  or a Cyber Essentials fail point is ranked by the same numbers, not put first;
* one idea is one step: steps that share a ``concept`` appear once in a plan;
* every item carries one line on what it protects for this business.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Iterable, Mapping

from bot.guidance import risk
from bot.guidance.knowledge.schema import TOPIC_IDS, Step, Topic
from bot.guidance.profile import BusinessProfile
from bot.guidance.why import why_line as compose_why

#: Six short steps fit about two phone screens, and leave room for what is specific to
#: a business beside what nearly every business needs.
MAX_PLAN_ITEMS = 6
#: A medium business (50 to 249 people) gets two more: two in three are breached in a
#: year (CSBS 2025, against one in three micro firms), it has the people, often IT
#: staff, to share the work, and its plan must hold training and an incident plan
#: beside the controls every business needs.
MEDIUM_PLAN_ITEMS = 8
MAX_PER_TOPIC_IN_PLAN = 1
MAX_STEPS_IN_ANSWER = 3
#: The topic each concept belongs to: a plan with two-step verification on social media
#: covers "passwords" too, since it is the same idea told in another topic.
CONCEPT_HOME = {
    "two_step": "passwords",
    "offline_backup": "backups",
    "firewall": "malware",
    "breach_72_hours": "personal_data",
    "free_insurance": "cyber_insurance",
    "encrypt_laptops": "devices",
    "remote_access": "remote_working",
}


def topics_covered(steps: Iterable[Step]) -> list[str]:
    """The topics a list of steps covers, in order: each step's own, then its concept's."""
    covered: list[str] = []
    for step in steps:
        for topic in (step.topic, CONCEPT_HOME.get(step.concept or "")):
            if topic and topic not in covered:
                covered.append(topic)
    return covered


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


@dataclass(frozen=True)
class ScoredStep:
    """A step with its value for this business and the threat it does most against."""

    step: Step
    value: float
    threat: str | None


def why_line(step: Step, profile: BusinessProfile, threat: str | None) -> str:
    """One line on what this step protects for this business."""
    return compose_why(threat, profile, step.why)


def _topic_rank(topic_id: str) -> int:
    return TOPIC_IDS.index(topic_id)


def _positions(steps: Iterable[Step]) -> dict[str, int]:
    positions: dict[str, int] = {}
    counts: dict[str, int] = {}
    for step in steps:
        positions[step.id] = counts.get(step.topic, 0)
        counts[step.topic] = positions[step.id] + 1
    return positions


def _best_threat(step: Step, levels: Mapping[str, risk.ThreatLevel],
                 residual: Mapping[str, float] | None = None) -> str | None:
    parts = risk.contributions(step, levels, residual)
    return max(parts, key=lambda threat: parts[threat]) if parts else None


def rank_steps(steps: Iterable[Step], profile: BusinessProfile) -> list[PlanStep]:
    """Every step that may apply, best first, with why-lines. Excluded ones are dropped.

    Steps known to apply come before ones that depend on an unknown answer; within each,
    the step that prevents most harm per unit of effort comes first.
    """
    levels = risk.threat_levels(profile)
    listed = list(steps)
    positions = _positions(listed)
    scored = []
    for step in listed:
        assessment = assess(step, profile)
        if assessment.fit is Fit.EXCLUDED:
            continue
        value = risk.step_value(step, profile, levels)
        key = (0 if assessment.fit is Fit.APPLIES else 1, -value, _topic_rank(step.topic),
               positions[step.id])
        scored.append((key, step))
    scored.sort(key=lambda entry: entry[0])
    return [PlanStep(step, why_line(step, profile, _best_threat(step, levels)))
            for _, step in scored]


_Candidate = tuple[Step, float, dict[str, float], dict[str, float], tuple[int, int]]


def _main_threat(gains: Mapping[str, float], residual: Mapping[str, float]) -> str | None:
    return max(gains, key=lambda t: gains[t] * residual[t]) if gains else None


def _told_for(pick: _Candidate, threat: str | None, candidates: Iterable[_Candidate],
              taken: set[str], per_topic: Mapping[str, int]) -> _Candidate | None:
    """The same idea told in the topic of the threat it was chosen against, if there is one.

    A concept's steps say one idea in different topics (an offline backup in backups and
    in ransomware). When the plan takes it against a threat that has a topic of its own,
    the owner should read it there: a backup kept because of ransomware is told as the
    ransomware step, which says what the copy is for.
    """
    step = pick[0]
    if not step.concept or threat is None or threat not in TOPIC_IDS or step.topic == threat:
        return None
    for entry in candidates:
        other = entry[0]
        if (other.concept == step.concept and other.topic == threat and other.id not in taken
                and per_topic.get(threat, 0) < MAX_PER_TOPIC_IN_PLAN):
            return entry
    return None


def score_plan(
    topics: Mapping[str, Topic], profile: BusinessProfile, limit: int = MAX_PLAN_ITEMS,
    exclude: Iterable[str] = (),
) -> list[ScoredStep]:
    """The plan's steps with their values, in the order they were chosen.

    Greedy on what is left of each threat: once a step is chosen, every threat it covers
    counts only for the share it leaves, so the next step is the one that adds most.
    A concept, and more than ``MAX_PER_TOPIC_IN_PLAN`` steps of a topic, appear once.
    """
    skip = set(exclude)
    levels = risk.threat_levels(profile)
    every = [s for t in topics.values() for s in t.steps]
    positions = _positions(every)
    used_concepts = {s.concept for s in every if s.id in skip and s.concept}
    # What each candidate could do, worked out once: its weight (chance it applies x fit
    # bonus / effort) and, per threat, share removed x exposure.
    candidates: list[_Candidate] = []
    for step in every:
        if step.id in skip or assess(step, profile).fit is Fit.EXCLUDED:
            continue
        chance = risk.condition_chance(step, profile)
        if chance == 0.0:
            continue
        shares = dict(risk.reductions(step, profile))
        weight = chance * (1.0 + risk.FIT_BONUS * risk.matched_conditions(step, profile))
        weight /= risk.effort_cost(step, profile)
        gains = {t: share * levels[t].exposure for t, share in shares.items() if t in levels}
        candidates.append((step, weight, shares, gains, (_topic_rank(step.topic), positions[step.id])))
    residual = {threat: 1.0 for threat in risk.THREAT_IDS}
    chosen: list[ScoredStep] = []
    taken: set[str] = set()
    per_topic: dict[str, int] = {}
    while len(chosen) < limit:
        best: tuple[float, tuple[int, int]] | None = None
        pick = None
        for entry in candidates:
            step, weight, _, gains, order = entry
            if step.id in taken or (step.concept and step.concept in used_concepts):
                continue
            if per_topic.get(step.topic, 0) >= MAX_PER_TOPIC_IN_PLAN:
                continue
            value = weight * sum(gain * residual[t] for t, gain in gains.items())
            if best is None or (-value, order) < (-best[0], best[1]):
                best, pick = (value, order), entry
        if best is None or pick is None:
            break
        threat = _main_threat(pick[3], residual)
        twin = _told_for(pick, threat, candidates, taken, per_topic)
        if twin is not None:
            # The idea was chosen at the value it had, in its own topic's slot; the twin
            # says it in other words, and takes its own topic's slot as well.
            per_topic[pick[0].topic] = per_topic.get(pick[0].topic, 0) + 1
            pick = twin
            threat = _main_threat(pick[3], residual) or threat
        step, weight, shares, gains, _ = pick
        chosen.append(ScoredStep(step, best[0], threat))
        taken.add(step.id)
        if step.concept:
            used_concepts.add(step.concept)
        per_topic[step.topic] = per_topic.get(step.topic, 0) + 1
        chance = risk.condition_chance(step, profile)
        for name, share in shares.items():
            residual[name] *= 1.0 - share * chance
    return chosen


def plan_length(profile: BusinessProfile) -> int:
    """How many steps a plan holds: ``MEDIUM_PLAN_ITEMS`` for a medium business, else six."""
    return MEDIUM_PLAN_ITEMS if profile.size == "medium" else MAX_PLAN_ITEMS


def build_plan(
    topics: Mapping[str, Topic], profile: BusinessProfile, limit: int | None = None,
    exclude: Iterable[str] = (),
) -> list[PlanStep]:
    """An ordered action plan for the whole business, most harm prevented first.

    Steps in ``exclude`` (already done) are left out, and so is any step sharing a
    concept with one of them. Without ``limit`` the plan is ``plan_length`` long.
    """
    length = plan_length(profile) if limit is None else limit
    return [PlanStep(item.step, why_line(item.step, profile, item.threat))
            for item in score_plan(topics, profile, length, exclude)]


def topic_steps(
    topic: Topic, profile: BusinessProfile, skip: Iterable[str] = (), limit: int = MAX_STEPS_IN_ANSWER
) -> list[PlanStep]:
    """The best steps within one topic for this profile, for a short answer."""
    excluded = set(skip)
    ranked = rank_steps((a for a in topic.steps if a.id not in excluded), profile)
    return ranked[:limit]
