"""Rasa's CountVectorsFeaturizer with sentence-level counts only.

Rasa's featurizer also counts every token on its own (a row per token), for components
that read token-level sparse features, such as DIETClassifier. None in this pipeline
does: the intent classifier reads the sentence row, and the CRF entity extractor its own
token features. Counting each token apart was about half the featurizer's time per
message (in-process profile of ``bench.parse_time``), so this subclass skips it. It also
counts one message's n-grams straight into the sparse row, with the vectorizer's analyzer
built once, where scikit-learn's ``transform`` rebuilds the analyzer and converts the row
twice per message. The sentence row, and so every prediction, is the same as Rasa's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any, Optional

import numpy as np
import scipy.sparse
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer

Rows = list[Optional[scipy.sparse.spmatrix]]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class SentenceCountVectorsFeaturizer(CountVectorsFeaturizer):  # type: ignore[misc]  # untyped in Rasa
    """``CountVectorsFeaturizer`` that adds the sentence counts and no per-token rows."""

    def _create_features(self, attribute: str, all_tokens: list[list[str]]) -> tuple[Rows, Rows]:
        vectorizer = self.vectorizers.get(attribute)
        if not vectorizer or attribute not in DENSE_FEATURIZABLE_ATTRIBUTES:
            # Intent and response attributes keep Rasa's own rows.
            rows: tuple[Rows, Rows] = super()._create_features(attribute, all_tokens)
            return rows
        sentences: Rows = []
        for tokens in all_tokens:
            if not tokens:
                sentences.append(None)
                continue
            sentences.append(self._count_row(attribute, vectorizer, " ".join(tokens)))
        return [None] * len(all_tokens), sentences

    def _count_row(self, attribute: str, vectorizer: Any, text: str) -> scipy.sparse.coo_matrix:
        """``vectorizer.transform([text])`` as a sorted one-row COO matrix, built directly."""
        analyzers: dict[str, Callable[[str], list[str]]] = self.__dict__.setdefault("_analyzers", {})
        if attribute not in analyzers:
            analyzers[attribute] = vectorizer.build_analyzer()
        vocabulary = vectorizer.vocabulary_
        counts = Counter(index for index in map(vocabulary.get, analyzers[attribute](text))
                         if index is not None)
        columns = np.array(sorted(counts), dtype=np.int32)
        values = np.array([counts[c] for c in columns.tolist()], dtype=vectorizer.dtype)
        if vectorizer.binary:
            values.fill(1)
        rows = np.zeros(len(columns), dtype=np.int32)
        return scipy.sparse.coo_matrix((values, (rows, columns)), shape=(1, len(vocabulary)))
