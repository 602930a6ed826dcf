"""Urgent help when something has gone wrong: which incident, first steps, who to tell."""

from __future__ import annotations

import re

from bot.knowledge.loader import Incident, KnowledgeBase, ReportingRoute
from bot.profile import BusinessProfile

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


def routes_for(profile: BusinessProfile, kb: KnowledgeBase) -> list[tuple[ReportingRoute, str | None]]:
    """Reporting routes for this business, each with a nation label when the nation is unknown."""
    chosen: list[tuple[ReportingRoute, str | None]] = []
    for route in kb.reporting:
        if route.when == "personal_data" and profile.personal_data is False:
            continue
        if profile.nation is not None:
            if profile.nation in route.nations:
                chosen.append((route, None))
        elif len(route.nations) == len(NATION_NAMES):
            chosen.append((route, None))
        else:
            names = [NATION_NAMES[n] for n in route.nations]
            label = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
            chosen.append((route, f"In {label}"))
    return chosen
