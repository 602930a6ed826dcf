"""Cross-validation of answer selection on the answers' own example questions.

``python -m bench.answers_cv [--folds 5]``: the figures to choose a method and improve the
examples by. It never reads the held-out split (``tests/data/answers_heldout.yml``), which
only ``bench.answers`` scores, once a method is chosen.

Methods compared: ``linear`` (bot/nlp/answer_model.py: words, letters and the distilled
sentence vector, linear SVM) and ``neighbours`` (the nearest example question by cosine of
distilled sentence vectors).
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Sequence

import numpy as np

from bot.guidance.knowledge.answers import load_answers
from bot.nlp.answer_model import OUT_OF_SCOPE, AnswerModel, Encode
from bot.nlp.answer_selector import out_of_scope_examples, training_examples
from bot.nlp.static_vectors import StaticSentenceEncoder
from bot.paths import BUILD_DIR


def _folds(labels: Sequence[str], folds: int, seed: int = 0) -> list[int]:
    """A fold per example, each label's examples spread over the folds."""
    rng = random.Random(seed)
    by_label: dict[str, list[int]] = {}
    for index, label in enumerate(labels):
        by_label.setdefault(label, []).append(index)
    fold = [0] * len(labels)
    for indices in by_label.values():
        rng.shuffle(indices)
        offset = rng.randrange(folds)
        for position, index in enumerate(indices):
            fold[index] = (position + offset) % folds
    return fold


def _neighbours(train_x: list[str], train_y: list[str], test_x: list[str], encode: Encode) -> list[str]:
    known, asked = encode(train_x), encode(test_x)
    best = np.argmax(asked @ known.T, axis=1)
    return [train_y[i] for i in best]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    answers = load_answers()
    topic_of = {a.id: a.topic for a in answers.values()}
    topic_of[OUT_OF_SCOPE] = OUT_OF_SCOPE
    questions, labels = training_examples(answers.values(), with_answer_text=False)
    oos = out_of_scope_examples()
    questions += oos
    labels += [OUT_OF_SCOPE] * len(oos)
    extra_x, extra_y = [a.answer for a in answers.values()], [a.id for a in answers.values()]
    encoder = StaticSentenceEncoder(BUILD_DIR / "sentence_encoder")
    fold_of = _folds(labels, args.folds)
    results: dict[str, list[tuple[str, str]]] = {"linear": [], "neighbours": []}
    started = time.perf_counter()
    for fold in range(args.folds):
        train = [i for i, f in enumerate(fold_of) if f != fold]
        test = [i for i, f in enumerate(fold_of) if f == fold]
        train_x = [questions[i] for i in train] + extra_x
        train_y = [labels[i] for i in train] + extra_y
        test_x = [questions[i] for i in test]
        truth = [labels[i] for i in test]
        model = AnswerModel.fit(train_x, train_y, encoder.encode)
        predicted = [model.labels[i] for i in np.argmax(model.scores(test_x), axis=1)]
        results["linear"] += list(zip(truth, predicted, strict=True))
        results["neighbours"] += list(zip(truth, _neighbours(train_x, train_y, test_x, encoder.encode),
                                          strict=True))
        print(f"fold {fold + 1}/{args.folds} done ({time.perf_counter() - started:.0f} s)", flush=True)
    for method, pairs in results.items():
        in_scope = [(t, p) for t, p in pairs if t != OUT_OF_SCOPE]
        refused = [(t, p) for t, p in pairs if t == OUT_OF_SCOPE]
        answer = sum(t == p for t, p in in_scope) / len(in_scope)
        topic = sum(topic_of[t] == topic_of[p] for t, p in in_scope) / len(in_scope)
        oos_recall = sum(p == OUT_OF_SCOPE for _, p in refused) / len(refused)
        wrongly_refused = sum(p == OUT_OF_SCOPE for _, p in in_scope) / len(in_scope)
        print(f"{method:10s} answer {answer:.3f}  topic {topic:.3f}  out-of-scope recall "
              f"{oos_recall:.3f}  in-scope refused {wrongly_refused:.3f}  (n={len(pairs)})")


if __name__ == "__main__":
    main()
