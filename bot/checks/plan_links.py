"""Check findings in the action plan: each problem found points to the guidance step that
fixes it, and that step joins the plan, ranked by the same model as every other step.

The conversation keeps the problems as ``kind:finding_id`` strings (slot
``check_failures``); the plan says which finding brought each linked step in.
"""

from __future__ import annotations

from typing import Iterable, Sequence

from bot import reply_contract as contract
from bot.checks.catalogue import title
from bot.checks.findings import CheckResult
from bot.guidance.knowledge.loader import KnowledgeBase
from bot.guidance.profile import BusinessProfile
from bot.guidance.replies import (
    EFFORT_LABELS,
    WHO_LABELS,
    Message,
    Reply,
    commit_button,
    plan_reply,
)
from bot.guidance.tailoring import PlanStep, build_plan, plan_length, rank_steps

#: The guidance step that fixes each finding (finding ids from bot/checks).
FINDING_STEPS: dict[str, str] = {
    "spf": "email_security_stop_spoofing",
    "spf_policy": "email_security_stop_spoofing",
    "spf_lookups": "email_security_stop_spoofing",
    "dkim": "email_security_stop_spoofing",
    "dmarc": "email_security_stop_spoofing",
    "dmarc_reports": "email_security_stop_spoofing",
    "mta_sts": "email_security_encrypted_delivery",
    "tls_rpt": "email_security_encrypted_delivery",
    "starttls": "email_security_encrypted_delivery",
    "https": "website_https",
    "certificate_expiry": "website_https",
    "http_redirect": "website_https",
    "hsts": "website_https",
    "tls_old_versions": "website_https",
    "tls_modern_versions": "website_https",
    "mixed_content": "website_https",
    "software_versions": "website_updates",
    "content_security_policy": "website_security_headers",
    "x_content_type_options": "website_security_headers",
    "framing": "website_security_headers",
    "referrer_policy": "website_security_headers",
    "security_txt": "website_security_contact",
    "caa": "website_domain_protection",
    "dnssec": "website_domain_protection",
}
FINDING_LABELS = {"website": "your website check", "email_domain": "your email check"}


def problems(result: CheckResult) -> list[str]:
    """The result's fails and warnings as ``kind:finding_id``, for the conversation to keep."""
    return [f"{result.kind}:{f.id}" for f in result.findings if f.status != "pass"]


def merge(kept: Iterable[str], result: CheckResult) -> list[str]:
    """The kept problems with this check's kind replaced by its new ones."""
    others = [item for item in kept if not item.startswith(f"{result.kind}:")]
    return [*others, *problems(result)]


def linked_steps(kb: KnowledgeBase, found: Sequence[str]) -> dict[str, list[str]]:
    """Step id -> the ``kind:finding_id`` problems it fixes, for steps the knowledge base has."""
    known = {step.id for topic in kb.topics.values() for step in topic.steps}
    links: dict[str, list[str]] = {}
    for item in found:
        step = FINDING_STEPS.get(item.partition(":")[2])
        if step in known:
            links.setdefault(step, []).append(item)
    return links


def plan_with_findings(kb: KnowledgeBase, profile: BusinessProfile, done: Sequence[str],
                       found: Sequence[str]) -> list[tuple[PlanStep, list[str]]]:
    """The usual plan, with every step a check found a need for, ordered by ``rank_steps``.

    Linked steps always stay in; the other plan steps fill the places left, best first.
    """
    links = {step: items for step, items in linked_steps(kb, found).items() if step not in done}
    plan = build_plan(kb.topics, profile, exclude=done)
    steps = {item.step.id: item.step for item in plan}
    for topic in kb.topics.values():
        for step in topic.steps:
            if step.id in links:
                steps[step.id] = step
    ranked = rank_steps(steps.values(), profile)
    room = max(0, plan_length(profile) - len(links))
    others = [item for item in ranked if item.step.id not in links][:room]
    keep = {item.step.id for item in others} | set(links)
    return [(item, links.get(item.step.id, [])) for item in ranked if item.step.id in keep]


def _because(items: Sequence[str]) -> str:
    """Which checks the step answers, by the findings' plain titles (bot/checks/catalogue.py)."""
    kinds = sorted({item.partition(":")[0] for item in items})
    names = "; ".join(title(item.partition(":")[2]) for item in items)
    where = " and ".join(FINDING_LABELS.get(kind, "a check") for kind in kinds)
    return f" Fixes what {where} did not pass: {names}."


def plan_reply_with_findings(kb: KnowledgeBase, profile: BusinessProfile, done: Sequence[str],
                             found: Sequence[str]) -> Reply:
    """The plan reply; without check problems it is exactly the usual plan."""
    if not linked_steps(kb, found):
        return plan_reply(kb, profile, done=done)
    plan = plan_with_findings(kb, profile, done, found)
    lines = []
    for number, (item, items) in enumerate(plan, start=1):
        step = item.step
        flag = " (must-do)" if step.must_do else ""
        because = _because(items) if items else ""
        lines.append(f"{number}. {step.title}{flag}. Who: {WHO_LABELS[step.who]}. Time: "
                     f"{EFFORT_LABELS[step.effort]}. {item.why}{because}")
    text = ("Here is your action plan, most important first:\n" + "\n".join(lines)
            + "\n\nTell me which ones you will do, and tell me when one is done. "
              "Ask about any step to learn how.")
    custom = contract.plan(
        [contract.plan_entry(item.step.topic, item.step.id, item.step.title, findings=items)
         for item, items in plan],
        [contract.step_entry(id=item.step.id, topic=item.step.topic, title=item.step.title,
                             why=item.why, who=item.step.who, effort=item.step.effort,
                             cost=item.step.cost, must_do=item.step.must_do,
                             sources=item.step.sources) for item, _ in plan])
    buttons = [commit_button(item.step) for item, _ in plan[:3]]
    return Reply([Message(text=text, buttons=buttons, custom=custom)],
                 offered=[item.step.id for item, _ in plan])
