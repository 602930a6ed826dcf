"""How much harm a step prevents for one business: the numbers behind the plan's order.

A plan should start with what protects *this* business most for the least effort, not
with what every business is told. So each step is valued as

    value(step) = sum over threats t of  likelihood(t) x impact(t) x reduction(step, t)
                  / effort_cost(step)

where likelihood is the chance the threat hits this business in a year (from the Cyber
Security Breaches Survey where it has a figure, otherwise a stated estimate), impact is
the typical cost if it does (in thousands of pounds), and reduction is the share of the
threat the step removes. An unknown profile answer counts at its prior (the share of UK
small businesses with that answer), so an unknown is neither yes nor no.

The plan then takes steps greedily: after a step is chosen, the threats it covers count
only for what is left of them, so a second backup step is worth less than a first
phishing step. docs/risk-model.md explains every number here for content authors.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Mapping

from bot.guidance.profile import BusinessProfile

if TYPE_CHECKING:
    from bot.guidance.knowledge.schema import Step

THREAT_IDS = (
    "phishing",
    "payment_fraud",
    "impersonation",
    "account_takeover",
    "malware",
    "ransomware",
    "intrusion",
    "insider",
    "device_loss",
    "data_loss",
    "card_fraud",
    "website_hack",
    "social_hijack",
    "supplier",
    "legal",
    "contract_loss",
)

#: Share of businesses that found any breach or attack in the last 12 months, by size
#: (CSBS 2025: micro 35%, small 42%, medium 67%, all businesses 43%). Sole traders are not
#: reported apart; 30% is an estimate below micro firms, as one person has fewer accounts.
BREACH_RATE = {"sole_trader": 0.30, "micro": 0.35, "small": 0.42, "medium": 0.67, None: 0.43}
#: CSBS 2025: 30% of charities against 43% of businesses.
CHARITY_FACTOR = 0.30 / 0.43

#: Yearly likelihood of each threat for a business whose breach rate is B.
#: ("B", share) means B x share, with the share of breached businesses that named the attack
#: type in CSBS (phishing 85%, impersonation 26%, viruses and malware 16%, hacked online bank
#: accounts 9% plus outsiders using systems 6%, outsiders 6%, staff 3%); ransomware hit 1% of
#: all businesses in CSBS 2025, scaled by size. ("loss", share) is B x share x LOSS_SHARE: most
#: phishing and impersonation is an attempt that fails, and CSBS finds about one breached
#: business in five loses money, data or other assets. ("fixed", p) is an estimate (docs).
LOSS_SHARE = 0.21
BASE_LIKELIHOOD: dict[str, tuple[str, float]] = {
    "phishing": ("loss", 0.85),
    "payment_fraud": ("loss", 0.26),
    "impersonation": ("loss", 0.26),
    "account_takeover": ("B", 0.15),
    "malware": ("loss", 0.16),
    "ransomware": ("B", 0.01 / 0.43),
    "intrusion": ("B", 0.06),
    "insider": ("B", 0.03),
    "device_loss": ("fixed", 0.05),
    "data_loss": ("fixed", 0.06),
    "card_fraud": ("fixed", 0.08),
    "website_hack": ("fixed", 0.08),
    "social_hijack": ("fixed", 0.08),
    "supplier": ("B", 0.05),
    "legal": ("fixed", 0.03),
    "contract_loss": ("fixed", 0.5),
}

#: Typical cost of one incident, in thousands of pounds, for a business of 2 to 9 people.
#: CSBS 2025 puts the most disruptive breach at about £1,600 on average; the others are
#: estimates (docs/risk-model.md says where each comes from).
IMPACT = {
    "phishing": 6.0,
    "payment_fraud": 5.0,
    "impersonation": 2.0,
    "account_takeover": 3.0,
    "malware": 2.0,
    "ransomware": 10.0,
    "intrusion": 4.0,
    "insider": 4.0,
    "device_loss": 1.5,
    "data_loss": 3.0,
    "card_fraud": 5.0,
    "website_hack": 3.0,
    "social_hijack": 3.0,
    "supplier": 4.0,
    "legal": 3.0,
    "contract_loss": 10.0,
}
SIZE_IMPACT = {"sole_trader": 0.6, "micro": 1.0, "small": 2.0, "medium": 4.0, None: 1.0}

#: How a known answer changes a threat's likelihood: (attribute, value) -> {threat: factor}.
#: The catch-all sector "other" has no factors: nothing is known about that mix of trades.
LIKELIHOOD_FACTORS: dict[tuple[str, Any], dict[str, float]] = {
    ("bank_transfers", True): {"payment_fraud": 2.0, "impersonation": 1.5},
    ("bank_transfers", False): {"payment_fraud": 0.3},
    ("card_payments", True): {"card_fraud": 1.0},
    ("card_payments", False): {"card_fraud": 0.0},
    ("website", "none"): {"website_hack": 0.0, "card_fraud": 0.8},
    ("website", "brochure"): {"website_hack": 1.0},
    ("website", "online_shop"): {"website_hack": 1.5, "card_fraud": 1.5},
    ("website_platform", "hosted"): {"website_hack": 0.3},
    ("website_platform", "self_run"): {"website_hack": 1.5},
    ("social_media", True): {"social_hijack": 1.0},
    ("social_media", False): {"social_hijack": 0.0},
    ("customer_wifi", True): {"intrusion": 2.0, "card_fraud": 1.3},
    ("onsite_server", True): {"ransomware": 2.0, "data_loss": 2.0, "intrusion": 1.5},
    ("old_machines", True): {"malware": 3.0, "ransomware": 3.0, "intrusion": 2.0, "data_loss": 1.5},
    ("old_machines", False): {"malware": 0.8, "ransomware": 0.8},
    ("volunteers", True): {"insider": 4.0, "device_loss": 1.3, "phishing": 1.1},
    ("remote_working", True): {"device_loss": 2.5, "intrusion": 1.2},
    ("remote_working", False): {"device_loss": 0.7},
    ("byod", True): {"device_loss": 1.5, "malware": 1.3},
    ("it_support", "none"): {"malware": 1.2, "ransomware": 1.2},
    ("cloud", "some"): {"data_loss": 0.6, "ransomware": 0.8, "account_takeover": 1.3},
    ("cloud", "none"): {"data_loss": 1.5, "account_takeover": 0.6},
    ("it_support", "outsourced"): {"supplier": 2.0},
    ("size", "sole_trader"): {"insider": 0.0},
    ("size", "small"): {"insider": 1.5},
    ("size", "medium"): {"insider": 2.0, "contract_loss": 1.5, "device_loss": 2.5},
    ("personal_data", False): {"legal": 0.2},
    ("remote_access", True): {"ransomware": 2.0, "intrusion": 2.0},
    ("social_media_sales", True): {"social_hijack": 1.5},
    ("shared_logins", True): {"insider": 5.0, "account_takeover": 1.5},
    ("contractors", True): {"insider": 3.0},
    ("shared_devices", True): {"device_loss": 2.0},
    ("needs_cyber_essentials", False): {"contract_loss": 0.0},
    ("personal_data", True): {"legal": 1.5},
    ("sector", "manufacturing"): {"ransomware": 2.0},
    ("sector", "health_care"): {"ransomware": 1.5, "legal": 2.0},
    ("sector", "education"): {"legal": 1.5},
    ("sector", "professional_services"): {"payment_fraud": 1.3, "phishing": 1.3},
    ("sector", "construction_trades"): {"payment_fraud": 1.3},
    ("sector", "hospitality"): {"card_fraud": 1.5, "social_hijack": 1.5},
    ("sector", "retail"): {"card_fraud": 1.3, "social_hijack": 1.5},
    ("sector", "creative_media"): {"social_hijack": 2.0},
}

#: How a known answer changes what an incident costs.
IMPACT_FACTORS: dict[tuple[str, Any], dict[str, float]] = {
    ("personal_data", True): {"phishing": 1.5, "device_loss": 1.5, "ransomware": 1.3,
                              "intrusion": 1.5, "legal": 1.5},
    ("sector", "health_care"): {"device_loss": 2.0, "legal": 2.0, "intrusion": 1.5},
    ("sector", "education"): {"device_loss": 1.5, "legal": 1.5, "social_hijack": 2.0},
    ("sector", "charity"): {"legal": 1.5},
    ("sector", "professional_services"): {"payment_fraud": 2.0, "impersonation": 3.0, "legal": 1.5},
    ("sector", "construction_trades"): {"payment_fraud": 1.5},
    ("sector", "creative_media"): {"social_hijack": 2.0, "data_loss": 1.5},
    ("sector", "hospitality"): {"social_hijack": 1.5},
    ("sector", "retail"): {"social_hijack": 1.3},
    ("sector", "manufacturing"): {"ransomware": 1.5, "data_loss": 1.5},
    ("onsite_server", True): {"ransomware": 1.5, "data_loss": 1.5},
    ("social_media_sales", True): {"social_hijack": 2.0},
    ("large_payments", True): {"payment_fraud": 2.5},
}

#: Share of UK small businesses with each answer: how much an unknown answer counts.
#: Estimates, except where docs/risk-model.md gives a source.
PRIORS: dict[str, dict[Any, float]] = {
    "size": {"sole_trader": 0.3, "micro": 0.5, "small": 0.15, "medium": 0.05},
    "card_payments": {True: 0.6, False: 0.4},
    "personal_data": {True: 0.9, False: 0.1},
    "remote_working": {True: 0.5, False: 0.5},
    "byod": {True: 0.47, False: 0.53},
    "bank_transfers": {True: 0.8, False: 0.2},
    "social_media": {True: 0.7, False: 0.3},
    "customer_wifi": {True: 0.2, False: 0.8},
    "onsite_server": {True: 0.15, False: 0.85},
    "old_machines": {True: 0.2, False: 0.8},
    "volunteers": {True: 0.05, False: 0.95},
    "shared_logins": {True: 0.2, False: 0.8},
    "needs_cyber_essentials": {True: 0.01, False: 0.99},
    "remote_access": {True: 0.2, False: 0.8},
    "social_media_sales": {True: 0.2, False: 0.8},
    "large_payments": {True: 0.2, False: 0.8},
    "contractors": {True: 0.1, False: 0.9},
    "shared_devices": {True: 0.1, False: 0.9},
    "website": {"none": 0.3, "brochure": 0.5, "online_shop": 0.2},
    "website_platform": {"hosted": 0.6, "self_run": 0.4},
    "it_support": {"none": 0.5, "in_house": 0.1, "outsourced": 0.4},
    "cloud": {"microsoft_365": 0.45, "google_workspace": 0.35, "other": 0.5, "none": 0.1},
    "nation": {"england": 0.84, "scotland": 0.08, "wales": 0.05, "northern_ireland": 0.03},
    "sector": {},
}

#: What a step of each topic removes, before the step's priority weight. A step's own
#: ``reduces`` in data/guidance replaces its topic's row.
TOPIC_REDUCES: dict[str, dict[str, float]] = {
    "backups": {"data_loss": 0.7, "ransomware": 0.5},
    "malware": {"malware": 0.5, "ransomware": 0.2},
    "updates": {"malware": 0.4, "ransomware": 0.3, "intrusion": 0.3},
    "devices": {"device_loss": 0.6},
    "passwords": {"account_takeover": 0.5, "phishing": 0.2},
    "phishing": {"phishing": 0.4, "payment_fraud": 0.15},
    "payment_fraud": {"payment_fraud": 0.5},
    "ransomware": {"ransomware": 0.4},
    "incident_response": {"ransomware": 0.1, "payment_fraud": 0.1, "phishing": 0.05},
    "personal_data": {"legal": 0.5},
    "card_payments": {"card_fraud": 0.5, "legal": 0.1},
    "website": {"website_hack": 0.5},
    "email_security": {"impersonation": 0.3, "phishing": 0.15, "payment_fraud": 0.1,
                       "account_takeover": 0.2},
    "cloud": {"account_takeover": 0.4, "data_loss": 0.1},
    "remote_working": {"device_loss": 0.3, "intrusion": 0.2},
    "network": {"intrusion": 0.3},
    "access_control": {"insider": 0.5, "intrusion": 0.2, "ransomware": 0.1},
    "staff_training": {"phishing": 0.3, "payment_fraud": 0.1},
    "suppliers": {"supplier": 0.5},
    "cyber_essentials": {"contract_loss": 0.6, "malware": 0.1, "intrusion": 0.1,
                         "account_takeover": 0.1},
    "cyber_insurance": {"ransomware": 0.2, "payment_fraud": 0.05},
    "social_media": {"social_hijack": 0.5},
}
PRIORITY_WEIGHT = {1: 0.8, 2: 0.5, 3: 0.3, 4: 0.2, 5: 0.1}

#: Effort and money as hours of the owner's time: cost = 1 + 0.15 x (hours + money).
EFFORT_HOURS = {"minutes": 0.25, "hours": 1.5, "days": 6.0}
COST_HOURS = {"free": 0.0, "low": 0.7, "medium": 2.0, "high": 5.0}
EFFORT_WEIGHT = 0.15
#: A step written for this kind of business (a condition known to hold) says the advice in
#: the owner's own terms and is likelier to be done: each such condition adds this share.
FIT_BONUS = 0.15


@dataclass(frozen=True)
class ThreatLevel:
    """One threat for one business: its yearly likelihood and typical cost."""

    likelihood: float
    impact: float

    @property
    def exposure(self) -> float:
        return self.likelihood * self.impact


def _expected_factor(
    profile: BusinessProfile, attribute: str, table: Mapping[tuple[str, Any], Mapping[str, float]],
    threat: str,
) -> float:
    """The factor an attribute puts on a threat; an unknown answer counts at its prior."""
    value = getattr(profile, attribute)
    if attribute == "cloud":
        if value is None:
            return 1.0
        key = ("cloud", "none") if value == frozenset({"none"}) else ("cloud", "some")
        return table.get(key, {}).get(threat, 1.0)
    if value is not None:
        return table.get((attribute, value), {}).get(threat, 1.0)
    priors = PRIORS.get(attribute, {})
    if not priors:
        return 1.0
    return sum(share * table.get((attribute, option), {}).get(threat, 1.0)
               for option, share in priors.items())


_ATTRIBUTES = sorted({"cloud"} | {attribute for attribute, _ in LIKELIHOOD_FACTORS} |
                     {attribute for attribute, _ in IMPACT_FACTORS})


@lru_cache(maxsize=4096)
def threat_levels(profile: BusinessProfile) -> dict[str, ThreatLevel]:
    """Every threat's likelihood and impact for this business (cached: profiles are frozen)."""
    size = profile.size if profile.size in BREACH_RATE else None
    breach = BREACH_RATE[size] * (CHARITY_FACTOR if profile.is_charity else 1.0)
    levels: dict[str, ThreatLevel] = {}
    for threat in THREAT_IDS:
        kind, share = BASE_LIKELIHOOD[threat]
        likelihood = {"B": breach * share, "loss": breach * share * LOSS_SHARE}.get(kind, share)
        impact = IMPACT[threat] * SIZE_IMPACT[size]
        for attribute in _ATTRIBUTES:
            likelihood *= _expected_factor(profile, attribute, LIKELIHOOD_FACTORS, threat)
            impact *= _expected_factor(profile, attribute, IMPACT_FACTORS, threat)
        levels[threat] = ThreatLevel(min(likelihood, 1.0), impact)
    return levels


