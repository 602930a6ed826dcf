"""The project's intent classifier predicts exactly what Rasa's own does, without the copy."""

from __future__ import annotations

import copy

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlp.classifier import FastLogisticRegressionClassifier

EXAMPLES = {
    "ask_backups": ["how do I back up my files", "backup our laptops", "copy of our data offsite"],
    "ask_phishing": ["is this email a scam", "spot a phishing email", "dodgy link in an email"],
    "ask_passwords": ["set up two-step verification", "good passwords for staff", "password manager"],
}
UNSEEN = ["should we back up the till data", "an email asking me to click a link", "what is 2sv"]


@pytest.fixture
def trained(tmp_path):
    """A tokenizer, a featurizer and a classifier trained on a few examples, as Rasa trains them."""
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), "test")
    tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    featurizer = CountVectorsFeaturizer.create(
        CountVectorsFeaturizer.get_default_config(), storage, Resource("features"), context
    )
    data = TrainingData([Message.build(text=text, intent=intent)
                         for intent, texts in EXAMPLES.items() for text in texts])
    tokenizer.process_training_data(data)
    featurizer.train(data)
    featurizer.process_training_data(data)
    config = FastLogisticRegressionClassifier.get_default_config()
    resource = Resource("intents")
    FastLogisticRegressionClassifier.create(config, storage, resource, context).train(data)

    def featurized(text: str) -> Message:
        message = Message.build(text=text)
        tokenizer.process([message])
        featurizer.process([message])
        return message

    return storage, resource, context, config, featurized


def test_loaded_weights_need_no_copy_to_predict(trained):
    storage, resource, context, config, _ = trained
    ours = FastLogisticRegressionClassifier.load(config, storage, resource, context)
    # X @ coef_.T takes the dense side as is only when coef_.T is C-ordered.
    assert ours.clf.coef_.T.flags["C_CONTIGUOUS"]
    rasas = LogisticRegressionClassifier.load(config, storage, resource, context)
    assert not rasas.clf.coef_.T.flags["C_CONTIGUOUS"]


def test_predictions_match_rasas_classifier(trained):
    storage, resource, context, config, featurized = trained
    ours = FastLogisticRegressionClassifier.load(config, storage, resource, context)
    rasas = LogisticRegressionClassifier.load(config, storage, resource, context)
    for text in UNSEEN:
        message = featurized(text)
        mine, theirs = ours.process([copy.deepcopy(message)])[0], rasas.process([message])[0]
        assert mine.get("intent")["name"] == theirs.get("intent")["name"]
        for got, expected in zip(mine.get("intent_ranking"), theirs.get("intent_ranking"),
                                 strict=True):
            assert got["name"] == expected["name"]
            assert got["confidence"] == pytest.approx(expected["confidence"], abs=1e-12)


def test_one_message_skips_scikit_learns_predict(trained, monkeypatch):
    """The usual one-message parse works its probabilities out itself."""
    storage, resource, context, config, featurized = trained
    ours = FastLogisticRegressionClassifier.load(config, storage, resource, context)
    monkeypatch.setattr(type(ours.clf), "predict_proba",
                        lambda *_: pytest.fail("went through predict_proba"))
    ranking = ours.process([featurized(UNSEEN[0])])[0].get("intent_ranking")
    assert sum(entry["confidence"] for entry in ranking) == pytest.approx(1.0)


def test_probabilities_match_rasas_with_counts_and_a_vector():
    """A multinomial model over a count block and a dense vector: Rasa's probabilities."""
    import numpy as np
    from rasa.shared.nlu.training_data.features import Features
    from scipy.sparse import coo_matrix
    from sklearn.linear_model import LogisticRegression

    rows = np.random.default_rng(0).normal(size=(60, 7))
    clf = LogisticRegression(max_iter=1000).fit(rows, ["a", "b", "c"] * 20)
    config = FastLogisticRegressionClassifier.get_default_config()
    ours = FastLogisticRegressionClassifier.__new__(FastLogisticRegressionClassifier)
    theirs = LogisticRegressionClassifier.__new__(LogisticRegressionClassifier)
    for component in (ours, theirs):
        component.clf, component.config = copy.deepcopy(clf), config
    ours.clf.coef_ = np.asfortranarray(ours.clf.coef_)

    def message() -> Message:
        built = Message.build(text="backups")
        built.add_features(Features(coo_matrix(np.array([[0.0, 2.0, 0.0, 1.0]])), "sentence",
                                    "text", "counts"))
        built.add_features(Features(np.array([[0.5, 0.0, -1.5]], dtype=np.float32), "sentence",
                                    "text", "vector"))
        return built

    mine, rasas = ours.process([message()])[0], theirs.process([message()])[0]
    assert [e["name"] for e in mine.get("intent_ranking")] == [
        e["name"] for e in rasas.get("intent_ranking")]
    for got, expected in zip(mine.get("intent_ranking"), rasas.get("intent_ranking"), strict=True):
        assert got["confidence"] == pytest.approx(expected["confidence"], abs=1e-12)


