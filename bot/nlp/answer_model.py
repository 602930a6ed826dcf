"""Which specific answer a message asks for: a linear model over words, letters and meaning.

Each answer in ``data/answers`` is a class, its example questions (and its own text) the
training examples; messages the assistant should refuse form one more class,
``OUT_OF_SCOPE``. A message becomes three blocks of features: word unigrams and bigrams,
letter n-grams inside words (which survive typos such as "emial" and "backupps"), and the
distilled sentence vector (meaning, when the owner's words are not the examples' words).
A linear support-vector machine scores every class.

Beside the answers, one more linear model over the same features says how far a message is
out of scope at all (the scope score that ``assess`` returns): logistic regression, in
scope (every answer's examples and every other intent's examples) against the refused
examples. It learns from all of the project's in-scope wording, not only the answers', and
it costs one more row of weights per message. The answering rules read it (rule 8 in
bot/guidance/answering.py).

Chosen by cross-validation on the examples only (BENCHMARKS.md, "Answer selection"):
against nearest neighbours over sentence vectors and Rasa's ResponseSelector it ranked the
right answer first most often, and it scores one message in well under a millisecond.

The model is saved as JSON and NumPy arrays, never as a pickle, so loading a model file
cannot run code.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix, hstack, vstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from bot.guidance.answering import OUT_OF_SCOPE_LABEL

OUT_OF_SCOPE = OUT_OF_SCOPE_LABEL  # the refusal class, named where the answering rules read it
Encode = Callable[[Sequence[str]], NDArray[np.float32]]

WORDS = {"analyzer": "word", "ngram_range": (1, 2), "sublinear_tf": True,
         "token_pattern": r"(?u)\b\w+\b"}
LETTERS = {"analyzer": "char_wb", "ngram_range": (2, 5), "min_df": 2, "sublinear_tf": True}
VECTOR_WEIGHT = 1.5
REGULARISATION = 0.5
#: Weights below this share of a class's largest are dropped after training: the model
#: file shrinks several-fold and the ranking does not change (checked in the tests).
PRUNE_BELOW = 0.02
#: The scope model's regularisation (inverse strength), chosen on the development splits.
SCOPE_REGULARISATION = 10.0
_FORMAT = 1


@dataclass(frozen=True)
class Ranked:
    label: str
    score: float


def _vectorizer(settings: dict[str, object], vocabulary: dict[str, int] | None = None,
                idf: NDArray[np.float64] | None = None) -> TfidfVectorizer:
    vectorizer = TfidfVectorizer(lowercase=True, strip_accents="unicode", dtype=np.float32,
                                 vocabulary=vocabulary, **settings)
    if vocabulary is not None and idf is not None:
        vectorizer.idf_ = idf
    return vectorizer


class AnswerModel:
    """Scores every answer (and ``OUT_OF_SCOPE``) for a message, and how far it is out of
    scope when the model was trained with in-scope examples."""

    def __init__(self, labels: Sequence[str], words: TfidfVectorizer, letters: TfidfVectorizer,
                 weights: NDArray[np.float32], bias: NDArray[np.float32], encode: Encode) -> None:
        """``weights`` and ``bias`` hold one row per label, then the scope model's row when
        there is one."""
        self.labels = tuple(labels)
        self._words, self._letters = words, letters
        self._weights = np.asfortranarray(weights)  # classes (+ scope) x features
        self._bias = bias
        self._encode = encode
        self.has_scope = len(bias) == len(self.labels) + 1
        self._blocks: list[_Block] | None = None  # built on the first one-message score

    # ---- training -----------------------------------------------------------------------
    @classmethod
    def fit(cls, texts: Sequence[str], labels: Sequence[str], encode: Encode,
            in_scope: Sequence[str] = ()) -> AnswerModel:
        """Train on ``texts`` labelled with answer ids or ``OUT_OF_SCOPE``; with ``in_scope``
        (more messages the assistant must not refuse) the scope model is trained too."""
        words, letters = _vectorizer(WORDS), _vectorizer(LETTERS)
        words.fit(texts)
        letters.fit(texts)
        model = cls([], words, letters, np.zeros((0, 0), np.float32), np.zeros(0, np.float32), encode)
        features = model._features(texts)
        classifier = LinearSVC(C=REGULARISATION, class_weight="balanced", max_iter=5000,
                               random_state=0)
        classifier.fit(features, list(labels))
        weights = np.asarray(classifier.coef_, dtype=np.float32)
        largest = np.abs(weights).max(axis=1, keepdims=True)
        weights[np.abs(weights) < PRUNE_BELOW * largest] = 0.0
        bias = np.asarray(classifier.intercept_, dtype=np.float32)
        if in_scope:
            scope_weights, scope_bias = _fit_scope(model, features, labels, in_scope)
            weights, bias = np.vstack([weights, scope_weights]), np.append(bias, scope_bias)
        return cls([str(c) for c in classifier.classes_], words, letters, weights, bias, encode)

    # ---- scoring ------------------------------------------------------------------------
    def _features(self, texts: Sequence[str]) -> csr_matrix:
        vectors = self._encode(list(texts)) * VECTOR_WEIGHT
        return hstack([self._words.transform(texts), self._letters.transform(texts),
                       csr_matrix(vectors)], format="csr", dtype=np.float32)

    def scores(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Decision values, one row per text and one column per label (then the scope
        score's column when there is a scope model)."""
        features = self._features(texts)
        result: NDArray[np.float32] = np.asarray(features @ self._weights.T) + self._bias
        return result

    def score_one(self, text: str) -> NDArray[np.float32]:
        """``scores([text])[0]`` without building sparse matrices: the per-message path.

        scikit-learn's and SciPy's checks and conversions cost more than the arithmetic for a
        single short message, so each block's few non-zero features are worked out directly
        (counts, ``1 + log`` of them, times the idf, unit length) and only their weight
        columns are read. A test keeps the two paths equal.
        """
        if self._blocks is None:
            self._blocks = _blocks(self._words, self._letters)
        row = self._bias.astype(np.float32, copy=True)
        for block in self._blocks:
            columns, values = block.features(text)
            if len(columns):
                row += self._weights[:, columns] @ values
        offset = self._blocks[-1].start + self._blocks[-1].width
        vector = self._encode([text])[0].astype(np.float32) * VECTOR_WEIGHT
        row += self._weights[:, offset:] @ vector
        return row

    def rank(self, text: str, top: int = 5) -> list[Ranked]:
        """The ``top`` likeliest labels for one message, best first."""
        return self.assess(text, top)[0]

    def assess(self, text: str, top: int = 5) -> tuple[list[Ranked], float | None]:
        """``rank(text, top)`` and the scope score (log-odds that the message is out of
        scope; ``None`` without a scope model), from one pass over the message."""
        row = self.score_one(text)
        labels = row[:len(self.labels)]
        order = np.argsort(-labels)[:top]
        scope = float(row[len(self.labels)]) if self.has_scope else None
        return [Ranked(self.labels[i], float(labels[i])) for i in order], scope

    # ---- storage ------------------------------------------------------------------------
    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        meta = {"format": _FORMAT, "labels": list(self.labels),
                "words": self._words.vocabulary_, "letters": self._letters.vocabulary_}
        (directory / "answer_model.json").write_text(json.dumps(meta), encoding="utf-8")
        weights = csr_matrix(self._weights)
        np.savez_compressed(directory / "answer_model.npz", data=weights.data,
                            indices=weights.indices, indptr=weights.indptr,
                            shape=np.array(weights.shape), bias=self._bias,
                            words_idf=self._words.idf_, letters_idf=self._letters.idf_)

    @classmethod
    def load(cls, directory: Path, encode: Encode) -> AnswerModel:
        meta = json.loads((directory / "answer_model.json").read_text(encoding="utf-8"))
        if meta.get("format") != _FORMAT:
            raise ValueError(f"{directory}: answer model format {meta.get('format')!r}, "
                             f"expected {_FORMAT}; train again")
        with np.load(directory / "answer_model.npz", allow_pickle=False) as arrays:
            weights = csr_matrix((arrays["data"], arrays["indices"], arrays["indptr"]),
                                 shape=tuple(arrays["shape"])).toarray()
            words = _vectorizer(WORDS, meta["words"], arrays["words_idf"])
            letters = _vectorizer(LETTERS, meta["letters"], arrays["letters_idf"])
            return cls(meta["labels"], words, letters, weights, arrays["bias"], encode)


