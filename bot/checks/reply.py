"""The replies of the checks: findings as plain-text bullets, a ``custom.check`` payload and
the matching guidance from the knowledge base.

Contract: the findings message carries ``custom.topic`` (``website`` or ``email_security``)
and ``custom.check`` = ``{"kind", "outcome", "findings": [{"id", "status", "message"}],
"notes", "counts"}``. The checked address appears in neither the text nor the payload.
"""

from __future__ import annotations

from bot import reply_contract as contract
from bot.checks.findings import CheckResult
from bot.guidance.knowledge.loader import KnowledgeBase
from bot.guidance.profile import BusinessProfile
from bot.guidance.replies import Message, Reply, topic_answer

TOPICS = {"website": "website", "email_domain": "email_security"}
STATUS_LABELS = {"pass": "OK", "warning": "Worth fixing", "fail": "Needs fixing"}
ASK_ADDRESS = {
    "website": "What is your website's address? For example, www.example.co.uk.",
    "email_domain": ("Which email domain should I check? That's the part after the @ in your "
                     "email address, for example example.co.uk."),
}
INTRO = {
    "website": "Here is what I found when I checked your website:",
    "email_domain": "Here is what I found in your email domain's public records:",
}
CACHED = "I checked this address a few minutes ago, so these are the same results."


def ask_for_address(kind: str) -> Reply:
    return Reply([Message(text=ASK_ADDRESS[kind])])


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


def check_reply(kb: KnowledgeBase, result: CheckResult, profile: BusinessProfile) -> Reply:
    """The findings, then the knowledge base's advice on the topic."""
    topic = TOPICS[result.kind]
    custom = contract.check(topic, result.as_contract())
    if result.outcome != "checked":
        return Reply([Message(text=result.problem, custom=custom)], topic=topic)
    lines = [INTRO[result.kind]]
    lines += [f"- {STATUS_LABELS[f.status]}: {f.message}" for f in result.findings]
    text = "\n".join(lines)
    if result.notes:
        text += "\n\n" + "\n".join(result.notes)
    text += "\n\n" + _summary(result)
    if result.cached:
        text += " " + CACHED
    guidance = topic_answer(kb, topic, profile)
    return Reply([Message(text=text, custom=custom), *guidance.messages],
                 offered=guidance.offered, topic=topic)
