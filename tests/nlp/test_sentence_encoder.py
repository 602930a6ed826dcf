"""The NumPy sentence encoder: unit vectors where similar meanings sit close together."""

from __future__ import annotations

import numpy as np
import pytest

from bot.nlp.encoder_assets import DEFAULT_OUTPUT, is_complete
from bot.nlp.sentence_encoder import SentenceEncoder
from tests.nlp.paraphrases import PARAPHRASE_TRIPLES


@pytest.fixture(scope="module")
def encoder() -> SentenceEncoder:
    assert is_complete(DEFAULT_OUTPUT), "run `make encoder` first"
    return SentenceEncoder(DEFAULT_OUTPUT)


def cosine(encoder: SentenceEncoder, first: str, second: str) -> float:
    a, b = encoder.encode([first, second])
    return float(a @ b)


def test_vectors_have_unit_length_and_are_repeatable(encoder):
    texts = ["how do I back up my files?", "hi", "we've been hacked"]
    first, again = encoder.encode(texts), encoder.encode(texts)
    assert first.shape == (3, encoder.dimension) == (3, 384)
    assert np.allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(first, again)


@pytest.mark.parametrize(("question", "paraphrase", "unrelated"), PARAPHRASE_TRIPLES)
def test_a_paraphrase_is_closer_than_another_topic(encoder, question, paraphrase, unrelated):
    # The classifier's gain comes from this: the same meaning in other words scores high.
    assert cosine(encoder, question, paraphrase) > cosine(encoder, question, unrelated) + 0.15


def test_batching_and_padding_do_not_change_a_vector(encoder):
    texts = ["hi", "what should I do first about passwords for my twelve staff?", "", "ok thanks"]
    together = encoder.encode(texts, batch_size=4)
    alone = np.stack([encoder.encode([text])[0] for text in texts])
    assert np.allclose(together, alone, atol=1e-5)


@pytest.mark.parametrize("text", ["", "   ", "🔒🙂" * 50, "مرحبا، هل هذا البريد احتيال؟",
                                  "<script>alert(1)</script>", "'; DROP TABLE turns; --",
                                  "backups " * 2000])
def test_odd_and_very_long_input_still_gives_a_unit_vector(encoder, text):
    vector = encoder.encode([text])[0]
    assert np.isfinite(vector).all()
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-5)


def test_no_texts_gives_an_empty_matrix(encoder):
    assert encoder.encode([]).shape == (0, 384)