def _fit_scope(model: AnswerModel, features: csr_matrix, labels: Sequence[str],
               in_scope: Sequence[str]) -> tuple[NDArray[np.float32], float]:
    """The scope model's weights and bias: refused examples against everything else."""
    refused = np.array([label == OUT_OF_SCOPE for label in labels] + [False] * len(in_scope))
    together = vstack([features, model._features(in_scope)], format="csr")
    classifier = LogisticRegression(C=SCOPE_REGULARISATION, class_weight="balanced",
                                    max_iter=5000, random_state=0)
    classifier.fit(together, refused.astype(int))
    return np.asarray(classifier.coef_[0], dtype=np.float32), float(classifier.intercept_[0])


@dataclass(frozen=True)
class _Block:
    """One fitted vectoriser's features for a single text, as column numbers and values."""

    analyse: Callable[[str], list[str]]
    vocabulary: dict[str, int]
    idf: NDArray[np.float32]
    start: int
    width: int

    def features(self, text: str) -> tuple[NDArray[np.intp], NDArray[np.float32]]:
        counts = Counter(index for index in map(self.vocabulary.get, self.analyse(text))
                         if index is not None)
        if not counts:
            return np.zeros(0, np.intp), np.zeros(0, np.float32)
        columns = np.fromiter(counts.keys(), np.intp, len(counts))
        tf = np.fromiter(counts.values(), np.float32, len(counts))
        values = (np.log(tf) + 1.0) * self.idf[columns]  # sublinear_tf
        values /= np.float32(np.sqrt(np.dot(values, values)))
        return columns + self.start, values.astype(np.float32)


def _blocks(*vectorizers: TfidfVectorizer) -> list[_Block]:
    blocks, start = [], 0
    for vectorizer in vectorizers:
        width = len(vectorizer.vocabulary_)
        blocks.append(_Block(vectorizer.build_analyzer(), dict(vectorizer.vocabulary_),
                             np.asarray(vectorizer.idf_, dtype=np.float32), start, width))
        start += width
    return blocks
