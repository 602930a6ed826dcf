"""The sentence-only count featurizer gives Rasa's sentence counts and no per-token rows."""

from __future__ import annotations

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlp.count_vectors import SentenceCountVectorsFeaturizer

TRAINING = ["how do I back up my files", "is this email a scam", "set up two-step verification",
            "our till has a virus", "backup the laptops every night"]
UNSEEN = ["can i back up the till", "a scam email about my files", "ZZZ nothing known"]


@pytest.mark.parametrize("settings", [{}, {"analyzer": "char_wb", "min_ngram": 2, "max_ngram": 5},
                                      {"ngram_range": [1, 2]}, {"use_shared_vocab": False,
                                                                "analyzer": "char", "max_ngram": 3}])
def test_sentence_counts_match_rasas_and_no_token_rows_are_made(tmp_path, settings):
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), "test")
    tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    made = []
    for name, cls in (("ours", SentenceCountVectorsFeaturizer), ("rasas", CountVectorsFeaturizer)):
        config = {**cls.get_default_config(), **settings}
        featurizer = cls.create(config, storage, Resource(name), context)
        data = TrainingData([Message.build(text=text, intent="any") for text in TRAINING])
        tokenizer.process_training_data(data)
        featurizer.train(data)
        made.append(featurizer)
    ours, rasas = made
    for text in UNSEEN:
        mine, theirs = Message.build(text=text), Message.build(text=text)
        tokenizer.process([mine, theirs])
        ours.process([mine])
        rasas.process([theirs])
        my_sequence, my_sentence = mine.get_sparse_features("text")
        their_sentence = theirs.get_sparse_features("text")[1]
        assert my_sequence is None
        assert np.array_equal(my_sentence.features.toarray(), their_sentence.features.toarray())
        assert my_sentence.features.dtype == their_sentence.features.dtype
        assert my_sentence.features.shape == their_sentence.features.shape
