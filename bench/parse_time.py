"""The in-process parse plus answer decision per message: part of ``make bench``.

Loads the trained model in this process and times what every message costs before any
action runs: Rasa's NLU pipeline (``Agent.parse_message``) and the answering rules
(``bot.guidance.answering.decide``). The messages are the development split's questions and
long posts (``tests/data/answers_dev.yml``), after a warm-up of twenty; the held-out split is
left for the accuracy figures. Prints one JSON object, so that ``bench.latency`` can run it in
a process of its own before starting any server.

Every message is timed in each of ``PASSES`` passes over the whole set, and its time is the
median of its passes. On a shared machine a pass now and then runs at half speed for
reasons outside the process (back-to-back single passes gave medians from 3.7 to 7.4 ms);
the median of three interleaved passes keeps one slow pass from deciding the figure, and
each pass's own median is reported beside it so the spread stays visible.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path
from typing import Any

import yaml

from bench.answers import MODEL, Runner, _quiet
from bot.paths import PROJECT_ROOT

MESSAGES = PROJECT_ROOT / "tests" / "data" / "answers_dev.yml"
MAX_MEDIAN_MS = 5.0
WARM_UP = 20
PASSES = 3


def measure(model: Path = MODEL, questions: Path = MESSAGES, passes: int = PASSES
            ) -> dict[str, Any]:
    raw = yaml.safe_load(questions.read_text(encoding="utf-8"))
    texts = [str(item["text"]) for key in ("questions", "long") for item in raw[key]]
    runner = Runner(model)
    for text in texts[:WARM_UP]:
        runner.parse(text)
    per_pass: list[list[float]] = []
    for _ in range(passes):
        runner.timings.clear()
        for text in texts:
            runner.parse(text)
        per_pass.append(list(runner.timings))
    timings = sorted(statistics.median(times) for times in zip(*per_pass, strict=True))
    return {"messages": len(timings), "passes": passes,
            "median_ms": statistics.median(timings) * 1000,
            "p95_ms": timings[int(len(timings) * 0.95)] * 1000,
            "pass_medians_ms": [round(statistics.median(times) * 1000, 2) for times in per_pass]}


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
