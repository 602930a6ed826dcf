"""Profile facts from free text, through the project's real spaCy pipeline."""

from __future__ import annotations

import pytest
import spacy

from bot.guidance.extraction import extract_facts, parse_headcount
from bot.nlp.pipeline import DEFAULT_OUTPUT, build_pipeline


@pytest.fixture(scope="module")
def nlp():
    build_pipeline()
    return spacy.load(DEFAULT_OUTPUT)


def facts(nlp, text):
    doc = nlp(text)
    entities = [
        {"entity": e.label_, "value": e.text, "start": e.start_char, "end": e.end_char,
         "extractor": "SpacyEntityExtractor"}
        for e in doc.ents
    ]
    return extract_facts(text, entities)


def test_the_issue_example_fills_every_attribute_it_mentions(nlp):
    found = facts(nlp, "we're a 12-person accountancy on Microsoft 365, staff work from home, "
                       "we take card payments")
    assert found == {
        "size": "small",
        "sector": "professional_services",
        "cloud": frozenset({"microsoft_365"}),
        "remote_working": True,
        "card_payments": True,
        "people": 12,
    }


def test_negation_and_nation(nlp):
    found = facts(nlp, "I'm a sole trader plumber in Glasgow. We do not take card payments "
                       "and have no website")
    assert found["size"] == "sole_trader"
    assert found["nation"] == "scotland"
    assert found["card_payments"] is False
    assert found["website"] == "none"


def test_several_cloud_services_are_kept(nlp):
    found = facts(nlp, "we use google workspace and dropbox")
    assert found["cloud"] == frozenset({"google_workspace", "other"})


def test_a_personal_gmail_is_not_google_workspace(nlp):
    """Gmail on its own has no admin console, so the Workspace-only steps would not fit."""
    assert facts(nlp, "we use gmail and dropbox")["cloud"] == frozenset({"other"})
    assert facts(nlp, "gmail on google workspace")["cloud"] == frozenset({"google_workspace"})


def test_correction_of_head_count(nlp):
    assert facts(nlp, "actually we have 20 staff") == {"size": "small", "people": 20}


def test_button_payload_entity_wins_over_text():
    entities = [{"entity": "size", "value": "medium"}]
    assert extract_facts("/inform", entities) == {"size": "medium"}


def test_invalid_button_value_is_ignored():
    assert extract_facts("/inform", [{"entity": "size", "value": "enormous"}]) == {}


@pytest.mark.parametrize(
    ("text", "people"),
    [("12-person", 12), ("three of us", 3), ("just me", 1), ("sole trader", 1),
     ("a dozen staff", 12), ("have 1,200 employees", 1200), ("nothing", None)],
)
def test_parse_headcount(text, people):
    assert parse_headcount(text) == people


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("just me, I'm a plumber", {"size": "sole_trader", "people": 1}),
        ("builder, me and 5 lads", {"size": "micro", "people": 6}),
        ("there's 3 of us", {"size": "micro", "people": 3}),
        ("our IT guy sorts the computers", {"it_support": "outsourced"}),
        ("books on Xero", {"cloud": frozenset({"other"})}),
        ("we've got a Facebook page", {"social_media": True}),
        ("not on social media at all", {"social_media": False}),
        ("we're in Swansea", {"nation": "wales"}),
        ("customers pay by bank transfer", {"bank_transfers": True}),
        ("free wifi for customers", {"customer_wifi": True}),
        ("Sage runs on a server in the office", {"onsite_server": True}),
        ("WordPress on a server my husband set up on DigitalOcean", {"onsite_server": None}),
        ("we sell online, our site is WordPress + WooCommerce", {"website": "online_shop"}),
        ("the PCs are all windows 10", {"old_machines": True}),
        ("our shop is on Shopify", {"website": "online_shop", "website_platform": "hosted"}),
        ("a wordpress site my cousin built", {"website": "brochure", "website_platform": "self_run"}),
        ("about 30 volunteers", {"volunteers": True}),
        ("we take cards in the shop and online", {"card_payments": True, "website": "online_shop"}),
        ("independent estate & letting agents", {"sector": "professional_services"}),
        ("we're a small lettings agency", {"sector": "professional_services"}),
        ("i make candles and sell them on etsy", {"sector": "retail", "website": "online_shop"}),
        ("I'm an ebay seller, vintage clothes", {"sector": "retail"}),
        ("the IT company looks after it remotely", {"remote_access": True, "remote_working": None}),
        ("the EPOS company connects to it remotely", {"remote_access": True, "remote_working": None}),
        ("two of the team work remotely", {"remote_working": True}),
        ("9 of us plus a handful of freelancers, and freelancers get access to those too",
         {"contractors": True, "size": "micro", "people": 9}),
        ("our contractors have their own logins", {"contractors": True}),
        ("no contractors use our systems", {"contractors": False}),
        ("we use contractors for the roofing", {"contractors": None}),
        ("freelancers get access to the ad accounts", {"contractors": True, "size": None}),
        ("I'm a freelance designer", {"size": "sole_trader"}),
        ("we use Famly on the room tablets for observations", {"shared_devices": True}),
        ("a shared iPad at reception for signing in", {"shared_devices": True}),
        ("everyone has their own laptop", {"shared_devices": None}),
    ],
)
def test_owners_words_become_profile_facts(nlp, text, expected):
    found = facts(nlp, text)
    for attribute, value in expected.items():
        assert found.get(attribute) == value, (attribute, found)


def test_several_services_named_in_one_answer_are_all_kept(nlp):
    assert facts(nlp, "Microsoft 365 and Xero")["cloud"] == frozenset({"microsoft_365", "other"})
