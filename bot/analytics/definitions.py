"""One definition of every figure the dashboard shows, and what it counts.

The pages show each definition beside its figure (the "?"), and docs/metrics.md holds
the same sentences (a test checks they agree), so a figure means one thing everywhere.
``unit`` says whether a figure counts businesses or conversations (or something else):
the programme reports businesses, and the two must not be confused.

A business is recognised by its business key, the visitor key: a pseudonym of the
widget id. A device that opens the plan's private link (from the chat, or a reminder
email) continues the same conversation under the same widget id, so it is the same
business in every figure (tests/web/widget/test_plan.py checks it adds none). A second
device used without the link, or a cleared browser, still comes back as new.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Definition:
    label: str
    unit: str  # businesses, conversations, commitments, steps, ratings, messages, checks
    text: str


DEFINITIONS: dict[str, Definition] = {
    "reach": Definition(
        "Businesses reached", "businesses",
        "Businesses with at least one conversation that started in the period, each counted once "
        "however many conversations it had. A business is known by its business key: its browser, "
        "and any device that opens its plan's private link (from the chat or a reminder email) "
        "carries on as the same business. A second device used without the link counts again."),
    "new_visitors": Definition(
        "New businesses", "businesses",
        "Businesses reached in the period whose first conversation ever was in the period."),
    "returning_visitors": Definition(
        "Returning businesses", "businesses",
        "Businesses reached in the period that had a conversation before the period started."),
    "conversations": Definition(
        "Conversations", "conversations",
        "Conversations that started in the period. A conversation is one session in the chat "
        "widget; a business can have several."),
    "plans_delivered": Definition(
        "Conversations with a plan", "conversations",
        "Conversations that started in the period and in which the assistant gave a plan of steps."),
    "plan_rate": Definition(
        "Share of conversations with a plan", "conversations",
        "Conversations with a plan divided by all conversations that started in the period."),
    "commitments": Definition(
        "Steps committed to", "commitments",
        "Commitments made in the period: a business said it would do one step of its plan. One "
        "business committing to three steps counts three."),
    "reported_done": Definition(
        "Steps reported done", "commitments",
        "Of the commitments made in the period, those the business has since reported done."),
    "uptake_rate": Definition(
        "Share of commitments done", "commitments",
        "Steps reported done divided by steps committed to, for commitments made in the period."),
    "helpfulness": Definition(
        "Helpfulness", "ratings",
        "Thumbs-up ratings divided by all ratings given in the period."),
    "incidents": Definition(
        "Conversations after an incident", "conversations",
        "Conversations that took the urgent path in the period: the owner said something had "
        "already gone wrong (an attack, a scam, a lost device) and the assistant gave first steps "
        "and where to report it."),
    "website_checks": Definition(
        "Website checks run", "checks",
        "Website checks that ran in the period and reported findings, each check counted once, "
        "with the conversations and businesses that ran them. Checks that could not run (the "
        "address was refused, the site did not answer, or too many checks were asked for) are "
        "counted apart. No website address is kept in the analytics database, so none is shown."),
    "email_checks": Definition(
        "Email checks run", "checks",
        "Email domain checks that ran in the period and reported findings, counted as website "
        "checks are. No email domain is kept in the analytics database, so none is shown."),
    "check_pass_share": Definition(
        "Share passing", "checks",
        "Of the period's checks that looked at a finding, the share in which it passed; a "
        "warning or a fail does not pass."),
    "check_problems": Definition(
        "Commonest problems", "checks",
        "The findings most often a fail or a warning in the segment's checks of one kind in the "
        "period, with the share of those checks. The segment is the conversation's profile. A "
        "segment with fewer than five checks of a kind is left out, so one business's results "
        "can't be picked out."),
    "unanswered": Definition(
        "Questions not answered", "messages",
        "Messages in the period that the assistant did not understand or that were outside its "
        "scope, not counting noise (a lone '?', single characters, keyboard mash)."),
    "links_made": Definition(
        "Plans kept at a private link", "links",
        "Private links to a plan made in the period: the owner asked to download or keep their plan, "
        "and got a page and PDF at an unguessable link. Each link made counts once."),
    "plans_emailed": Definition(
        "Plans emailed", "emails",
        "Plans sent by email in the period, after the owner gave an address and agreed to reminders. "
        "The address is kept apart from these figures and never shown here."),
    "links_opened": Definition(
        "Private links opened", "links",
        "Private links to a plan opened for the first time in the period (on any device). Later "
        "openings of the same link are not counted again."),
    "reminders_sent": Definition(
        "Reminders sent", "emails",
        "Reminder emails sent in the period, each with a link back to the plan. A plan emailed gets "
        "at most two (REMINDER_DAYS, 14 and 45 days after by default)."),
    "done_after_reminder": Definition(
        "Steps done after a reminder", "steps",
        "Steps ticked as done in the period on the plan page opened from a reminder's link. One "
        "owner ticking three steps counts three."),
    "unsubscribed": Definition(
        "Reminders stopped", "subscriptions",
        "Reminder subscriptions stopped in the period through the unsubscribe link (or the mail "
        "program's own unsubscribe); the email address is deleted at once."),
}


def label(key: str) -> str:
    found = DEFINITIONS.get(key)
    return found.label if found else key.replace("_", " ").capitalize()
