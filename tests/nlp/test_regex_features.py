"""The project's regex featurizer gives Rasa's rows and token flags, including where several
patterns share a name and where matches overlap tokens partly."""

from __future__ import annotations

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.featurizers.sparse_featurizer.regex_featurizer import RegexFeaturizer
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader
from rasa.shared.nlu.training_data.message import Message

from bot.nlp.regex_features import FastRegexFeaturizer

TRAINING = """
version: "3.1"
nlu:
- intent: describe_business
  examples: |
    - we are a bakery with 12 staff
    - sole trader here
    - just me and my wife
- regex: headcount
  examples: |
    - \\b\\d{1,4} (?:staff|people)\\b
    - \\bsole trader\\b
    - \\bjust me\\b
- regex: web_address
  examples: |
    - [a-z0-9-]+(\\.[a-z0-9-]+)+
- lookup: nation
  examples: |
    - wales
    - northern ireland
    - scotland
"""
TEXTS = ["we are a bakery with 12 staff in wales", "sole trader, just me, 3 people sometimes",
         "check shop.example.co.uk for us", "northern ireland based, 40 staff", "hello",
         "12 staff and a sole trader partner at bakery.example.org in scotland",
         "just meeting people", "x"]


@pytest.fixture(scope="module")
def featurizers(tmp_path_factory):
    storage = LocalModelStorage(tmp_path_factory.mktemp("regex"))
    context = ExecutionContext(GraphSchema({}), "test")
    data = RasaYAMLReader().reads(TRAINING)
    made = []
    for cls in (RegexFeaturizer, FastRegexFeaturizer):
        featurizer = cls.create(cls.get_default_config(), storage, Resource(cls.__name__), context)
        featurizer.train(data)
        made.append(featurizer)
    assert [p["name"] for p in made[0].known_patterns].count("headcount") == 3
    return made


def _featurized(featurizer, text: str) -> Message:
    message = Message.build(text=text)
    WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process([message])
    featurizer.process([message])
    return message


@pytest.mark.parametrize("text", TEXTS)
def test_rows_and_token_flags_are_rasas(featurizers, text):
    rasas, ours = featurizers
    expected, got = _featurized(rasas, text), _featurized(ours, text)
    for kind in ("sequence", "sentence"):
        theirs = [f.features for f in expected.features if f.type == kind]
        mine = [f.features for f in got.features if f.type == kind]
        assert len(mine) == len(theirs) == 1
        assert mine[0].dtype == theirs[0].dtype
        assert np.array_equal(mine[0].toarray(), theirs[0].toarray())
    assert [list(t.get("pattern").items()) for t in got.get(TOKENS_NAMES[TEXT])] == [
        list(t.get("pattern").items()) for t in expected.get(TOKENS_NAMES[TEXT])]


def test_a_name_shared_by_patterns_takes_the_last_patterns_verdict(featurizers):
    """"12 staff" matches the first headcount regex only: the token's flag is still False,
    as in Rasa, because the last headcount regex decides it; the rows keep each regex."""
    _, ours = featurizers
    message = _featurized(ours, "12 staff")
    assert [t.get("pattern")["headcount"] for t in message.get(TOKENS_NAMES[TEXT])] == [False, False]
    sentence = [f.features for f in message.features if f.type == "sentence"][0].toarray()
    assert sentence[0][0] == 1.0


def test_an_empty_text_has_no_rows(featurizers):
    _, ours = featurizers
    message = Message.build(text="")
    assert ours._features_for_patterns(message, TEXT) == (None, None)
