"""The replies of the checks: the most serious findings first, a score out of 100, what
changed since last time, a ``custom.check`` payload, and the matching guidance.

Contract: the findings message carries ``custom.topic`` (``website`` or ``email_security``)
and ``custom.check`` = ``{"kind", "outcome", "findings": [{"id", "status", "message",
"fix", "weight"}], "notes", "counts", "score", "top", "provider", "changes"}``. The
checked address appears in neither the text nor the payload.
"""

from __future__ import annotations

from typing import Sequence

from bot import reply_contract as contract
from bot.checks import catalogue
from bot.checks.budget import DEFAULT_LIMITS
from bot.checks.findings import CheckResult, Finding
from bot.checks.scoring import SEVERITY
from bot.guidance.knowledge.loader import KnowledgeBase
from bot.guidance.profile import BusinessProfile
from bot.guidance.replies import Message, Reply, topic_answer

TOPICS = {"website": "website", "email_domain": "email_security"}
STATUS_LABELS = {"pass": "OK", "warning": "Worth fixing", "fail": "Needs fixing"}
CHANGE_LABELS = {"pass": "OK", "warning": "worth fixing", "fail": "needs fixing",
                 "new": "not checked before", "gone": "no longer checked"}
TIME_LIMITS = (f"I give each server up to {DEFAULT_LIMITS.connect:g} seconds to answer and the "
               f"whole check up to {DEFAULT_LIMITS.total:g} seconds.")
ASK_ADDRESS = {
    "website": "What is your website's address? For example, www.example.co.uk. " + TIME_LIMITS,
    "email_domain": ("Which email domain should I check? That's the part after the @ in your "
                     "email address, for example example.co.uk. " + TIME_LIMITS),
}
INTRO = {
    "website": "Here is what I found when I checked your website",
    "email_domain": "Here is what I found in your email domain's public records",
}
CACHED = "I checked this address a few minutes ago, so these are the same results."


def ask_for_address(kind: str) -> Reply:
    return Reply([Message(text=ASK_ADDRESS[kind])])


def ordered(result: CheckResult) -> list[Finding]:
    """The three most serious first, then the other problems, then what passed."""
    top = result.top_three()
    rest = sorted((f for f in result.findings if f not in top),
                  key=lambda f: -SEVERITY[f.status])
    return [*top, *rest]


def _summary(result: CheckResult) -> str:
    counts = result.counts()
    if not counts["fail"] and not counts["warning"]:
        return "Everything I checked looks good."
    share = ("Share this list with your web designer or host."
             if result.kind == "website" else "Share this list with whoever manages your domain.")
    parts = []
    if counts["fail"]:
        parts.append(f"{counts['fail']} {'thing needs' if counts['fail'] == 1 else 'things need'} fixing")
    if counts["warning"]:
        parts.append(f"{counts['warning']} {'is' if counts['warning'] == 1 else 'are'} worth fixing")
    return f"{' and '.join(parts).capitalize()}. {share}"


def _change_lines(changes: Sequence[contract.CheckChange]) -> list[str]:
    lines = []
    for change in changes:
        before = CHANGE_LABELS[change["before"]]
        before = before if change["before"] == "new" else f"{before} before"
        lines.append(f"- {catalogue.title(change['id'])}: {before}, "
                     f"{CHANGE_LABELS[change['after']]} now")
    return lines


def findings_text(result: CheckResult, changes: Sequence[contract.CheckChange] = (),
                  compared: bool = False) -> str:
    """The findings as plain text: one ``- `` line each, most serious first."""
    score = result.score()
    scored = f" (score {score} out of 100)" if score is not None else ""
    lines = [f"{INTRO[result.kind]}{scored}, most serious first:"]
    for finding in ordered(result):
        fix = f" {finding.fix}" if finding.fix and finding.status != "pass" else ""
        lines.append(f"- {STATUS_LABELS[finding.status]}: {finding.message}{fix}")
    text = "\n".join(lines)
    if result.notes:
        text += "\n\n" + "\n".join(result.notes)
    if changes:
        text += "\n\nWhat changed since last time:\n" + "\n".join(_change_lines(changes))
    elif compared:
        text += "\n\nNothing has changed since last time."
    text += "\n\n" + _summary(result)
    return text


def check_reply(kb: KnowledgeBase, result: CheckResult, profile: BusinessProfile,
                changes: Sequence[contract.CheckChange] = (), compared: bool = False) -> Reply:
    """The findings, then the knowledge base's advice on the topic."""
    topic = TOPICS[result.kind]
    payload = result.as_contract()
    if changes:
        payload["changes"] = list(changes)
    custom = contract.check(topic, payload)
    if result.outcome != "checked":
        return Reply([Message(text=result.problem, custom=custom)], topic=topic)
    text = findings_text(result, changes, compared)
    if result.cached:
        text += " " + CACHED
    guidance = topic_answer(kb, topic, profile)
    return Reply([Message(text=text, custom=custom), *guidance.messages],
                 offered=guidance.offered, topic=topic)
