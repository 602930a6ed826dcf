"""Specific questions over REST get the fact that answers them, not the topic's overview.

The questions are the kind owners ask (written for this test, not copied from the answers'
examples); each reply must hold the key fact. Runs against the real stack.
"""

from __future__ import annotations

import pytest

from tests.stack import customs, texts

pytestmark = pytest.mark.stack

QUESTIONS = [
    ("how long have we got to tell the ICO about a data breach?", ["72 hours"]),
    ("we're based in Edinburgh, who do we report a cyber attack to?", ["101"]),
    ("what's the phone number to report a cyber crime against my business in England?",
     ["0300 123 2040"]),
    ("where do i forward a dodgy email to", ["report@phishing.gov.uk"]),
    ("got a scam text pretending to be the bank, where do I send it", ["7726"]),
    ("how quickly do security updates need installing for cyber essentials", ["14 days"]),
    ("I lost my work phone on the bus, what do I do?", ["Find My", "erase"]),
    ("Is it enough to keep a copy of everything on a USB stick in the office drawer?", ["somewhere else"]),
    ("got this, is it real? 'Dear customer, your Microsoft 365 password expires today. "
     "Click here to keep your password'", ["phishing"]),
    ("we're a builder in Glasgow and someone hacked our facebook page, what do we do?", ["101"]),
    ("a customer asked for a copy of all the data we hold on them, how long do we have?",
     ["one month"]),
    ("do I have to pay the ICO data protection fee as a sole trader?", ["exempt"]),
    ("how much does cyber essentials cost for a small company", ["£320"]),
    ("how long does a cyber essentials certificate last", ["12 months"]),
    ("is windows 10 still ok to use", ["October 2025"]),
    ("our supplier emailed to say their bank details have changed, should we pay the new account",
     ["call"]),
    ("we paid a fake invoice yesterday, what now", ["159"]),
    ("ransomware has locked all our files and they want bitcoin, should we pay?", ["do not pay"]),
    ("what is two step verification", ["second check"]),
    ("hw do i stop ppl gettin into my emial", ["2-step"]),
    ("can I talk to a real person?", ["0300 123 2040", "press 9"]),
    ("what's a good password", ["three random words"]),
    ("do we need a firewall on our office broadband", ["firewall in your router"]),
    ("someone rang pretending to be from our bank asking for a code, was that a scam",
     ["hang up"]),
    ("should we let staff use their own phones for work email", ["screen lock"]),
    ("is the free wifi in a coffee shop safe for banking", ["VPN"]),
    ("we got a message saying our CEO needs gift cards urgently, real?", ["the boss"]),
    ("how often should a small business back up", ["every day"]),
    ("someone's sent me a QR code in an email to re-verify my account, is that safe",
     ["QR"]),
    ("can staff paste customer details into chatgpt", ["public AI chatbots"]),
    ("do we need to tell our customers if we have a data breach", ["high risk"]),
]


@pytest.mark.parametrize("question,facts", QUESTIONS, ids=[q[:40] for q in QUESTIONS])
def test_a_specific_question_gets_the_fact_that_answers_it(say, question, facts):
    reply = say(question)
    said = texts(reply)
    for fact in facts:
        assert fact.lower() in said.lower(), f"{question!r} -> {said[:300]!r}"
    assert any("answer" in c for c in customs(reply)), "the reply carries the answer id"


def test_two_questions_get_two_answers_with_their_own_topics(say):
    reply = say("should we get cyber insurance, and do we need cyber essentials for a council contract?")
    answered = [c for c in customs(reply) if "answer" in c]
    assert {c["topic"] for c in answered} == {"cyber_insurance", "cyber_essentials"}


def test_a_description_with_a_question_records_the_business_and_answers(say):
    reply = say("we're a 4 person accountancy in Leeds, how do we stop someone sending fake bank "
                "details to our clients?")
    said = texts(reply)
    assert "sorry this has happened" not in said.lower()
    assert any(c.get("topic") == "payment_fraud" for c in customs(reply))
    later = texts(say("what do you know about my business?")) + texts(say("/ask_action_plan"))
    assert "1 to 9" in later or "4 people" in later or "accountan" in later.lower()


def test_belfast_is_northern_ireland_for_reporting(say):
    said = texts(say("we're a garage in Belfast, who do we report a cyber attack to?"))
    assert "0300 123 2040" in said
    assert "Police Scotland" not in said


def test_out_of_scope_stays_polite(say):
    reply = say("how do I register for VAT?")
    assert not any("answer" in c for c in customs(reply))
    assert "keeping your business safe online" in texts(reply)


def test_a_person_asked_for_is_recorded(say):
    reply = say("is there someone I can call for help, I'm really stuck")
    assert any(c.get("human") for c in customs(reply))
    assert any(link["href"].startswith("tel:") for c in customs(reply) for link in c.get("links", []))


def test_welsh_gets_a_bilingual_reply(say):
    reply = say("Sut ydw i'n diogelu fy musnes bach rhag sgamiau ar e-bost?")
    said = texts(reply)
    assert "Saesneg" in said and "English" in said
    assert any(c.get("language") == "cy" for c in customs(reply))
