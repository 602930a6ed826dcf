"""Rasa's RegexFeaturizer, with the same features for less work per message.

Rasa's featurizer walks every token once for every pattern, and for each pair sets the
token's ``pattern`` flag and looks through the pattern's matches. Most patterns match
nothing in a message, so this subclass finds each pattern's matches first and walks the
tokens only for the patterns that matched. The token flags are then set once per token.
Rasa sets a name's flag once per pattern in turn, so where several patterns share a name
(the ``headcount`` regexes) the last of them decides it; this keeps that rule. The
sentence and token rows and every token's flags are Rasa's
(``tests/nlp/test_regex_features.py`` compares them).
"""

from __future__ import annotations

import re

import numpy as np
import scipy.sparse
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.featurizers.sparse_featurizer.regex_featurizer import RegexFeaturizer
from rasa.shared.nlu.constants import ACTION_TEXT, RESPONSE, TEXT
from rasa.shared.nlu.training_data.message import Message

Rows = tuple[scipy.sparse.coo_matrix | None, scipy.sparse.coo_matrix | None]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class FastRegexFeaturizer(RegexFeaturizer):  # type: ignore[misc]  # untyped in Rasa
    """``RegexFeaturizer`` that walks the tokens only for the patterns that matched."""

    def _features_for_patterns(self, message: Message, attribute: str) -> Rows:
        text = message.get(attribute)
        tokens = message.get(TOKENS_NAMES[attribute], []) if text else []
        if not tokens:
            return None, None
        flags = 0 if self.case_sensitive else re.IGNORECASE
        sequence = np.zeros([len(tokens), len(self.known_patterns)])
        sentence = np.zeros([1, len(self.known_patterns)])
        hits: dict[int, list[bool]] = {}
        for index, pattern in enumerate(self.known_patterns):
            spans = [match.span() for match in re.finditer(pattern["pattern"], text, flags=flags)]
            if not spans:
                continue
            hit = [any(token.start < end and token.end > start for start, end in spans)
                   for token in tokens]
            hits[index] = hit
            for token_index, matched in enumerate(hit):
                if matched:
                    sequence[token_index][index] = 1.0
                    if attribute in (RESPONSE, TEXT, ACTION_TEXT):
                        sentence[0][index] = 1.0
        # Each name once, in the order Rasa first sets it, with its last pattern's verdict.
        deciding = {pattern["name"]: index for index, pattern in enumerate(self.known_patterns)}
        for token_index, token in enumerate(tokens):
            flags_of_token = token.get("pattern", default={})
            for name, index in deciding.items():
                flags_of_token[name] = index in hits and hits[index][token_index]
            token.set("pattern", flags_of_token)
        return scipy.sparse.coo_matrix(sequence), scipy.sparse.coo_matrix(sentence)
