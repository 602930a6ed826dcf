"""Why-lines and plan words that fit the business, in plain English."""

from __future__ import annotations

import textstat

from bot.guidance import replies, why
from bot.guidance.knowledge import load_knowledge_base
from bot.guidance.profile import BusinessProfile

KB = load_knowledge_base()


def _lines():
    for threat, facts in why.DRIVERS.items():
        for fact in facts:
            if isinstance(fact, why.Fact):
                profiles = [BusinessProfile(**{fact.attribute: fact.value})]
            else:
                profiles = [BusinessProfile(size="small", people=12),
                            BusinessProfile(cloud=frozenset({"microsoft_365"}))]
            for profile in profiles:
                yield why.why_line(threat, profile, "unused")
    for harm in why.HARM_ALONE.values():
        yield harm(BusinessProfile())


def test_every_why_line_is_plain_english():
    hard = {line: textstat.flesch_reading_ease(line) for line in _lines()
            if textstat.flesch_reading_ease(line) < 60}
    assert not hard


def test_a_why_line_names_the_fact_that_makes_the_step_matter():
    line = why.why_line("payment_fraud", BusinessProfile(bank_transfers=True), "unused")
    assert line.startswith("Because customers pay you by bank transfer")


def test_a_sole_trader_is_you_never_everyone_or_staff():
    profile = BusinessProfile(size="sole_trader", people=1, card_payments=True)
    text = replies.plan_reply(KB, profile).messages[0].text or ""
    assert "Everyone" not in text and "staff" not in text.lower().replace("staff training", "")
    assert "You ·" in text


def test_a_charity_is_not_called_a_business():
    profile = BusinessProfile(sector="charity", size="micro", volunteers=True, personal_data=True)
    text = replies.plan_reply(KB, profile).messages[0].text or ""
    assert "your charity" in text
    assert "your business" not in text


def test_three_of_us_is_three_people():
    assert "3 people" in replies.describe_profile(BusinessProfile(size="micro", people=3))


def test_each_plan_step_is_a_bold_title_then_who_time_cost_then_why():
    reply = replies.plan_reply(KB, BusinessProfile(size="micro", people=4, bank_transfers=True))
    text = reply.messages[0].text or ""
    blocks = text.split("\n\n")[1:-1]
    assert blocks
    for number, block in enumerate(blocks, start=1):
        title, facts, why_text = block.split("\n")
        assert title.startswith(f"**{number}. ") and title.endswith("**")
        assert facts.count(" · ") >= 2
        assert why_text
    assert [b["title"] for b in reply.messages[0].buttons][:2] == ["How do I do step 1?",
                                                                   "How do I do step 2?"]
