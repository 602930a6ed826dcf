"""Rasa pipeline component: rank the specific answers in ``data/answers`` for a message.

It sits beside the intent classifier, which still names the topic or the kind of message
(a greeting, a plan request, an incident). This component adds ``answers`` to the parse
result: the likeliest answers for the whole message and, when the message asks two
questions, for each of them (``bot/nlp/segments.py``). The answer action decides what to
say from both (``bot/guidance/answering.py``).

It reads the answer files itself, so ``fingerprint_addon`` hashes them: Rasa retrains the
component when an answer's examples change, and only then. Messages the assistant refuses
(the ``out_of_scope`` intent's examples) train one more class, so that "how do I register
for VAT" ranks no answer first. The other intents' examples, with the answers', train the
answer model's scope score, written as ``answers["scope"]``: the log-odds that the message
is out of scope at all.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.constants import INTENT_MESSAGE_PREFIX
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.guidance import answering
from bot.guidance.knowledge.answers import Answer, load_answers
from bot.nlp import answer_model, segments
from bot.nlp.answer_model import OUT_OF_SCOPE, AnswerModel, Ranked
from bot.nlp.featurizer import loaded_encoder
from bot.paths import DATA_DIR

#: The parse-result key this component writes.
ANSWERS = answering.PARSE_KEY
OUT_OF_SCOPE_INTENT = "out_of_scope"
_TOPICS_FILE = "answer_topics.json"


def training_examples(answers: Iterable[Answer], *, with_answer_text: bool = True
                      ) -> tuple[list[str], list[str]]:
    """Texts and answer ids to train on: every example question, and (by default) the
    answer's own text, which carries the words an owner may use to ask for it."""
    texts: list[str] = []
    labels: list[str] = []
    for answer in answers:
        for text in (*answer.questions, *((answer.answer,) if with_answer_text else ())):
            texts.append(text)
            labels.append(answer.id)
    return texts, labels


def out_of_scope_examples(path: Path = DATA_DIR / "nlu" / "out_of_scope.yml") -> list[str]:
    """The ``out_of_scope`` intent's examples, read from Rasa's training data file."""
    from rasa.shared.nlu.training_data.loading import load_data

    return [str(m.get(TEXT)) for m in load_data(str(path)).training_examples
            if m.get(INTENT) == OUT_OF_SCOPE_INTENT]


def _ranking(topics: dict[str, str], ranked: list[Ranked]) -> list[dict[str, Any]]:
    return [{answering.ID: r.label, answering.TOPIC: topics.get(r.label, OUT_OF_SCOPE),
             answering.SCORE: round(r.score, 4)} for r in ranked]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class AnswerSelector(GraphComponent):
    """Adds ``answers``: ``{"ranking": [...], "scope": ..., "questions": [{"text", "ranking"},
    ...]}``, with ``questions`` only when the message asks two."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"answers": "data/answers", "encoder_model": "build/sentence_encoder", "top": 5}

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 model: AnswerModel | None = None, topics: dict[str, str] | None = None) -> None:
        self._config = config
        self._storage, self._resource = model_storage, resource
        self._model, self._topics = model, topics or {}

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> AnswerSelector:
        return cls({**cls.get_default_config(), **config}, model_storage, resource)

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        if not Path(str(config.get("answers", ""))).is_dir():
            raise InvalidConfigException(
                f"AnswerSelector: no answers folder at '{config.get('answers')}'.")

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """The answer files and this code: what the trained model depends on besides
        Rasa's training data."""
        digest = hashlib.sha256()
        for path in sorted(Path(str(config.get("answers", "data/answers"))).glob("*.yml")):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
        for module in (answer_model, sys.modules[__name__]):
            digest.update(Path(str(module.__file__)).read_bytes())
        return digest.hexdigest()

    def _encode(self) -> answer_model.Encode:
        return loaded_encoder("distilled", Path(str(self._config["encoder_model"]))).encode

    def train(self, training_data: TrainingData) -> Resource:
        answers = load_answers(Path(str(self._config["answers"])))
        texts, labels = training_examples(answers.values())
        refused = [str(m.get(TEXT)) for m in training_data.intent_examples
                   if m.get(INTENT) == OUT_OF_SCOPE_INTENT]
        in_scope = [str(m.get(TEXT)) for m in training_data.intent_examples
                    if m.get(INTENT) != OUT_OF_SCOPE_INTENT and m.get(TEXT)]
        model = AnswerModel.fit(texts + refused, labels + [OUT_OF_SCOPE] * len(refused),
                                self._encode(), in_scope=in_scope)
        topics = {a.id: a.topic for a in answers.values()}
        with self._storage.write_to(self._resource) as directory:
            model.save(directory)
            (directory / _TOPICS_FILE).write_text(json.dumps(topics), encoding="utf-8")
        self._model, self._topics = model, topics
        return self._resource

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> AnswerSelector:
        config = {**cls.get_default_config(), **config}
        component = cls(config, model_storage, resource)
        try:
            with model_storage.read_from(resource) as directory:
                component._model = AnswerModel.load(directory, component._encode())
                component._topics = json.loads((directory / _TOPICS_FILE).read_text("utf-8"))
        except ValueError:
            pass  # nothing trained: messages get no "answers"
        return component

    def process(self, messages: list[Message]) -> list[Message]:
        if self._model is None:
            return messages
        top = int(self._config["top"])
        for message in messages:
            text = message.get(TEXT)
            if not text or str(text).startswith(INTENT_MESSAGE_PREFIX):
                continue
            ranked, scope = self._model.assess(str(text), top)
            result: dict[str, Any] = {answering.RANKING: _ranking(self._topics, ranked)}
            if scope is not None:
                result[answering.SCOPE] = round(scope, 4)
            asked = segments.questions_in(str(text))
            if asked:
                result[answering.QUESTIONS] = [
                    {answering.TEXT: q,
                     answering.RANKING: _ranking(self._topics, self._model.rank(q, top))}
                    for q in asked]
            message.set(ANSWERS, result, add_to_output=True)
        return messages
