"""The in-process parse plus answer decision per message: part of ``make bench``.

Loads the trained model in this process and times what every message costs before any
action runs: Rasa's NLU pipeline (``Agent.parse_message``) and the answering rules
(``bot.guidance.answering.decide``). The messages are the development split's questions and
long posts (``tests/data/answers_dev.yml``), each once after a warm-up of twenty; the
held-out split is left for the accuracy figures. Prints one JSON object, so that
``bench.latency`` can run it in a process of its own before starting any server.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

import yaml

from bench.answers import MODEL, Runner, _quiet
from bot.paths import PROJECT_ROOT

MESSAGES = PROJECT_ROOT / "tests" / "data" / "answers_dev.yml"
MAX_MEDIAN_MS = 5.0
WARM_UP = 20


def measure(model: Path = MODEL, questions: Path = MESSAGES) -> dict[str, float]:
    raw = yaml.safe_load(questions.read_text(encoding="utf-8"))
    texts = [str(item["text"]) for key in ("questions", "long") for item in raw[key]]
    runner = Runner(model)
    for text in texts[:WARM_UP]:
        runner.parse(text)
    runner.timings.clear()
    for text in texts:
        runner.parse(text)
    timings = sorted(runner.timings)
    return {"messages": len(timings), "median_ms": statistics.median(timings) * 1000,
            "p95_ms": timings[int(len(timings) * 0.95)] * 1000}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=MODEL)
    args = parser.parse_args(argv)
    if not args.model.exists():
        print(f"{args.model} is missing: run `make train` first", file=sys.stderr)
        return 2
    _quiet()
    print(json.dumps(measure(args.model)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
