"""Rasa's SpacyEntityExtractor reading the spaCy doc the pipeline already made.

Rasa's extractor runs the whole spaCy pipeline a second time on every message, because
``SpacyNLP`` lower-cases the text first and a trained spaCy NER model needs the case. This
project's spaCy pipeline has no trained NER: its entities come from an EntityRuler that
matches on lower-cased words (``phrase_matcher_attr: LOWER`` and ``LOWER`` token patterns,
``bot/nlp/pipeline.py``), so the lower-cased doc holds the same entities at the same
offsets. This subclass reads them from that doc, taking each value from the message as
written, and so skips the second spaCy run (about 5% of a parse). When lower-casing
changes the text's length (a few non-English letters do), offsets would not line up, so
it runs spaCy on the text as Rasa does.
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import SPACY_DOCS
from rasa.nlu.extractors.spacy_entity_extractor import SpacyEntityExtractor
from rasa.nlu.utils.spacy_utils import SpacyModel
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False,
                          model_from="SpacyNLP")
class SharedDocSpacyEntityExtractor(SpacyEntityExtractor):  # type: ignore[misc]  # untyped in Rasa
    """``SpacyEntityExtractor`` that reuses ``SpacyNLP``'s doc instead of parsing again."""

    def process(self, messages: list[Message], model: SpacyModel) -> list[Message]:
        for message in messages:
            text = str(message.get(TEXT) or "")
            doc = message.get(SPACY_DOCS[TEXT])
            if doc is not None and len(doc.text) == len(text):
                found = [{**entity, "value": text[entity["start"]:entity["end"]]}
                         for entity in self._extract_entities(doc)]
            else:
                found = self._extract_entities(model.model(text))
            kept = self.filter_irrelevant_entities(self.add_extractor_name(found), self._config["dimensions"])
            message.set(ENTITIES, message.get(ENTITIES, []) + kept, add_to_output=True)
        return messages

