"""The question sets the answer benchmark scores are well formed, and it knows every training text."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bench.answers import SCOPE_HELDOUT, perturb, training_examples
from bot.guidance.knowledge.answers import default_answers, normalise_question
from bot.paths import PROJECT_ROOT

SCOPE_SETS = [PROJECT_ROOT / "tests" / "data" / name for name in ("scope_dev.yml", "scope_dev2.yml")
              ] + [SCOPE_HELDOUT]


@pytest.fixture(scope="module")
def training_texts() -> set[str]:
    return training_examples(default_answers())


@pytest.mark.parametrize("path", SCOPE_SETS, ids=lambda p: Path(p).name)
def test_scope_sets_label_every_message_in_or_out_of_scope(path):
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    items = raw["questions"] + raw["long"]
    assert {item["answer"] for item in items} == {"out_of_scope", "in_scope"}
    assert all(isinstance(item["text"], str) and item["text"].strip() for item in items)
    texts = [normalise_question(item["text"]) for item in items]
    assert len(texts) == len(set(texts)), "a message appears twice"


def test_training_examples_hold_both_kinds_of_example(training_texts):
    """The benchmark leaves out held-out items the model was trained on, of either kind."""
    answer = next(iter(default_answers().values()))
    assert normalise_question(answer.questions[0]) in training_texts
    assert normalise_question("how do i do a pivot table in excel") in training_texts  # data/nlu
    assert normalise_question("a question nobody has written down yet") not in training_texts


def test_the_typo_copy_is_the_same_on_every_run():
    import random

    text = "Should our organisation require people to change passwords because of the audit?"
    first, second = perturb(text, random.Random(2026)), perturb(text, random.Random(2026))
    assert first == second != text
