"""Plans for the 38 business descriptions in tests/data/tailoring_scenarios.yml.

The same run as `make bench-tailoring`: each description read as the assistant reads it,
every further question answered "not sure". The targets of issue 18 that are met are held
here; the one not yet met for every scenario (all must topics present) is held at the
level reached, so that a change to the model or the content cannot quietly lose ground.
"""

from __future__ import annotations

import pytest

from bench import tailoring as bench
from bot.guidance.knowledge import load_knowledge_base

#: Scenarios whose plan holds every must topic (issue 18's target: all 38).
MIN_FITTING = 33


@pytest.fixture(scope="module")
def outcomes():
    return bench.run(load_knowledge_base(), bench.load_scenarios(), bench.entity_reader())


def test_no_plan_holds_a_topic_that_does_not_apply(outcomes):
    assert {o.id: o.forbidden for o in outcomes if o.forbidden} == {}


def test_plans_differ_between_businesses(outcomes):
    assert bench.summary(outcomes)["median_jaccard"] <= bench.MAX_MEDIAN_JACCARD


def test_few_questions_after_a_description(outcomes):
    figures = bench.summary(outcomes)
    assert figures["mean_questions"] <= bench.MAX_MEAN_QUESTIONS
    assert figures["max_questions"] <= bench.MAX_QUESTIONS


def test_every_why_line_names_the_business_or_the_harm_in_plain_words(outcomes):
    assert [w for o in outcomes for w in o.unexplained] == []
    assert [w for o in outcomes for w in o.hard] == []


def test_must_topics_hold_at_least_where_they_did(outcomes):
    missing = {o.id: o.missing for o in outcomes if o.missing}
    assert len(outcomes) - len(missing) >= MIN_FITTING, missing
