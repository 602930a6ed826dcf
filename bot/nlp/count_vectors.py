"""Rasa's CountVectorsFeaturizer with sentence-level counts only.

Rasa's featurizer also counts every token on its own (a row per token), for components
that read token-level sparse features, such as DIETClassifier. None in this pipeline
does: the intent classifier reads the sentence row, and the CRF entity extractor its own
token features. Counting each token apart was about half the featurizer's time per
message (in-process profile of ``bench.parse_time``), so this subclass skips it. The
sentence row, and so every prediction, is the same as Rasa's.
"""

from __future__ import annotations

from typing import Optional

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
            row = vectorizer.transform([" ".join(tokens)])
            row.sort_indices()
            sentences.append(row.tocoo())
        return [None] * len(all_tokens), sentences
