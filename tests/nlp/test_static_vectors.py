"""Word-piece vectors distilled from the encoder, and sentence vectors made from them."""

from __future__ import annotations

import numpy as np
import pytest

from bot.nlp.encoder_assets import DEFAULT_OUTPUT, TABLE_FILE
from bot.nlp.sentence_encoder import SentenceEncoder
from bot.nlp.static_vectors import StaticSentenceEncoder
from tests.nlp.paraphrases import PARAPHRASE_TRIPLES


@pytest.fixture(scope="module")
def table() -> np.ndarray:
    assert (DEFAULT_OUTPUT / TABLE_FILE).is_file(), "run `make encoder` first"
    return np.load(DEFAULT_OUTPUT / TABLE_FILE)


@pytest.fixture(scope="module")
def static() -> StaticSentenceEncoder:
    return StaticSentenceEncoder(DEFAULT_OUTPUT)


def test_each_word_piece_has_the_encoders_vector_for_it_alone_weighted_by_rank(table):
    encoder = SentenceEncoder(DEFAULT_OUTPUT)
    assert table.shape == (encoder.vocabulary_size, encoder.dimension)
    weights = np.log1p(np.arange(encoder.vocabulary_size))[:, None]
    centred = table / np.where(weights == 0, 1, weights)
    assert not table[0].any()  # [PAD], id 0, has weight log(1) = 0
    cls, sep = encoder.token_id("[CLS]"), encoder.token_id("[SEP]")
    pieces = [encoder.token_id(p) for p in ("bank", "password", "email", "computer", "##ed")]
    alone = encoder.forward_ids([[cls, piece, sep] for piece in pieces])
    # Centring subtracts the same vector from every row, so differences are kept.
    assert np.allclose(centred[pieces[1:]] - centred[pieces[0]], alone[1:] - alone[0],
                       atol=1e-5)


def test_sentence_vectors_have_unit_length(static):
    vectors = static.encode(["how do I back up my files?", "", "🔒", "backups " * 2000])
    assert vectors.shape == (4, 768)  # mean and maximum, 384 each
    assert np.isfinite(vectors).all()
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_paraphrases_are_mostly_closer_than_another_topic(static):
    # The same triples the full encoder gets all right; the distilled vectors are weaker.
    closer = 0
    for question, paraphrase, unrelated in PARAPHRASE_TRIPLES:
        a, b, c = static.encode([question, paraphrase, unrelated])
        closer += float(a @ b) > float(a @ c)
    assert closer >= 2


def test_the_vector_is_the_mean_and_the_maximum_of_the_pieces(static, table):
    vector = static.encode(["ransom invoice"])[0]
    pieces = static._tokenizer.encode("ransom invoice", add_special_tokens=False).ids
    mean, largest = table[pieces].mean(axis=0), table[pieces].max(axis=0)
    expected = np.concatenate([mean / np.linalg.norm(mean), largest / np.linalg.norm(largest)])
    assert np.allclose(vector, expected / np.sqrt(2), atol=1e-6)


def test_asking_again_for_the_last_text_gives_the_same_vector_and_a_fresh_copy(static):
    """The featurizer and the answer selector encode the same message in turn."""
    text, other = "someone got into our shop email", "how often should we back up"
    first = static.encode([text])
    first[0, :] = 0.0  # a caller writing into its result must not change the next one
    again = static.encode([text])
    assert np.allclose(again, static.encode([text, other])[:1], atol=1e-6)
    assert np.allclose(static.encode([other]), static.encode([text, other])[1:], atol=1e-6)
    assert not np.allclose(static.encode([text]), static.encode([other]))