#: Training reaches every inbox at once: in a team of 10 or more its effect counts more.
REDUCTION_FACTORS: dict[tuple[str, str, Any], float] = {
    ("staff_training", "size", "small"): 1.3,
    ("staff_training", "size", "medium"): 1.6,
    # CSBS 2025: incident plans are held by 53% of medium firms; a plan matters more as
    # more people need to know what to do.
    ("incident_response", "size", "medium"): 1.5,
    # Home and travelling working in a firm of 50 or more means dozens of laptops and
    # logins away from the office: each remote-working step protects all of them.
    ("remote_working", "size", "medium"): 1.5,
}


def reductions(step: Step, profile: BusinessProfile | None = None) -> Mapping[str, float]:
    """The share of each threat this step removes (for this business, when given)."""
    if step.reduces is not None:
        base: Mapping[str, float] = step.reduces
    else:
        weight = PRIORITY_WEIGHT.get(step.priority, 0.25)
        base = {threat: share * weight for threat, share in TOPIC_REDUCES.get(step.topic, {}).items()}
    if profile is None:
        return base
    factor = 1.0
    for (topic, attribute, value), extra in REDUCTION_FACTORS.items():
        if step.topic == topic and getattr(profile, attribute) == value:
            factor *= extra
    if factor == 1.0:
        return base
    return {threat: min(0.9, share * factor) for threat, share in base.items()}


