"""The answer model (bot/nlp/answer_model.py) with the real distilled encoder."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.guidance.knowledge.answers import default_answers
from bot.nlp.answer_model import OUT_OF_SCOPE, AnswerModel
from bot.nlp.answer_selector import out_of_scope_examples, training_examples
from bot.nlp.static_vectors import StaticSentenceEncoder
from bot.paths import BUILD_DIR

TOPICS = ("backups", "phishing", "payment_fraud")


@pytest.fixture(scope="module")
def encoder() -> StaticSentenceEncoder:
    return StaticSentenceEncoder(BUILD_DIR / "sentence_encoder")


@pytest.fixture(scope="module")
def model(encoder) -> AnswerModel:
    answers = [a for a in default_answers().values() if a.topic in TOPICS]
    texts, labels = training_examples(answers)
    refused = out_of_scope_examples()[:200]
    return AnswerModel.fit(texts + refused, labels + [OUT_OF_SCOPE] * len(refused), encoder.encode)


def test_it_ranks_the_answer_asked_for_first(model):
    assert model.rank("how often should i back up the shop computer")[0].label == "backups_how_often"
    assert model.rank("how do i register for VAT")[0].label == OUT_OF_SCOPE


def test_it_survives_typos(model):
    assert model.rank("how offen shuld we bakup")[0].label == "backups_how_often"


def test_a_saved_model_loads_with_the_same_scores(model, encoder, tmp_path: Path):
    model.save(tmp_path)
    loaded = AnswerModel.load(tmp_path, encoder.encode)
    for text in ("is a usb stick enough", "we paid a fake invoice", "what is phishing"):
        assert [r.label for r in loaded.rank(text)] == [r.label for r in model.rank(text)]
        assert loaded.rank(text)[0].score == pytest.approx(model.rank(text)[0].score, abs=1e-4)


def test_the_model_file_holds_no_pickle(model, tmp_path: Path):
    model.save(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["answer_model.json", "answer_model.npz"]
    import numpy as np

    with np.load(tmp_path / "answer_model.npz", allow_pickle=False) as arrays:
        assert all(arrays[name].dtype != object for name in arrays.files)


def test_the_one_message_path_scores_as_the_batch_path_does(model):
    """``rank`` uses ``score_one``; it must agree with the sparse-matrix ``scores``."""
    import numpy as np

    texts = ["how offen shuld we bakup", "WE PAID A FAKE INVOICE!!", "café wifi safe?", "zzz", "",
             "our accountant's email got hacked and clients received invoices with new bank details"]
    for text in texts:
        assert np.allclose(model.score_one(text), model.scores([text])[0], atol=1e-4)
