"""Profile facts from what the owner typed.

Rasa hands us entities from three places: the project's spaCy EntityRuler
(patterns built from ``data/patterns``), the trained DIET model, and button
payloads. This module turns them into typed profile values: it normalises
synonyms, reads head counts, and notices negation ("we don't take cards").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

from bot.guidance.profile import ATTRIBUTE_VALUES, BOOLEAN_ATTRIBUTES, parse_value, size_from_headcount
from bot.paths import DATA_DIR

VOCABULARY_FILE = DATA_DIR / "patterns" / "profile_vocabulary.yml"

# Which extractor to believe when two disagree: a button payload has no extractor.
_EXTRACTOR_RANK = {None: 0, "SpacyEntityExtractor": 1, "CRFEntityExtractor": 2, "DIETClassifier": 2}

_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90, "hundred": 100, "dozen": 12, "couple": 2, "few": 3,
}
_SOLO = re.compile(r"\b(just me|only me|myself|on my own|sole trader|self[- ]?employed|freelanc\w*|"
                   r"one[- ]?(man|woman|person))\b")
_NEGATION = re.compile(r"(\bno|\bnot|n't|\bnever|\bwithout|\bnone of|\bdont|\bdon't)\W+(\w+\W+){0,3}$")


@dataclass(frozen=True)
class Entity:
    """An entity as Rasa reports it."""

    label: str
    text: str
    value: Any = None
    start: int | None = None
    end: int | None = None
    extractor: str | None = None

    @classmethod
    def from_rasa(cls, raw: Mapping[str, Any], message: str) -> Entity:
        start, end = raw.get("start"), raw.get("end")
        text = message[start:end] if isinstance(start, int) and isinstance(end, int) else ""
        return cls(
            label=str(raw.get("entity", "")),
            text=text or str(raw.get("value", "")),
            value=raw.get("value"),
            start=start if isinstance(start, int) else None,
            end=end if isinstance(end, int) else None,
            extractor=raw.get("extractor"),
        )


@lru_cache(maxsize=1)
def vocabulary(path: Path = VOCABULARY_FILE) -> dict[str, dict[str, Any]]:
    """Phrase (lower case) to normalised value, per attribute."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    table: dict[str, dict[str, Any]] = {}
    for attribute, values in raw.items():
        table[attribute] = {}
        for value, phrases in values.items():
            typed = parse_value(attribute, value)
            stored = next(iter(typed)) if isinstance(typed, frozenset) else typed
            for phrase in phrases:
                table[attribute][str(phrase).lower()] = stored
    return table


def parse_headcount(text: str) -> int | None:
    """How many people a phrase like "12-person", "three of us" or "just me" means."""
    lowered = text.lower()
    if _SOLO.search(lowered):
        return 1
    digits = re.search(r"\d[\d,]*", lowered)
    if digits:
        return int(digits.group().replace(",", ""))
    total = 0
    for word in re.findall(r"[a-z]+", lowered):
        if word in _NUMBER_WORDS:
            number = _NUMBER_WORDS[word]
            total = total * number if number == 100 and total else total + number
    return total or None


def _negated(message: str, entity: Entity) -> bool:
    if entity.start is None:
        return False
    before = message[max(0, entity.start - 30): entity.start].lower()
    return bool(_NEGATION.search(before))


def _normalise(entity: Entity, message: str) -> tuple[str, Any] | None:
    """The (attribute, typed value) an entity stands for, or None if it means nothing to us."""
    if entity.label == "headcount":
        people = parse_headcount(entity.text or str(entity.value))
        return ("size", size_from_headcount(people)) if people else None
    if entity.label not in ATTRIBUTE_VALUES:
        return None
    attribute = entity.label
    value: Any = None
    for candidate in (entity.value, entity.text):
        if candidate is None:
            continue
        try:
            value = parse_value(attribute, candidate)
        except ValueError:
            value = vocabulary().get(attribute, {}).get(str(candidate).lower().strip())
        if value is not None:
            break
    if value is None:
        return None
    if isinstance(value, frozenset):
        value = next(iter(value))
    if _negated(message, entity):
        if attribute in BOOLEAN_ATTRIBUTES:
            value = not value if value is True else value
        elif attribute == "website" and value != "none" or attribute == "it_support" and value != "none":
            value = "none"
        elif attribute == "cloud":
            return None
    return attribute, value


def extract_facts(message: str, entities: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Profile values found in one message, keyed by attribute.

    ``cloud`` collects every service mentioned; for other attributes the most
    trusted extractor wins (button payload, then the EntityRuler, then DIET).
    """
    parsed = [Entity.from_rasa(raw, message) for raw in entities]
    parsed.sort(key=lambda e: _EXTRACTOR_RANK.get(e.extractor, 3))
    facts: dict[str, Any] = {}
    clouds: set[str] = set()
    for entity in parsed:
        found = _normalise(entity, message)
        if found is None:
            continue
        attribute, value = found
        if attribute == "cloud":
            clouds.add(value)
        elif attribute not in facts:
            facts[attribute] = value
    if clouds:
        if len(clouds) > 1:
            clouds.discard("none")
        facts["cloud"] = frozenset(clouds)
    return facts