def effort_cost(step: Step, profile: BusinessProfile | None = None) -> float:
    """1 plus the owner's hours and the money (as hours), weighted.

    When an IT firm or IT staff do a step, the owner only has to ask: their time counts
    as minutes, and the money cost stays as given.
    """
    effort = step.effort
    if step.who == "it_provider" and profile is not None and profile.it_support in (
            "outsourced", "in_house"):
        effort = "minutes"
    return 1.0 + EFFORT_WEIGHT * (EFFORT_HOURS[effort] + COST_HOURS[step.cost])


def matched_conditions(step: Step, profile: BusinessProfile) -> int:
    """How many of the step's conditions are known to hold for this business."""
    count = 0
    for attribute, allowed in step.applies_when.items():
        value = getattr(profile, attribute)
        if value is None:
            continue
        if attribute == "cloud":
            count += any(service in allowed for service in value)
        else:
            count += value in allowed
    return count


def condition_chance(step: Step, profile: BusinessProfile) -> float:
    """How likely the step applies: 1 when known to, 0 when known not to, else the prior."""
    chance = 1.0
    for attribute, allowed in step.applies_when.items():
        value = getattr(profile, attribute)
        priors = PRIORS.get(attribute, {})
        if attribute == "cloud":
            if value is None:
                chance *= min(1.0, sum(priors.get(option, 0.0) for option in allowed))
            elif not any(service in allowed for service in value):
                return 0.0
        elif value is None:
            chance *= sum(priors.get(option, 0.0) for option in allowed) if priors else 0.5
        elif value not in allowed:
            return 0.0
    return chance


def contributions(
    step: Step, levels: Mapping[str, ThreatLevel], residual: Mapping[str, float] | None = None,
    profile: BusinessProfile | None = None,
) -> dict[str, float]:
    """Harm prevented per threat (thousands of pounds a year), before effort."""
    left = residual or {}
    return {threat: levels[threat].exposure * share * left.get(threat, 1.0)
            for threat, share in reductions(step, profile).items() if threat in levels}


def step_value(
    step: Step, profile: BusinessProfile, levels: Mapping[str, ThreatLevel],
    residual: Mapping[str, float] | None = None,
) -> float:
    """Expected harm prevented per unit of effort: the number plans are ordered by."""
    chance = condition_chance(step, profile)
    if chance == 0.0:
        return 0.0
    bonus = 1.0 + FIT_BONUS * matched_conditions(step, profile)
    parts = contributions(step, levels, residual, profile)
    return chance * bonus * sum(parts.values()) / effort_cost(step, profile)


def main_threat(step: Step, levels: Mapping[str, ThreatLevel]) -> str | None:
    """The threat this step does most against, for this business."""
    parts = contributions(step, levels)
    if not parts:
        return None
    return max(parts, key=lambda threat: parts[threat])
