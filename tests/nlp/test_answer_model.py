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


@pytest.fixture(scope="module")
def scoped(encoder) -> AnswerModel:
    """A model trained with in-scope examples beside the answers', so it has a scope score."""
    answers = [a for a in default_answers().values() if a.topic in TOPICS]
    texts, labels = training_examples(answers)
    refused = out_of_scope_examples()
    in_scope = ["we're a florist with 4 staff", "what should we do first", "hello", "thanks",
                "someone got into our shop email", "is our card machine safe"]
    return AnswerModel.fit(texts + refused, labels + [OUT_OF_SCOPE] * len(refused), encoder.encode,
                           in_scope=in_scope)


def test_the_scope_score_tells_business_questions_from_security_ones(scoped):
    """Positive log-odds for questions the assistant refuses, negative for its own."""
    for text in ("how do i work out holiday pay for part timers", "whats the vat threshold now"):
        assert scoped.assess(text)[1] > 0, text
    for text in ("how often should we back up the tills", "we paid a fake invoice what now"):
        assert scoped.assess(text)[1] < 0, text


def test_the_scope_score_survives_saving_and_matches_the_batch_path(scoped, model, encoder,
                                                                    tmp_path: Path):
    import numpy as np

    scoped.save(tmp_path)
    loaded = AnswerModel.load(tmp_path, encoder.encode)
    text = "do i need to pay corporation tax as a sole trader"
    ranked, scope = scoped.assess(text, top=len(scoped.labels))
    assert loaded.assess(text)[1] == pytest.approx(scope, abs=1e-4)
    assert scope == pytest.approx(float(scoped.scores([text])[0][-1]), abs=1e-4)
    assert sorted(r.label for r in ranked) == sorted(scoped.labels)  # the scope row is no label
    assert np.allclose(scoped.score_one(text), scoped.scores([text])[0], atol=1e-4)
    assert model.assess(text)[1] is None  # trained without in-scope examples: no score
