"""Only questions whose answer would change the plan, most valuable first."""

from __future__ import annotations

import pytest
import textstat

from bot.guidance.knowledge import load_knowledge_base
from bot.guidance.profile import ASKABLE_ATTRIBUTES, BusinessProfile
from bot.guidance.questions import (
    EXPLANATIONS,
    MAX_QUESTIONS,
    MIN_VALUE,
    TOLD_ONLY,
    asks_what_it_means,
    next_question,
    progress,
    question_value,
    questions_left,
)

KB = load_knowledge_base()

PLUMBER = BusinessProfile(size="sole_trader", people=1, sector="construction_trades",
                          bank_transfers=True, card_payments=False, website="none",
                          social_media=True, cloud=frozenset({"other"}), old_machines=True)


def test_a_known_answer_is_never_asked_again():
    for attribute in questions_left(KB.topics, PLUMBER):
        assert getattr(PLUMBER, attribute) is None


def test_an_empty_profile_gets_at_most_three_questions_most_valuable_first():
    asked = questions_left(KB.topics, BusinessProfile())
    assert 1 <= len(asked) <= MAX_QUESTIONS
    values = [question_value(KB.topics, BusinessProfile(), a) for a in asked[:1]]
    for attribute in ASKABLE_ATTRIBUTES:
        if attribute in TOLD_ONLY or attribute == asked[0]:
            continue
        assert question_value(KB.topics, BusinessProfile(), attribute) <= values[0] + 1e-9


def test_no_question_is_asked_that_could_not_change_the_first_steps():
    question = next_question(KB.topics, PLUMBER)
    if question is not None:
        assert question_value(KB.topics, PLUMBER, question) >= MIN_VALUE
    if question is None:
        for attribute in ASKABLE_ATTRIBUTES:
            if getattr(PLUMBER, attribute) is None and attribute not in TOLD_ONLY:
                assert question_value(KB.topics, PLUMBER, attribute) < MIN_VALUE


def test_progress_counts_the_question_being_asked():
    profile = BusinessProfile()
    first = next_question(KB.topics, profile)
    assert first is not None
    where = progress(KB.topics, profile, [], first)
    assert where.number == 1
    assert where.total == len(questions_left(KB.topics, profile))
    assert where.label() == f"Question 1 of {where.total}"


@pytest.mark.parametrize("text", ["what does that mean?", "Why do you ask?", "what's a server?",
                                  "I don't understand"])
def test_asking_what_a_question_means_is_noticed(text):
    assert asks_what_it_means(text)


@pytest.mark.parametrize("text", ["yes", "we take cards in the shop", "Microsoft 365 and Xero"])
def test_answers_are_not_taken_for_a_request_to_explain(text):
    assert not asks_what_it_means(text)


def test_every_askable_question_has_a_plain_explanation():
    for attribute in ASKABLE_ATTRIBUTES:
        if attribute in TOLD_ONLY:
            continue
        assert textstat.flesch_reading_ease(EXPLANATIONS[attribute]) >= 60, attribute


def test_every_question_that_can_be_asked_has_a_form_slot_and_a_prompt():
    import yaml

    from bot.paths import PROJECT_ROOT

    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    required = set(domain["forms"]["profile_form"]["required_slots"])
    for attribute in ASKABLE_ATTRIBUTES:
        if attribute in TOLD_ONLY:
            continue
        assert attribute in required, attribute
        assert f"utter_ask_{attribute}" in domain["responses"], attribute


def test_every_profile_fact_has_a_slot_and_the_told_ones_are_never_asked():
    """actions/ sets a slot for every fact a message states, told or asked."""
    import yaml

    from bot.guidance.profile import ATTRIBUTE_VALUES
    from bot.paths import PROJECT_ROOT

    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    assert set(ATTRIBUTE_VALUES) <= set(domain["slots"])
    assert set(ATTRIBUTE_VALUES) - {"size"} <= set(domain["entities"])
    assert {"contractors", "shared_devices"} <= TOLD_ONLY
    assert not (TOLD_ONLY - {"nation"}) & set(domain["forms"]["profile_form"]["required_slots"])
