"""Measure personal-data redaction on the seeded corpus: recall per category, false redactions.

    python -m bench.redaction_report [--corpus FILE] [--check] [--write BENCHMARKS.md]

A seeded secret counts as removed when neither it nor any 3+ character piece of it (split on
spaces, dashes, dots, colons and slashes) is left in the redacted text, so a card that loses
only its first group is a miss. ``--check`` exits non-zero when a target is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import yaml

from bench import report_file
from bot.paths import PROJECT_ROOT as ROOT
from bot.privacy import CATEGORIES, redact

CORPUS = ROOT / "tests" / "data" / "redaction_corpus.yml"
NLU_FILES = sorted((ROOT / "data" / "nlu").glob("*.yml")) + [ROOT / "tests" / "data" / "nlu_heldout.yml"]
MIN_RECALL = 0.98
START, END = "<!-- redaction:start -->", "<!-- redaction:end -->"

_ENTITY_MARKUP = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


@dataclass(frozen=True)
class Seeded:
    text: str
    expect: dict[str, tuple[str, ...]]


@dataclass
class Score:
    seeded: int = 0
    ordinary: int = 0
    secrets: dict[str, int] = field(default_factory=dict)
    removed: dict[str, int] = field(default_factory=dict)
    misses: list[tuple[str, str, str]] = field(default_factory=list)  # category, secret, redacted text
    false_redactions: list[tuple[str, str]] = field(default_factory=list)  # original, redacted

    @property
    def recall(self) -> float:
        total = sum(self.secrets.values())
        return sum(self.removed.values()) / total if total else 1.0

    def category_recall(self, category: str) -> float:
        return self.removed.get(category, 0) / self.secrets[category]


def load_corpus(path: Path = CORPUS) -> tuple[list[Seeded], list[str]]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    seeded = [
        Seeded(str(item["text"]), {str(k): tuple(str(s) for s in v) for k, v in item["expect"].items()})
        for item in raw["seeded"]
    ]
    return seeded, [str(text) for text in raw["ordinary"]]


def nlu_examples(files: Iterable[Path] = NLU_FILES) -> list[str]:
    """Every training and held-out example the project has, without Rasa's entity markup."""
    examples = []
    for path in files:
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
            for line in str(block.get("examples", "")).splitlines():
                line = line.strip()
                if line.startswith("- "):
                    examples.append(_ENTITY_MARKUP.sub(r"\1", line[2:]).strip())
    return examples


def leaked(entry: Seeded, redacted: str) -> list[tuple[str, str]]:
    """The (category, secret) pairs of a seeded message that survive in its redacted text."""
    background = entry.text
    for secret in sorted((s for ss in entry.expect.values() for s in ss), key=len, reverse=True):
        background = background.replace(secret, " ")
    survivors = []
    for category, secrets in entry.expect.items():
        for secret in secrets:
            pieces = [secret] + [p for p in re.split(r"[\s\-./:]+", secret) if len(p) >= 3]
            if any(piece in redacted and piece not in background for piece in pieces):
                survivors.append((category, secret))
    return survivors


def score(seeded: list[Seeded], ordinary: list[str]) -> Score:
    result = Score(seeded=len(seeded), ordinary=len(ordinary))
    for entry in seeded:
        redacted = redact(entry.text).text
        missed = leaked(entry, redacted)
        for category, secrets in entry.expect.items():
            for secret in secrets:
                result.secrets[category] = result.secrets.get(category, 0) + 1
                if (category, secret) in missed:
                    result.misses.append((category, secret, redacted))
                else:
                    result.removed[category] = result.removed.get(category, 0) + 1
    for text in ordinary:
        redacted = redact(text).text
        if redacted != text:
            result.false_redactions.append((text, redacted))
    return result


def markdown(result: Score, nlu_changed: int, nlu_total: int) -> str:
    removed, total = sum(result.removed.values()), sum(result.secrets.values())
    lines = [
        START,
        "## Personal-data redaction",
        "",
        f"Measured {dt.date.today().isoformat()} with `python -m bench.redaction_report` "
        "on `tests/data/redaction_corpus.yml` (made-up data; see `bot/privacy/redaction/` for policies).",
        "",
        "| measure | value | target |",
        "|---|---|---|",
        f"| recall, seeded secrets removed | {result.recall:.3f} ({removed}/{total}) | >= {MIN_RECALL} |",
        f"| false redactions, ordinary messages | {len(result.false_redactions)} of {result.ordinary} | 0 |",
        f"| project NLU examples changed | {nlu_changed} of {nlu_total} | |",
        f"| corpus strings | {result.seeded + result.ordinary} "
        f"({result.seeded} seeded, {result.ordinary} ordinary) | |",
        "",
        "| category | secrets | removed | recall |",
        "|---|---|---|---|",
    ]
    for category in sorted(result.secrets, key=CATEGORIES.index):
        lines.append(f"| {category} | {result.secrets[category]} | {result.removed.get(category, 0)} "
                     f"| {result.category_recall(category):.3f} |")
    lines += ["", "Missed:", ""]
    misses = [f"- {category}: `{secret}` left in \"{text}\"" for category, secret, text in result.misses]
    lines += misses or ["- none"]
    if result.false_redactions:
        lines += ["", "False redactions:", ""]
        lines += [f"- \"{before}\" -> \"{after}\"" for before, after in result.false_redactions]
    lines.append(END)
    return "\n".join(lines)


def write_section(path: Path, section: str) -> None:
    report_file.write_section(path, section, START, END)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--check", action="store_true", help="fail when a target is missed")
    parser.add_argument("--write", type=Path, help="update this markdown file's redaction section")
    args = parser.parse_args(argv)
    result = score(*load_corpus(args.corpus))
    examples = nlu_examples()
    nlu_changed = sum(redact(text).text != text for text in examples)
    section = markdown(result, nlu_changed, len(examples))
    print(section)
    if args.write:
        write_section(args.write, section)
    if args.check:
        failures: list[str] = []
        if result.recall < MIN_RECALL:
            failures.append(f"recall {result.recall:.3f} < {MIN_RECALL}")
        if result.false_redactions:
            failures.append(f"{len(result.false_redactions)} false redactions")
        if failures:
            print("Redaction targets missed: " + "; ".join(failures), file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
