"""Reply composition: the reply contract, tailoring in answers, incident routing."""

from __future__ import annotations

import pytest

from bot.guidance import replies
from bot.guidance.incidents import classify
from bot.guidance.knowledge import load_knowledge_base
from bot.guidance.profile import BusinessProfile

KB = load_knowledge_base()


def test_topic_answer_carries_its_topic_and_at_most_three_steps():
    reply = replies.topic_answer(KB, "backups", BusinessProfile())
    custom = reply.messages[0].custom
    assert custom is not None and custom["topic"] == "backups"
    assert 1 <= len(custom["steps"]) <= 3
    assert reply.offered == [a["id"] for a in custom["steps"]]


def test_plan_reply_contract_lists_topic_step_title_in_order():
    reply = replies.plan_reply(KB, BusinessProfile(size="small", cloud=frozenset({"microsoft_365"})))
    custom = reply.messages[0].custom
    assert custom is not None
    assert [set(item) for item in custom["plan"]] == [{"topic", "step", "title"}] * len(custom["plan"])
    assert [item["step"] for item in custom["plan"]] == reply.offered
    text = reply.messages[0].text or ""
    assert text.index(custom["plan"][0]["title"]) < text.index(custom["plan"][-1]["title"])


def test_plan_leaves_out_done_steps():
    profile = BusinessProfile(size="micro")
    first = replies.plan_reply(KB, profile).offered[0]
    assert first not in replies.plan_reply(KB, profile, done=[first]).offered


@pytest.mark.parametrize(
    ("message", "incident"),
    [
        ("our files are encrypted and there's a ransom note", "ransomware"),
        ("I think we paid a fake invoice to the wrong bank account", "payment_fraud"),
        ("someone has got into our email account", "account_compromise"),
        ("the laptop with customer data was stolen", "data_breach"),
        ("something weird is happening", "general"),
    ],
)
def test_incident_classification(message, incident):
    assert classify(message, KB).id == incident


def test_scotland_reports_to_police_scotland_not_report_fraud():
    text = "\n".join(m.text or "" for m in replies.incident_reply(
        KB, "we've been hacked", BusinessProfile(nation="scotland")).messages)
    assert "101" in text
    assert "Report Fraud" not in text


def test_england_reports_to_report_fraud():
    text = "\n".join(m.text or "" for m in replies.incident_reply(
        KB, "we've been hacked", BusinessProfile(nation="england")).messages)
    assert "Report Fraud" in text
    assert "Police Scotland" not in text


def test_ico_route_depends_on_personal_data():
    with_data = replies.incident_reply(KB, "hacked", BusinessProfile(personal_data=True))
    without = replies.incident_reply(KB, "hacked", BusinessProfile(personal_data=False))
    assert "72 hours" in "\n".join(m.text or "" for m in with_data.messages)
    assert "72 hours" not in "\n".join(m.text or "" for m in without.messages)


def test_a_personal_data_breach_gets_the_ico_route_even_after_no_personal_data():
    stolen = replies.incident_reply(KB, "our customer database has been stolen",
                                    BusinessProfile(personal_data=False))
    assert "72 hours" in "\n".join(m.text or "" for m in stolen.messages)


def test_urgent_steps_come_before_reporting():
    reply = replies.incident_reply(KB, "ransom note on screen", BusinessProfile())
    assert reply.messages[0].custom and reply.messages[0].custom["topic"] == "ransomware"
    assert "now" in (reply.messages[0].text or "")
    assert "report" in (reply.messages[1].text or "").lower()


def test_profile_description_reads_naturally():
    profile = BusinessProfile(size="small", sector="professional_services", card_payments=True,
                              cloud=frozenset({"microsoft_365"}))
    text = replies.describe_profile(profile)
    assert "10 to 49 people" in text and "Microsoft 365" in text and "card payments" in text


def test_clarify_offers_topic_buttons():
    reply = replies.clarify_reply(KB, ["phishing", "payment_fraud"])
    payloads = [b["payload"] for b in reply.messages[0].buttons]
    assert payloads[:2] == ["/ask_phishing", "/ask_payment_fraud"]
    assert reply.messages[0].custom is None
