"""Summarise `rasa test nlu` on the held-out split: macro-F1, out-of-scope recall, confusions.

    python -m bench.nlu_report --results results/nlu [--check] [--write BENCHMARKS.md]
    python -m bench.nlu_report --results results/nlu-cv --cross-validation

``--check`` exits non-zero when a figure falls below the floors given by
``--min-macro-f1`` and ``--min-oos-recall`` (default: the targets), so `make test`
fails on a regression. The report always states the targets and whether they are met.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from bench import report_file

MIN_MACRO_F1 = 0.90
MIN_OOS_RECALL = 0.85
START, END = "<!-- nlu:start -->", "<!-- nlu:end -->"


def summarise(report: dict[str, Any]) -> dict[str, Any]:
    intents = {k: v for k, v in report.items() if isinstance(v, dict) and "support" in v
               and k not in ("macro avg", "weighted avg", "micro avg")}
    confusions = []
    for name, row in intents.items():
        for other, count in (row.get("confused_with") or {}).items():
            if name.startswith("ask_") and other.startswith("ask_"):
                confusions.append((name, other, int(count)))
    confusions.sort(key=lambda c: -c[2])
    return {
        "macro_f1": report["macro avg"]["f1-score"],
        "weighted_f1": report["weighted avg"]["f1-score"],
        "accuracy": report.get("accuracy"),
        "oos_recall": intents.get("out_of_scope", {}).get("recall", 0.0),
        "examples": sum(int(row["support"]) for row in intents.values()),
        "intents": len(intents),
        "worst": sorted(((row["f1-score"], n) for n, row in intents.items()))[:5],
        "topic_confusions": confusions,
    }


HELD_OUT_HEADING = [
    "## NLU on the held-out split",
    "",
    "Measured {today} with `make bench-nlu` "
    "(`rasa test nlu --nlu tests/data/nlu_heldout.yml`; the split is never trained on).",
]
CROSS_VALIDATION_HEADING = [
    "## NLU by 5-fold cross-validation of the training data",
    "",
    "Measured {today} with `make nlu-cv` (`rasa test nlu --nlu data/nlu --cross-validation`). "
    "Use these figures, not the held-out split's, to decide which examples to add.",
]


def markdown(summary: dict[str, Any], cross_validation: bool = False) -> str:
    heading = CROSS_VALIDATION_HEADING if cross_validation else HELD_OUT_HEADING
    today = dt.date.today().isoformat()
    lines = [
        START,
        *(line.format(today=today) for line in heading),
        "",
        "| measure | value | target |",
        "|---|---|---|",
        f"| intent macro-F1 | {summary['macro_f1']:.3f} | >= {MIN_MACRO_F1} "
        f"({'met' if summary['macro_f1'] >= MIN_MACRO_F1 else 'not met'}) |",
        f"| out-of-scope recall | {summary['oos_recall']:.3f} | >= {MIN_OOS_RECALL} "
        f"({'met' if summary['oos_recall'] >= MIN_OOS_RECALL else 'not met'}) |",
        f"| weighted F1 | {summary['weighted_f1']:.3f} | |",
        f"| {'training' if cross_validation else 'held-out'} examples / intents "
        f"| {summary['examples']} / {summary['intents']} | |",
        "",
        "Lowest F1: " + ", ".join(f"{name} {f1:.2f}" for f1, name in summary["worst"]),
        "",
        "Confusion between topics (true -> predicted, count):",
        "",
    ]
    confusions = summary["topic_confusions"]
    if confusions:
        lines += [f"- {a} -> {b}: {n}" for a, b, n in confusions]
    else:
        lines.append("- none")
    lines.append(END)
    return "\n".join(lines)


def write_section(path: Path, section: str) -> None:
    report_file.write_section(path, section, START, END)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--results", type=Path, default=Path("results/nlu"))
    parser.add_argument("--check", action="store_true", help="fail when a figure is below its floor")
    parser.add_argument("--min-macro-f1", type=float, default=MIN_MACRO_F1)
    parser.add_argument("--min-oos-recall", type=float, default=MIN_OOS_RECALL)
    parser.add_argument("--write", type=Path, help="update this markdown file's NLU section")
    parser.add_argument("--cross-validation", action="store_true",
                        help="the results are from `rasa test nlu --cross-validation` (print only)")
    args = parser.parse_args(argv)
    report_file = args.results / "intent_report.json"
    if not report_file.exists():
        print(f"{report_file} not found: run `rasa test nlu` first", file=sys.stderr)
        return 2
    summary = summarise(json.loads(report_file.read_text()))
    if args.write and args.cross_validation:
        parser.error("--write is for the held-out figures only")
    section = markdown(summary, args.cross_validation)
    print(section)
    if args.write:
        write_section(args.write, section)
    if args.check:
        failures = []
        if summary["macro_f1"] < args.min_macro_f1:
            failures.append(f"macro-F1 {summary['macro_f1']:.3f} < {args.min_macro_f1}")
        if summary["oos_recall"] < args.min_oos_recall:
            failures.append(f"out-of-scope recall {summary['oos_recall']:.3f} < {args.min_oos_recall}")
        if failures:
            print("NLU below its floor: " + "; ".join(failures), file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
