"""The shared-doc spaCy extractor finds exactly the entities Rasa's own extractor finds."""

from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.extractors.spacy_entity_extractor import SpacyEntityExtractor
from rasa.nlu.utils.spacy_utils import SpacyNLP
from rasa.shared.nlu.constants import ENTITIES
from rasa.shared.nlu.training_data.message import Message

from bot.nlp.pipeline import DEFAULT_OUTPUT, build_pipeline
from bot.nlp.spacy_entities import SharedDocSpacyEntityExtractor

MESSAGES = [
    "We're a 12-person accountancy in Belfast on Microsoft 365",
    "SOLE TRADER plumber in CARDIFF, we take card payments",
    "we are 4 people, a Garage in Derry~Londonderry, staff WORK FROM HOME",
    "Our Florist has about Forty Staff and a website with an online shop",
    "İstanbul supplier, 30 staff in Aberdeen",  # lower-casing "İ" adds a letter
    "how do i stop ppl gettin into my emial",
    "",
]
DIMENSIONS = ["headcount", "sector", "card_payments", "personal_data", "cloud", "remote_working",
              "it_support", "website", "byod", "nation"]


@pytest.fixture(scope="module")
def spacy_nlp(tmp_path_factory):
    build_pipeline()
    storage = LocalModelStorage(tmp_path_factory.mktemp("spacy"))
    context = ExecutionContext(GraphSchema({}), "test")
    config = {**SpacyNLP.get_default_config(), "model": str(DEFAULT_OUTPUT)}
    return SpacyNLP.create(config, storage, Resource("spacy"), context)


def _entities(extractor, spacy_nlp, text, with_doc):
    message = Message.build(text=text)
    if with_doc:
        spacy_nlp.process([message], spacy_nlp.provide())
    extractor.process([message], spacy_nlp.provide())
    return [{k: v for k, v in e.items() if k != "extractor"} for e in message.get(ENTITIES, [])]


@pytest.mark.parametrize("text", MESSAGES)
def test_entities_match_rasas_extractor(spacy_nlp, text):
    config = {"dimensions": DIMENSIONS}
    ours = _entities(SharedDocSpacyEntityExtractor(config), spacy_nlp, text, with_doc=True)
    rasas = _entities(SpacyEntityExtractor(config), spacy_nlp, text, with_doc=True)
    assert ours == rasas


def test_values_keep_the_case_the_owner_typed(spacy_nlp):
    found = _entities(SharedDocSpacyEntityExtractor({"dimensions": DIMENSIONS}), spacy_nlp,
                      "SOLE TRADER plumber in CARDIFF", with_doc=True)
    assert [(e["entity"], e["value"]) for e in found] == [
        ("headcount", "SOLE TRADER"), ("sector", "plumber"), ("nation", "CARDIFF")]


def test_without_a_doc_it_runs_spacy_itself(spacy_nlp):
    text = "We're a 12-person accountancy in Belfast"
    config = {"dimensions": DIMENSIONS}
    assert (_entities(SharedDocSpacyEntityExtractor(config), spacy_nlp, text, with_doc=False)
            == _entities(SpacyEntityExtractor(config), spacy_nlp, text, with_doc=False)
            != [])
