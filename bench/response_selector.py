"""Rasa's own way to answer FAQs, for comparison: ``make bench-response-selector``.

Builds a retrieval intent ``faq/<answer id>`` from the same answer examples the project's
answer selector trains on, trains an NLU model whose pipeline ends in Rasa's
``ResponseSelector`` (same tokenizer and counts as the project's pipeline), and scores the
held-out split by the selected response key against the expected answer id (and its
topic). Out-of-scope examples form ``faq/out_of_scope``. Slow: the ResponseSelector is a
neural network trained for ``--epochs`` passes.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from bot.guidance.knowledge.answers import default_answers
from bot.nlp.answer_selector import out_of_scope_examples
from bot.paths import PROJECT_ROOT

HELDOUT = PROJECT_ROOT / "tests" / "data" / "answers_heldout.yml"


def _config(epochs: int) -> dict[str, object]:
    return {"language": "en", "assistant_id": "response-selector-comparison", "pipeline": [
        {"name": "WhitespaceTokenizer"},
        {"name": "CountVectorsFeaturizer", "ngram_range": [1, 2]},
        {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 2, "max_ngram": 5},
        {"name": "LogisticRegressionClassifier", "max_iter": 200},
        {"name": "ResponseSelector", "epochs": epochs, "retrieval_intent": "faq", "random_seed": 1},
    ], "policies": []}


def _write_training(directory: Path) -> None:
    answers = default_answers()
    nlu = [{"intent": f"faq/{a.id}", "examples": "".join(f"- {q}\n" for q in (*a.questions, a.answer))}
           for a in answers.values()]
    nlu.append({"intent": "out_of_scope",
                "examples": "".join(f"- {q}\n" for q in out_of_scope_examples())})
    (directory / "nlu.yml").write_text(yaml.safe_dump({"version": "3.1", "nlu": nlu}, sort_keys=False))
    responses = {f"utter_faq/{a.id}": [{"text": a.id}] for a in answers.values()}
    domain = {"version": "3.1", "intents": ["faq", "out_of_scope"], "responses": responses}
    (directory / "domain.yml").write_text(yaml.safe_dump(domain, sort_keys=False))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=40)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="response-selector-"))
    _write_training(work)
    (work / "config.yml").write_text(yaml.safe_dump(_config(args.epochs), sort_keys=False))
    started = time.perf_counter()
    subprocess.run([str(Path(sys.executable).parent / "rasa"), "train", "nlu", "--nlu",
                    str(work / "nlu.yml"), "--config", str(work / "config.yml"), "--domain",
                    str(work / "domain.yml"), "--out", str(work), "--fixed-model-name", "rs"],
                   check=True, cwd=work, stdout=subprocess.DEVNULL)
    trained = time.perf_counter() - started
    from rasa.core.agent import Agent

    agent = Agent.load(str(work / "rs.tar.gz"))
    answers = default_answers()
    raw = yaml.safe_load(HELDOUT.read_text(encoding="utf-8"))
    items = [i for i in raw["questions"] + raw["long"] if isinstance(i["answer"], str)]
    right = topical = refused = refusals = in_scope = 0
    loop = asyncio.new_event_loop()
    for item in items:
        parsed = loop.run_until_complete(agent.parse_message(str(item["text"])))
        key = str(parsed.get("response_selector", {}).get("faq", {}).get("response", {})
                  .get("intent_response_key", "")).removeprefix("faq/")
        if parsed["intent"]["name"] == "out_of_scope":
            key = "out_of_scope"
        if item["answer"] == "out_of_scope":
            refusals += 1
            refused += key == "out_of_scope"
            continue
        in_scope += 1
        right += key == item["answer"]
        topical += key in answers and answers[key].topic == answers[item["answer"]].topic
    print(f"ResponseSelector ({args.epochs} epochs, trained in {trained:.0f} s): answer id "
          f"{right / in_scope:.3f}  topic {topical / in_scope:.3f}  out-of-scope refused "
          f"{refused / max(refusals, 1):.3f}  (n={in_scope} + {refusals})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
