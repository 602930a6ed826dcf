"""The sentence-embedding featurizer inside a Rasa NLU pipeline, trained as Rasa trains it."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlp import sentence_encoder, static_vectors
from bot.nlp.classifier import FastLogisticRegressionClassifier
from bot.nlp.encoder_assets import DEFAULT_OUTPUT
from bot.nlp.featurizer import SentenceEmbeddingFeaturizer
from bot.paths import PROJECT_ROOT

EXAMPLES = {
    "ask_backups": ["how do I back up my files", "backup our laptops", "copy of our data offsite"],
    "ask_payment_fraud": ["supplier changed their bank details", "invoice with a new account number",
                          "should I pay this invoice"],
    "ask_access_control": ["remove access for leavers", "admin rights for staff",
                           "who should have admin accounts"],
}
#: No word in common with the examples of their intent: only meaning links them.
PARAPHRASES = {
    "someone who quit still logs in to our systems": "ask_access_control",
    "keep a spare copy in case the laptop dies": "ask_backups",
}


def featurizer(**config: object) -> SentenceEmbeddingFeaturizer:
    context = ExecutionContext(GraphSchema({}), "test")
    return SentenceEmbeddingFeaturizer.create(
        {**SentenceEmbeddingFeaturizer.get_default_config(), **config},
        LocalModelStorage.__new__(LocalModelStorage), Resource("embeddings"), context)


@pytest.mark.parametrize("encoder", ["distilled", "full"])
def test_each_message_gets_one_scaled_sentence_vector(encoder):
    messages = [Message.build(text="how do I back up my files?"), Message.build(text="")]
    featurizer(model=str(DEFAULT_OUTPUT), encoder=encoder, scale=5.0).process(messages)
    for message in messages:
        sequence, sentence = message.get_dense_features(TEXT)
        assert sequence is None
        assert sentence.features.shape == (1, {"distilled": 768, "full": 384}[encoder])
        assert np.linalg.norm(sentence.features) == pytest.approx(5.0, abs=1e-4)


def test_a_button_payload_gets_zeros_without_running_the_encoder():
    payload = Message.build(text='/give_size{"size": "micro"}')
    featurizer(model=str(DEFAULT_OUTPUT)).process([payload])
    _, sentence = payload.get_dense_features(TEXT)
    assert sentence.features.shape == (1, 768)
    assert not sentence.features.any()


def test_messages_without_text_are_left_alone():
    message = Message(data={"intent": "greet"})
    featurizer(model=str(DEFAULT_OUTPUT)).process([message])
    assert message.features == []


def test_a_missing_encoder_is_a_clear_config_error(tmp_path):
    with pytest.raises(InvalidConfigException, match="make encoder"):
        featurizer(model=str(tmp_path / "nowhere"))
    with pytest.raises(InvalidConfigException, match="scale"):
        featurizer(model=str(DEFAULT_OUTPUT), scale=0)
    with pytest.raises(InvalidConfigException, match="encoder must be one of"):
        featurizer(model=str(DEFAULT_OUTPUT), encoder="large")


def _train_and_predict(tmp_path, with_embeddings: bool, encoder: str = "distilled"
                       ) -> dict[str, tuple[str, float]]:
    """Each paraphrase's predicted intent, and the confidence given to its true intent."""
    tmp_path.mkdir()
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), "test")
    tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    counts = CountVectorsFeaturizer.create(
        CountVectorsFeaturizer.get_default_config(), storage, Resource("counts"), context)
    steps = [counts] + ([featurizer(model=str(DEFAULT_OUTPUT), encoder=encoder, scale=12.0)]
                        if with_embeddings else [])
    data = TrainingData([Message.build(text=text, intent=intent)
                         for intent, texts in EXAMPLES.items() for text in texts])
    tokenizer.process_training_data(data)
    counts.train(data)
    for step in steps:
        step.process_training_data(data)
    config = FastLogisticRegressionClassifier.get_default_config()
    classifier = FastLogisticRegressionClassifier.create(config, storage, Resource("intents"),
                                                         context)
    classifier.train(data)
    predicted = {}
    for text, intent in PARAPHRASES.items():
        message = Message.build(text=text)
        tokenizer.process([message])
        for step in steps:
            step.process([message])
        parsed = classifier.process([message])[0]
        confidence = next(entry["confidence"] for entry in parsed.get("intent_ranking")
                          if entry["name"] == intent)
        predicted[text] = (parsed.get("intent")["name"], confidence)
    return predicted


def test_the_full_encoder_understands_paraphrases_by_meaning(tmp_path):
    with_vectors = _train_and_predict(tmp_path / "with", True, "full")
    assert {text: intent for text, (intent, _) in with_vectors.items()} == PARAPHRASES
    # Word counts alone cannot link them, which is why the vector is there.
    without = _train_and_predict(tmp_path / "without", False)
    assert {text: intent for text, (intent, _) in without.items()} != PARAPHRASES


def test_rasas_training_cache_is_tied_to_the_encoder_code():
    # Rasa keys its cache on config and inputs; the add-on brings in the code making vectors.
    addon = SentenceEmbeddingFeaturizer.fingerprint_addon({})
    digest = hashlib.sha256()
    for path in (sentence_encoder.__file__, static_vectors.__file__,
                 PROJECT_ROOT / "bot" / "nlp" / "featurizer.py"):
        digest.update(Path(str(path)).read_bytes())
    assert addon == digest.hexdigest()
