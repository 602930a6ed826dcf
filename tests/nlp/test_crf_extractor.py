"""The project's CRF extractor builds Rasa's features and finds Rasa's entities, faster."""

from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.extractors.crf_entity_extractor import CRFEntityExtractor
from rasa.nlu.featurizers.sparse_featurizer.regex_featurizer import RegexFeaturizer
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import ENTITIES
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader
from rasa.shared.nlu.training_data.message import Message

from bot.nlp.crf_extractor import FastCRFEntityExtractor

TRAINING = """
version: "3.1"
nlu:
- intent: check_website
  examples: |
    - can you check [example.co.uk](web_address) please
    - is [shop.example.com](web_address) set up right
    - check our site [www.florist-leeds.co.uk](web_address)
    - look at [bakery.example.org](web_address) for me
    - we use [mail.example.net](web_address) for email, is it ok
    - run the checks on [plumbing-bristol.uk](web_address)
- intent: describe_business
  examples: |
    - we are a [bakery](sector) with [12 staff](headcount)
    - [sole trader](headcount) [plumber](sector) here
    - a [florist](sector) of [4 people](headcount)
    - [accountancy](sector) with [35 staff](headcount) in leeds
- regex: web_address
  examples: |
    - [a-z0-9-]+(\\.[a-z0-9-]+)+
"""
UNSEEN = ["check cafe-example.co.uk please", "we are a garage with 8 staff", "is www.test.org ok",
          "sole trader hairdresser, can you check salon.example.com", "hello there", "x",
          "hi we are a florist with 4 people, two of us work from home, can you look at "
          "www.florist-leeds.co.uk and mail.example.net for us please"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    storage = LocalModelStorage(tmp_path_factory.mktemp("crf"))
    context = ExecutionContext(GraphSchema({}), "test")
    data = RasaYAMLReader().reads(TRAINING)
    tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    regex = RegexFeaturizer.create(RegexFeaturizer.get_default_config(), storage, Resource("regex"),
                                   context)
    tokenizer.process_training_data(data)
    regex.train(data)
    regex.process_training_data(data)
    config = CRFEntityExtractor.get_default_config()
    resource = Resource("crf")
    CRFEntityExtractor.create(config, storage, resource, context).train(data)

    def prepared(text: str) -> Message:
        message = Message.build(text=text)
        tokenizer.process([message])
        regex.process([message])
        return message

    rasas = CRFEntityExtractor.load(config, storage, resource, context)
    ours = FastCRFEntityExtractor.load(config, storage, resource, context)
    return rasas, ours, prepared


@pytest.mark.parametrize("text", UNSEEN)
@pytest.mark.parametrize("with_tags", [False, True])
def test_features_are_rasas_in_rasas_order(trained, text, with_tags):
    rasas, ours, prepared = trained
    tokens = rasas._convert_to_crf_tokens(prepared(text))
    expected = CRFEntityExtractor._crf_tokens_to_features(tokens, rasas.component_config, with_tags)
    built = FastCRFEntityExtractor._crf_tokens_to_features(tokens, ours.component_config, with_tags)
    assert [list(f.items()) for f in built] == [list(f.items()) for f in expected]


@pytest.mark.parametrize("text", UNSEEN)
def test_entities_and_confidences_are_rasas(trained, text):
    rasas, ours, prepared = trained
    expected, found = prepared(text), prepared(text)
    rasas.process([expected])
    ours.process([found])
    strip = [{k: v for k, v in e.items() if k != "extractor"} for e in found.get(ENTITIES, [])]
    assert strip == [{k: v for k, v in e.items() if k != "extractor"} for e in expected.get(ENTITIES, [])]


def test_the_usual_model_takes_the_list_based_path(trained, monkeypatch):
    """Entity types only: the project's own loop reads the marginals, not Rasa's."""
    _, ours, prepared = trained
    monkeypatch.setattr(CRFEntityExtractor, "extract_entities",
                        lambda *_: pytest.fail("fell back to Rasa's extract_entities"))
    message = prepared("check www.test.org for a florist with 4 people")
    ours.process([message])
    assert message.get(ENTITIES)


def test_it_finds_a_web_address_it_was_not_shown(trained):
    _, ours, prepared = trained
    message = prepared("is www.test.org ok")
    ours.process([message])
    assert [e["value"] for e in message.get(ENTITIES, []) if e["entity"] == "web_address"] == ["www.test.org"]
