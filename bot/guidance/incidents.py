"""Urgent help when something has gone wrong: which incident, first steps, who to tell."""

from __future__ import annotations

import re

from bot.guidance.knowledge.loader import Incident, KnowledgeBase, ReportingRoute
from bot.guidance.profile import BusinessProfile

NATION_NAMES = {
    "england": "England",
    "scotland": "Scotland",
    "wales": "Wales",
    "northern_ireland": "Northern Ireland",
}


def classify(text: str, kb: KnowledgeBase) -> Incident:
    """The incident whose match phrases best fit the message; 'general' if none do."""
    lowered = text.lower()
    best, best_score = kb.incidents["general"], 0
    for incident in kb.incidents.values():
        score = sum(1 for phrase in incident.match if re.search(rf"\b{re.escape(phrase)}", lowered))
        if score > best_score:
            best, best_score = incident, score
    return best


def routes_for(
    profile: BusinessProfile, kb: KnowledgeBase, incident: Incident | None = None
) -> list[tuple[ReportingRoute, str | None]]:
    """Reporting routes for this incident and business.

    When the nation is unknown, routes for some nations only get a label such as
    "In Scotland", unless their text already says so.
    """
    chosen: list[tuple[ReportingRoute, str | None]] = []
    wanted = set(incident.report_to) if incident and incident.report_to else None
    for route in kb.reporting:
        if wanted is not None and route.id not in wanted:
            continue
        # An owner who said "no personal data" still gets the ICO route when the incident
        # itself is about personal data: the incident shows the profile was wrong.
        about_personal_data = incident is not None and incident.topic == "personal_data"
        if route.when == "personal_data" and profile.personal_data is False and not about_personal_data:
            continue
        if profile.nation is not None:
            if profile.nation in route.nations:
                chosen.append((route, None))
        elif len(route.nations) == len(NATION_NAMES):
            chosen.append((route, None))
        else:
            names = [NATION_NAMES[n] for n in route.nations]
            if any(name in route.text for name in names):
                chosen.append((route, None))
                continue
            label = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
            chosen.append((route, f"In {label}"))
    return chosen
