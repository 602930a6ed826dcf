"""Which profile question to ask next, if any: only what would change the plan.

An owner who has described the business in one message should not be asked ten more
questions, several of them already answered. A question is worth asking only when its
answer is unknown *and* could change the first steps of the plan. Its value is the
number of the first ``FIRST_STEPS`` steps that would change, averaged over the possible
answers weighted by how common each is (bot/guidance/risk.py ``PRIORS``). The most
valuable question is asked first; none is asked once no answer could change those steps,
and never more than ``MAX_QUESTIONS`` in one conversation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from bot.guidance.knowledge.schema import Topic
from bot.guidance.profile import ASKABLE_ATTRIBUTES, ATTRIBUTE_VALUES, CLOUD_SERVICES, BusinessProfile
from bot.guidance.risk import PRIORS
from bot.guidance.tailoring import build_plan

FIRST_STEPS = 5
MAX_QUESTIONS = 3
#: A question must change at least this many of the first steps, on average, to be asked.
MIN_VALUE = 0.6
#: Facts owners tell unprompted; asking about them would be odd.
TOLD_ONLY = frozenset({"shared_logins", "needs_cyber_essentials", "remote_access", "social_media_sales",
                       "large_payments", "nation", "contractors", "shared_devices"})

#: One line on why each question is asked, for "what does that mean?" and "why?".
EXPLANATIONS: dict[str, str] = {
    "size": "Counting you, how many people work in the business? A team needs its own logins "
            "and training. One person does not.",
    "sector": "What kind of work you do changes which scams target you, and which records "
              "you hold.",
    "bank_transfers": "Do customers pay you, or do you pay suppliers, by bank transfer? "
                      "Criminals fake bank details to steal those payments.",
    "card_payments": "Do you take payments by card, in person, by phone or online? Card "
                     "details come with their own rules.",
    "website": "Does the business have a website? A site you run needs updates. A shop that "
               "takes orders needs more care.",
    "website_platform": "Is your site on a service like Shopify, Wix or Squarespace, which keeps "
                        "it updated for you? Or do you or a designer run it, say on WordPress?",
    "social_media": "Do you have a page for the business on Facebook, Instagram or the like? "
                    "Crooks take over busy pages and use them to trick the people who follow you.",
    "cloud": "Which online services hold your email and files? Microsoft 365 and Google each "
             "have their own safety settings. You can name more than one.",
    "personal_data": "Do you keep names, addresses, health notes or payroll? The law then gives "
                      "you duties to protect them.",
    "old_machines": "Are any computers or machines too old to get updates, such as Windows 7 or "
                    "Windows 10? Old kit is the easiest way in for criminals.",
    "onsite_server": "Is there a server or shared storage box in the building? Your files then "
                     "sit in one place that needs backing up.",
    "customer_wifi": "Do customers or visitors use your Wi-Fi? They should not share a network "
                     "with your till or files.",
    "remote_working": "Does anyone work from home or on the move? Laptops that leave the building "
                      "get lost, and home networks are less safe.",
    "byod": "Do people use their own phones or laptops for work? Those devices then hold your "
            "data too.",
    "it_support": "Who looks after your computers? If an IT firm does, some steps are for them.",
    "volunteers": "Do volunteers use your email, files or devices? They need their own logins "
                  "and a short briefing.",
}


@dataclass(frozen=True)
class Progress:
    """Where the owner is in the questions: "2 of 3"."""

    number: int
    total: int

    def label(self) -> str:
        return f"Question {self.number} of {self.total}"


def _options(attribute: str, profile: BusinessProfile) -> list[tuple[Any, float]]:
    """Each possible answer with how common it is."""
    if attribute == "cloud":
        shares = PRIORS["cloud"]
        return [(frozenset({service}), shares[service]) for service in CLOUD_SERVICES]
    priors = PRIORS.get(attribute) or {}
    values = ATTRIBUTE_VALUES[attribute]
    if not priors:
        return [(value, 1.0 / len(values)) for value in values]
    total = sum(priors.get(value, 0.0) for value in values) or 1.0
    return [(value, priors.get(value, 0.0) / total) for value in values]


def _first_steps(topics: Mapping[str, Topic], profile: BusinessProfile) -> set[str]:
    return {item.step.id for item in build_plan(topics, profile, limit=FIRST_STEPS)}


def _worth_asking(attribute: str, profile: BusinessProfile) -> bool:
    if attribute in TOLD_ONLY or getattr(profile, attribute) is not None:
        return False
    if attribute == "website_platform":
        return profile.website in ("brochure", "online_shop")
    if attribute == "byod" and profile.solo:
        return False
    if attribute == "volunteers":
        return profile.is_charity
    return True


def question_value(topics: Mapping[str, Topic], profile: BusinessProfile, attribute: str) -> float:
    """How many of the first steps the answer would change, on average over the answers."""
    now = _first_steps(topics, profile)
    value = 0.0
    for option, share in _options(attribute, profile):
        if share <= 0:
            continue
        changed = now - _first_steps(topics, profile.with_values(**{attribute: option}))
        value += share * len(changed)
    return value


def next_question(
    topics: Mapping[str, Topic], profile: BusinessProfile, asked: Iterable[str] = ()
) -> str | None:
    """The most valuable question still to ask, or None when no answer would change the plan."""
    done = set(asked)
    if len(done) >= MAX_QUESTIONS:
        return None
    best: tuple[float, str] | None = None
    for attribute in ASKABLE_ATTRIBUTES:
        if attribute in done or not _worth_asking(attribute, profile):
            continue
        value = question_value(topics, profile, attribute)
        if value >= MIN_VALUE and (best is None or value > best[0]):
            best = (value, attribute)
    return best[1] if best else None


def questions_left(
    topics: Mapping[str, Topic], profile: BusinessProfile, asked: Iterable[str] = ()
) -> list[str]:
    """The questions that would follow if the owner answered "not sure" to each."""
    done = list(asked)
    ahead: list[str] = []
    while True:
        question = next_question(topics, profile, done + ahead)
        if question is None:
            return ahead
        ahead.append(question)


def progress(
    topics: Mapping[str, Topic], profile: BusinessProfile, asked: Iterable[str], current: str
) -> Progress:
    """The number of the question being asked now, out of how many there will likely be."""
    before = [a for a in asked if a != current]
    later = questions_left(topics, profile, before + [current])
    return Progress(len(before) + 1, len(before) + 1 + len(later))


_WHAT_IT_MEANS = re.compile(
    r"\b(?:what (?:does|do) (?:that|this|it|you) mean|what do you mean|what(?:'s| is) (?:that|this|a|an)\b|"
    r"why (?:do|are|would) you (?:ask|need|want)|why does (?:it|that) matter|explain|"
    r"don'?t (?:understand|know what)|not sure what (?:that|you) mean|meaning)\b",
    re.IGNORECASE)


def asks_what_it_means(text: str) -> bool:
    """Whether the owner is asking what a question means or why it is asked."""
    return bool(_WHAT_IT_MEANS.search(text))
