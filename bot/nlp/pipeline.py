"""Build the project's own spaCy pipeline: blank English plus an EntityRuler.

No pretrained spaCy model can be downloaded where this project is built, so the
NLU pipeline's ``SpacyNLP`` loads this small pipeline from disk instead. Its
only job is the tokenizer and the rule-based profile entities in ``data/patterns``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import yaml

from bot.paths import PROJECT_ROOT

PATTERNS_DIR = PROJECT_ROOT / "data" / "patterns"
DEFAULT_OUTPUT = PROJECT_ROOT / "build" / "spacy_sme_en"
_STAMP = "patterns.sha256"


def load_patterns(patterns_dir: Path = PATTERNS_DIR) -> list[dict[str, Any]]:
    """EntityRuler patterns from the vocabulary file and every ``*.jsonl`` token-pattern file."""
    patterns: list[dict[str, Any]] = []
    vocabulary = yaml.safe_load((patterns_dir / "profile_vocabulary.yml").read_text(encoding="utf-8"))
    for label, values in vocabulary.items():
        for value, phrases in values.items():
            for phrase in phrases:
                patterns.append({"label": label, "pattern": str(phrase), "id": str(value)})
    for path in sorted(patterns_dir.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                patterns.append(json.loads(line))
            except json.JSONDecodeError as error:
                raise ValueError(f"{path.name} line {number}: not valid JSON ({error})") from error
    return patterns


def patterns_digest(patterns_dir: Path = PATTERNS_DIR) -> str:
    digest = hashlib.sha256()
    for path in sorted(patterns_dir.iterdir()):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def build_pipeline(output: Path = DEFAULT_OUTPUT, patterns_dir: Path = PATTERNS_DIR) -> bool:
    """Write the pipeline to ``output``; returns False when it is already up to date."""
    import spacy

    digest = patterns_digest(patterns_dir)
    stamp = output / _STAMP
    if stamp.exists() and stamp.read_text() == digest:
        return False
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
    ruler.add_patterns(load_patterns(patterns_dir))
    nlp.meta["name"] = "sme_en"
    nlp.meta["description"] = "Blank English tokenizer plus profile EntityRuler for the SME assistant"
    output.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(output)
    stamp.write_text(digest)
    return True
