"""Rasa pipeline component: a sentence vector as a dense sentence feature.

The intent classifier joins these features to the word and character n-gram counts,
so it can tell topics apart by meaning as well as by wording. ``scale`` sets how much
the vector weighs against the counts: the vector has unit length, while a message has
dozens of non-zero counts, so unscaled it would barely register.

``encoder`` picks the vector: ``distilled`` (default; word-piece vectors distilled from
all-MiniLM-L6-v2, almost free per message) or ``full`` (the six-layer model itself,
6-12 ms of CPU per message).
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.constants import INTENT_MESSAGE_PREFIX
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlp import sentence_encoder, static_vectors
from bot.nlp.encoder_assets import TABLE_FILE
from bot.nlp.sentence_encoder import SentenceEncoder
from bot.nlp.static_vectors import StaticSentenceEncoder

Encoder = StaticSentenceEncoder | SentenceEncoder
ENCODERS: dict[str, Callable[[Path], Encoder]] = {"distilled": StaticSentenceEncoder,
                                                 "full": SentenceEncoder}

#: Loaded encoders by kind and directory: Rasa builds the component for training and for
#: serving, and a process should read the weights once.
_LOADED: dict[tuple[str, Path], Encoder] = {}


def loaded_encoder(kind: str, directory: Path) -> Encoder:
    key = (kind, directory.resolve())
    if key not in _LOADED:
        _LOADED[key] = ENCODERS[kind](key[1])
    return _LOADED[key]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceEmbeddingFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds a scaled all-MiniLM-L6-v2 sentence vector to every message's text."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**DenseFeaturizer.get_default_config(),
                "model": "build/sentence_encoder", "encoder": "distilled", "scale": 12.0}

    def __init__(self, config: dict[str, Any], name: str) -> None:
        super().__init__(name, config)
        self._scale = float(config["scale"])
        self._encoder = loaded_encoder(str(config["encoder"]), Path(config["model"]))

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> SentenceEmbeddingFeaturizer:
        return cls({**cls.get_default_config(), **config}, execution_context.node_name)

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """Tie Rasa's training cache to the code that makes the vectors.

        Rasa reuses a component's cached output while its config and inputs are unchanged,
        so without this a change to the encoder's code would train the classifier on
        vectors the new code no longer makes.
        """
        digest = hashlib.sha256()
        for module in (sentence_encoder, static_vectors, sys.modules[__name__]):
            digest.update(Path(str(module.__file__)).read_bytes())
        return digest.hexdigest()

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        model = Path(str(config.get("model", "")))
        if config.get("encoder") not in ENCODERS:
            raise InvalidConfigException(
                f"SentenceEmbeddingFeaturizer: encoder must be one of {sorted(ENCODERS)}.")
        if not (model / "model.safetensors").is_file() or not (model / TABLE_FILE).is_file():
            raise InvalidConfigException(
                f"SentenceEmbeddingFeaturizer: no encoder at '{model}'. "
                "Run `make encoder` (or `bot build-encoder`) first.")
        if float(config.get("scale", 0)) <= 0:
            raise InvalidConfigException("SentenceEmbeddingFeaturizer: scale must be above 0.")

    def process(self, messages: list[Message]) -> list[Message]:
        with_text = [message for message in messages if message.get(TEXT) is not None]
        typed = [message for message in with_text
                 if not str(message.get(TEXT)).startswith(INTENT_MESSAGE_PREFIX)]
        vectors = dict(zip(map(id, typed), self._encoder.encode([str(m.get(TEXT)) for m in typed]),
                           strict=True))
        for message in with_text:
            # A button's "/intent{...}" payload is resolved by Rasa's RegexMessageHandler
            # whatever the classifier says, so it gets zeros and skips the encoder.
            vector = vectors.get(id(message), np.zeros(self._encoder.dimension, np.float32))
            sentence = (vector * self._scale).astype(np.float32).reshape(1, -1)
            self.add_features_to_message(None, sentence, TEXT, message)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data
