"""Rasa's CRFEntityExtractor with the same predictions in about half the time.

The CRF finds the entities the EntityRuler cannot (web addresses, for example), but it was
the largest single cost of a parse (about a quarter, in-process profile of
``bench.parse_time``). Most of that was bookkeeping, not the CRF itself: every feature name
was formatted again for every token (an enum formatted per call), and every token's
confidence stripped the BILOU prefix from every label twice. This subclass builds the
feature names once per configuration and strips each label once. It builds the same
features in the same order and sums the same confidences in the same order, so every
entity and confidence is Rasa's (``tests/nlp/test_crf_extractor.py`` compares them).

The marginals are read into one list per token rather than a dictionary of the labels
(sklearn-crfsuite's ``predict_marginals_single``, which also looks the tagger up through
a property for each of the 37 labels of every token): the same numbers, picked and summed
in the same order. And a token whose "O" (no entity) marginal is above a half needs no
other label read, since the others share the rest: most tokens are such, so the extractor
reads about one marginal per token instead of 37.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.extractors.crf_entity_extractor import (
    CONFIG_FEATURES,
    CRFEntityExtractor,
    CRFEntityExtractorOptions,
    CRFToken,
)
from rasa.nlu.utils.bilou_utils import ensure_consistent_bilou_tagging, tag_without_prefix
from rasa.shared.nlu.constants import ENTITY_ATTRIBUTE_TYPE, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.utils.tensorflow.constants import BILOU_FLAG, FEATURIZERS

#: The label of a token outside every entity; most tokens are.
OUTSIDE = "O"
#: A token's marginals sum to one, so a label above a half (with room for rounding) is the
#: most likely, and for "O", alone in its entity, its own marginal is the confidence.
_SURE = 0.5 + 1e-6

#: One window position's features: (name, how to read it from a token, a pattern group?).
Plan = tuple[tuple[str, Callable[[CRFToken], Any], bool], ...]


def _as_key(features: Sequence[Sequence[Any]]) -> tuple[tuple[Any, ...], ...]:
    return tuple(tuple(position) for position in features)


@lru_cache(maxsize=8)
def _plan(features: tuple[tuple[Any, ...], ...], include_tag_features: bool) -> tuple[Plan, ...]:
    """The feature names and readers for each window position, in Rasa's order."""
    half = len(features) // 2
    plans = []
    for index, offset in enumerate(range(-half, half + 1)):
        prefix = str(offset)
        wanted = list(features[index]) + ([CRFEntityExtractorOptions.ENTITY] if include_tag_features else [])
        plans.append(tuple(
            (f"{prefix}:{feature}", CRFEntityExtractor.function_dict[feature],
             feature == CRFEntityExtractorOptions.PATTERN)
            for feature in wanted))
    return tuple(plans)


@lru_cache(maxsize=256)
def _entity_of(tag: str) -> str:
    return str(tag_without_prefix(tag))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class FastCRFEntityExtractor(CRFEntityExtractor):  # type: ignore[misc]  # untyped in Rasa
    """``CRFEntityExtractor`` whose per-message bookkeeping is done once, not per token."""

    @classmethod
    def _crf_tokens_to_features(cls, crf_tokens: list[CRFToken], config: dict[str, Any],
                                include_tag_features: bool = False) -> list[dict[str, Any]]:
        plans = _plan(_as_key(config[CONFIG_FEATURES]), include_tag_features)
        half = len(plans) // 2
        count = len(crf_tokens)
        sentence = []
        for token_index in range(count):
            features: dict[str, Any] = {}
            for offset, plan in zip(range(-half, half + 1), plans, strict=True):
                position = token_index + offset
                if position >= count:
                    features["EOS"] = True
                elif position < 0:
                    features["BOS"] = True
                else:
                    token = crf_tokens[position]
                    for name, read, is_pattern in plan:
                        if is_pattern:
                            for pattern_name, matched in read(token).items():
                                features[f"{name}:{pattern_name}"] = matched
                        else:
                            features[name] = read(token)
            sentence.append(features)
        return sentence

    def extract_entities(self, message: Message) -> list[dict[str, Any]]:
        """Rasa's ``extract_entities`` for the usual model with entity types only."""
        if (self.entity_taggers is None or list(self.entity_taggers) != [ENTITY_ATTRIBUTE_TYPE]
                or not message.features_present(
                    attribute=TEXT, featurizers=self.component_config.get(FEATURIZERS))):
            entities: list[dict[str, Any]] = super().extract_entities(message)
            return entities
        tokens = message.get(TOKENS_NAMES[TEXT])
        features = self._crf_tokens_to_features(self._convert_to_crf_tokens(message),
                                                self.component_config, False)
        if len(tokens) != len(features):
            raise Exception("Inconsistency in amount of tokens between crfsuite and message")
        tagger = self.entity_taggers[ENTITY_ATTRIBUTE_TYPE].tagger_
        labels = tuple(tagger.labels())
        same_entity = _same_entity(labels)
        bilou = self.component_config[BILOU_FLAG]
        tagger.set(features)
        marginal = tagger.marginal
        outside = labels.index(OUTSIDE) if OUTSIDE in labels else None
        tags, confidences = [], []
        for position in range(len(features)):
            if outside is not None:
                chance = marginal(OUTSIDE, position)
                if chance > _SURE:  # the rest share less than this: no other label can win
                    tags.append(OUTSIDE)
                    confidences.append(chance)
                    continue
            row = [marginal(label, position) for label in labels]
            best = row.index(max(row))  # the first of equals, as max() over Rasa's dict
            tags.append(labels[best])
            confidences.append(sum(row[i] for i in same_entity[best]) if bilou else row[best])
        if bilou:
            tags, confidences = ensure_consistent_bilou_tagging(tags, confidences)
        found: list[dict[str, Any]] = self.convert_predictions_into_entities(
            message.get(TEXT), tokens, {ENTITY_ATTRIBUTE_TYPE: tags}, self.split_entities_config,
            {ENTITY_ATTRIBUTE_TYPE: confidences})
        return found

    def _most_likely_tag(self, predictions: list[dict[str, float]]) -> tuple[list[str], list[float]]:
        bilou = self.component_config[BILOU_FLAG]
        tags, confidences = [], []
        for token_predictions in predictions:
            tag = max(token_predictions, key=token_predictions.__getitem__)
            tags.append(tag)
            if bilou:
                entity = _entity_of(tag)
                confidences.append(sum(confidence for label, confidence in token_predictions.items()
                                       if _entity_of(label) == entity))
            else:
                confidences.append(token_predictions[tag])
        return tags, confidences


@lru_cache(maxsize=8)
def _same_entity(labels: tuple[str, ...]) -> tuple[tuple[int, ...], ...]:
    """For each label, the positions of the labels of the same entity (BILOU prefix aside)."""
    entities = [_entity_of(label) for label in labels]
    return tuple(tuple(i for i, other in enumerate(entities) if other == entity)
                 for entity in entities)