def test_several_messages_take_rasas_path(trained):
    storage, resource, context, config, featurized = trained
    ours = FastLogisticRegressionClassifier.load(config, storage, resource, context)
    rasas = LogisticRegressionClassifier.load(config, storage, resource, context)
    together = ours.process([featurized(text) for text in UNSEEN])
    for text, mine in zip(UNSEEN, together, strict=True):
        theirs = rasas.process([featurized(text)])[0]
        assert mine.get("intent")["name"] == theirs.get("intent")["name"]


def test_intents_learnt_from_examples(trained):
    storage, resource, context, config, featurized = trained
    ours = FastLogisticRegressionClassifier.load(config, storage, resource, context)
    predicted = [ours.process([featurized(text)])[0].get("intent")["name"] for text in UNSEEN]
    assert predicted == ["ask_backups", "ask_phishing", "ask_passwords"]


def test_untrained_resource_loads_without_weights(tmp_path):
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), "test")
    config = FastLogisticRegressionClassifier.get_default_config()
    loaded = FastLogisticRegressionClassifier.load(config, storage, Resource("missing"), context)
    assert not hasattr(loaded.clf, "coef_")


def test_one_message_row_matches_rasas_with_a_dense_vector():
    import numpy as np
    from rasa.shared.nlu.training_data.features import Features
    from scipy.sparse import coo_matrix

    message = Message.build(text="backups")
    message.add_features(Features(coo_matrix(np.array([[0.0, 2.0, 0.0, 1.0]])), "sentence",
                                  "text", "counts"))
    message.add_features(Features(np.array([[0.5, 0.0, -1.5]], dtype=np.float32), "sentence",
                                  "text", "vector"))
    ours = FastLogisticRegressionClassifier.__new__(FastLogisticRegressionClassifier)
    theirs = LogisticRegressionClassifier.__new__(LogisticRegressionClassifier)
    mine, rasas = ours._create_X([message]), theirs._create_X([message])
    assert mine.shape == rasas.shape == (1, 7)
    assert np.array_equal(mine.toarray(), rasas.toarray())


def test_one_message_row_matches_rasas_with_several_featurizers_and_token_rows():
    """Two count featurizers, two vectors and token-level rows: the same row as Rasa's."""
    import numpy as np
    from rasa.shared.nlu.training_data.features import Features
    from scipy.sparse import coo_matrix

    message = Message.build(text="back up the till")
    message.add_features(Features(coo_matrix(np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])), "sequence",
                                  "text", "words"))
    message.add_features(Features(coo_matrix(np.array([[1.0, 1.0, 1.0]])), "sentence", "text", "words"))
    message.add_features(Features(coo_matrix(np.array([[0.0, 3.0, 0.0, 0.0, 2.0]])), "sentence",
                                  "text", "chars"))
    message.add_features(Features(np.array([[0.25, -0.5]], dtype=np.float32), "sentence", "text", "v1"))
    message.add_features(Features(np.array([[1.5]], dtype=np.float32), "sentence", "text", "v2"))
    ours = FastLogisticRegressionClassifier.__new__(FastLogisticRegressionClassifier)
    theirs = LogisticRegressionClassifier.__new__(LogisticRegressionClassifier)
    mine, rasas = ours._create_X([message]), theirs._create_X([message])
    assert mine.shape == rasas.shape == (1, 11)
    assert np.array_equal(mine.toarray(), rasas.toarray())
