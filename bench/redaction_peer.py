"""Redaction judged on other projects' PII test cases and on the project's independent corpus.

    python -m bench.redaction_peer [--peer FILE] [--write BENCHMARKS.md] [--check]

The peer corpus (``../shared/reference/pii-peer-corpus.yml``: cases from Presidio, scrubadub
and CommonRegex test suites, with the source of each) is read from where it lies and never
copied into the project; without it that part is skipped. Only the entity types the project
claims to redact count for recall (:data:`CLAIMED`); the others (names, URLs, vehicle
registrations...) are listed as not claimed. Negative cases and the independent corpus's
ordinary messages count false positives.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bench import report_file
from bench.redaction_report import Seeded, leaked, load_corpus
from bot.paths import PROJECT_ROOT
from bot.privacy import HIGH_RISK, redact

PEER = PROJECT_ROOT.parent / "shared" / "reference" / "pii-peer-corpus.yml"
FALLBACK_PEER = Path("/work/shared/reference/pii-peer-corpus.yml")
INDEPENDENT = PROJECT_ROOT / "tests" / "data" / "redaction_independent.yml"
#: Peer entity types the project claims, and the project category each counts as.
CLAIMED = {
    "CREDIT_CARD": "card", "IBAN_CODE": "iban", "IP_ADDRESS": "ip", "PHONE_NUMBER": "phone",
    "UK_POSTCODE": "postcode", "EMAIL_ADDRESS": "email", "UK_NINO": "ni_number",
    "PASSWORD": "password", "DATE_OF_BIRTH": "date_of_birth", "STREET_ADDRESS": "address",
}
MIN_PEER_RECALL = 0.97
MIN_INDEPENDENT_RECALL = 0.99
INDEPENDENT_CATEGORIES = ("card", "iban", "sort_code", "account_number", "ni_number")
START, END = "<!-- redaction-peer:start -->", "<!-- redaction-peer:end -->"


@dataclass
class Tally:
    total: dict[str, int] = field(default_factory=dict)
    removed: dict[str, int] = field(default_factory=dict)
    misses: list[str] = field(default_factory=list)
    false_positives: list[str] = field(default_factory=list)
    negatives: int = 0
    #: Ordinary messages any detector changes (phone numbers and IPs are removed by policy).
    changed_by_all: list[str] = field(default_factory=list)

    def add(self, category: str, ok: bool, note: str) -> None:
        self.total[category] = self.total.get(category, 0) + 1
        if ok:
            self.removed[category] = self.removed.get(category, 0) + 1
        else:
            self.misses.append(note)

    @property
    def recall(self) -> float:
        total = sum(self.total.values())
        return sum(self.removed.values()) / total if total else 1.0


def peer_path() -> Path | None:
    for path in (PEER, FALLBACK_PEER):
        if path.exists():
            return path
    return None


def score_peer(path: Path) -> tuple[Tally, dict[str, int]]:
    cases = yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]
    tally, unclaimed = Tally(), dict[str, int]()
    for case in cases:
        text = str(case["text"])
        redacted = redact(text).text
        if case.get("negative"):
            tally.negatives += 1
            if redacted != text:
                tally.false_positives.append(str(case.get("suite_entity", "?")))
            continue
        for positive in case["positives"]:
            category = CLAIMED.get(positive["entity"])
            if category is None:
                unclaimed[positive["entity"]] = unclaimed.get(positive["entity"], 0) + 1
                continue
            entry = Seeded(text, {category: (str(positive["value"]),)})
            ok = not leaked(entry, redacted)
            tally.add(category, ok, f"{case['id']} {category}: `{_short(str(positive['value']))}` "
                                    f"left in \"{_short(redacted)}\"")
    return tally, unclaimed


def score_independent(path: Path = INDEPENDENT) -> Tally:
    """Recall on the seeded messages; false positives are what the REST channel would remove
    from the ordinary ones (their phone numbers and IP addresses are redacted later, by policy)."""
    seeded, _ = load_corpus(path)
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))["ordinary"]
    ordinary = [str(item["text"]) if isinstance(item, dict) else str(item) for item in raw]
    tally = Tally()
    for entry in seeded:
        redacted = redact(entry.text).text
        missed = leaked(entry, redacted)
        for category, secrets in entry.expect.items():
            for secret in secrets:
                tally.add(category, (category, secret) not in missed,
                          f"{category}: `{_short(secret)}` left in \"{_short(redacted)}\"")
    for text in ordinary:
        tally.negatives += 1
        if redact(text).text != text:
            tally.changed_by_all.append(redact(text).text)
        redacted = redact(text, only=HIGH_RISK).text
        if redacted != text:
            tally.false_positives.append(f"\"{_short(text)}\" -> \"{_short(redacted)}\"")
    return tally


def _short(text: str, limit: int = 140) -> str:
    flat = text.replace("\n", "\\n").replace("|", "\\|")
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def _table(tally: Tally) -> list[str]:
    lines = ["| category | cases | removed | recall |", "|---|---|---|---|"]
    for category in sorted(tally.total):
        total, removed = tally.total[category], tally.removed.get(category, 0)
        lines.append(f"| {category} | {total} | {removed} | {removed / total:.3f} |")
    return lines


def markdown(peer: tuple[Tally, dict[str, int]] | None, independent: Tally) -> str:
    lines = [START, "## Redaction on other projects' cases and on the independent corpus", "",
             f"Measured {dt.date.today().isoformat()} with `make bench-redaction`.", ""]
    if peer is None:
        lines += ["The peer corpus (`../shared/reference/pii-peer-corpus.yml`) was not present.", ""]
    else:
        tally, unclaimed = peer
        removed, total = sum(tally.removed.values()), sum(tally.total.values())
        lines += [f"**Peer corpus** (Presidio, scrubadub, CommonRegex test cases), types the project "
                  f"claims: recall **{tally.recall:.3f}** ({removed}/{total}), target >= {MIN_PEER_RECALL}. "
                  f"Negative cases changed: {len(tally.false_positives)} of {tally.negatives}.", ""]
        lines += _table(tally)
        lines += ["", "Not claimed (not counted): " + ", ".join(
            f"{name} {count}" for name, count in sorted(unclaimed.items())), "", "Missed:", ""]
        lines += [f"- {miss}" for miss in tally.misses] or ["- none"]
        counts: dict[str, int] = {}
        for entity in tally.false_positives:
            counts[entity] = counts.get(entity, 0) + 1
        lines += ["", "Negative cases changed, by the suite's entity (most are IBANs and cards with a "
                      "wrong check digit, which the project still removes by shape, as `[NUMBER]` or in "
                      "pieces; see docs/security.md): " + (", ".join(
                          f"{name} {count}" for name, count in sorted(counts.items())) or "none"), ""]
    removed = sum(independent.removed.get(c, 0) for c in INDEPENDENT_CATEGORIES)
    total = sum(independent.total.get(c, 0) for c in INDEPENDENT_CATEGORIES)
    lines += [f"**Independent corpus** (`tests/data/redaction_independent.yml`, written apart from the "
              f"patterns): card, bank and NI recall **{removed / total:.3f}** ({removed}/{total}), "
              f"target >= {MIN_INDEPENDENT_RECALL}. Ordinary messages the REST channel changes "
              f"(false positives of card, bank, NI and password removal): "
              f"{len(independent.false_positives)} of {independent.negatives}.", ""]
    lines += [f"All detectors together (ingestion, staff pages, exports) change "
              f"{len(independent.changed_by_all)} of {independent.negatives} ordinary messages; "
              "each is listed:", ""]
    lines += [f"- \"{_short(text)}\"" for text in independent.changed_by_all] or ["- none"]
    lines.append("")
    lines += _table(independent)
    lines += ["", "Missed:", ""]
    lines += [f"- {miss}" for miss in independent.misses] or ["- none"]
    lines += ["", "Ordinary messages changed:", ""]
    lines += [f"- {fp}" for fp in independent.false_positives] or ["- none"]
    lines.append(END)
    return "\n".join(lines)


def independent_recall(tally: Tally) -> float:
    removed = sum(tally.removed.get(c, 0) for c in INDEPENDENT_CATEGORIES)
    total = sum(tally.total.get(c, 0) for c in INDEPENDENT_CATEGORIES)
    return removed / total if total else 1.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--peer", type=Path, help="the peer corpus (default: ../shared/reference/...)")
    parser.add_argument("--write", type=Path, help="update this markdown file's section")
    parser.add_argument("--check", action="store_true", help="fail when a target is missed")
    args = parser.parse_args(argv)
    path = args.peer or peer_path()
    peer = score_peer(path) if path else None
    independent = score_independent()
    section = markdown(peer, independent)
    print(section)
    if args.write:
        report_file.write_section(args.write, section, START, END)
    failures = []
    if peer is not None and peer[0].recall < MIN_PEER_RECALL:
        failures.append(f"peer recall {peer[0].recall:.3f} < {MIN_PEER_RECALL}")
    if independent_recall(independent) < MIN_INDEPENDENT_RECALL:
        recall = independent_recall(independent)
        failures.append(f"independent recall {recall:.3f} < {MIN_INDEPENDENT_RECALL}")
    if args.check and failures:
        print("Redaction targets missed: " + "; ".join(failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
