"""The shape of the guidance knowledge base, and its validation.

Validation is hand-checked field by field so that every error names the file,
the entry and the field: content authors are not expected to read a JSON-schema
stack trace.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping
from urllib.parse import urlsplit

from bot.guidance.profile import ATTRIBUTE_VALUES
from bot.guidance.risk import THREAT_IDS

TOPIC_IDS = (
    "backups",
    "malware",
    "updates",
    "devices",
    "passwords",
    "phishing",
    "payment_fraud",
    "ransomware",
    "incident_response",
    "personal_data",
    "card_payments",
    "website",
    "email_security",
    "cloud",
    "remote_working",
    "network",
    "access_control",
    "staff_training",
    "suppliers",
    "cyber_essentials",
    "cyber_insurance",
    "social_media",
)

WHO = ("owner", "all_staff", "it_provider")
EFFORT = ("minutes", "hours", "days")
COST = ("free", "low", "medium", "high")
MIN_STEPS_PER_TOPIC = 4
MAX_TITLE_LENGTH = 60
MAX_WHY_LENGTH = 120

_STEP_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_SENTENCE_END = re.compile(r"[.!?](?:\s|$)")
_UNSAFE_IN_URL = re.compile(r"[\s\"'<>\\`\x00-\x1f\x7f]")


class KnowledgeBaseError(ValueError):
    """A knowledge-base file is malformed; the message says where and why."""

    def __init__(self, source: str, entry: str, field_name: str, problem: str) -> None:
        self.source = source
        self.entry = entry
        self.field_name = field_name
        self.problem = problem
        super().__init__(f"{source}: {entry}: field '{field_name}': {problem}")


@dataclass(frozen=True)
class Step:
    """One thing a business can do, with the conditions under which it applies."""

    id: str
    topic: str
    title: str
    text: str
    why: str
    who: str
    effort: str
    cost: str
    must_do: bool
    priority: int
    applies_when: Mapping[str, tuple[Any, ...]]
    sources: tuple[str, ...]
    #: Steps that are one idea told in several topics share a concept; a plan holds one.
    concept: str | None = None
    #: Threat id to the share of that threat the step removes (0 to 1); overrides the
    #: topic's defaults in bot/guidance/risk.py. See docs/risk-model.md.
    reduces: Mapping[str, float] | None = None


@dataclass(frozen=True)
class Topic:
    id: str
    title: str
    summary: str
    steps: tuple[Step, ...]


def _require(
    data: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: tuple[str, str]
) -> Any:
    source, entry = where
    if key not in data or data[key] is None:
        raise KnowledgeBaseError(source, entry, key, "is missing")
    value = data[key]
    if isinstance(value, bool) and kind is int:
        raise KnowledgeBaseError(source, entry, key, "must be a whole number")
    if not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise KnowledgeBaseError(source, entry, key, f"must be a {names}, got {value!r}")
    if isinstance(value, str) and not value.strip():
        raise KnowledgeBaseError(source, entry, key, "must not be empty")
    return value


def _choice(data: Mapping[str, Any], key: str, allowed: tuple[str, ...], where: tuple[str, str]) -> str:
    value: str = _require(data, key, str, where)
    if value not in allowed:
        raise KnowledgeBaseError(where[0], where[1], key, f"{value!r} is not one of {', '.join(allowed)}")
    return value


def is_safe_https_url(value: Any) -> bool:
    """Whether ``value`` may be shown as a link: ``https`` with a host name, no user name or
    password, and no spaces, quotes, angle brackets or control characters. The widget and the
    plan page turn these into links, so ``javascript:``, ``data:`` and plain ``http:`` never pass."""
    if not isinstance(value, str) or _UNSAFE_IN_URL.search(value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return (parts.scheme == "https" and value.startswith("https://") and bool(parts.hostname)
            and "." in (parts.hostname or "") and "@" not in parts.netloc)


def _sources(data: Mapping[str, Any], where: tuple[str, str]) -> tuple[str, ...]:
    sources = _require(data, "sources", list, where)
    if not sources:
        raise KnowledgeBaseError(where[0], where[1], "sources", "needs at least one URL")
    for url in sources:
        if not is_safe_https_url(url):
            raise KnowledgeBaseError(where[0], where[1], "sources", f"{url!r} is not an https URL")
    return tuple(sources)


def _conditions(raw: Any, where: tuple[str, str]) -> dict[str, tuple[Any, ...]]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise KnowledgeBaseError(where[0], where[1], "applies_when", "must be a mapping")
    conditions: dict[str, tuple[Any, ...]] = {}
    for attribute, values in raw.items():
        field_name = f"applies_when.{attribute}"
        if attribute not in ATTRIBUTE_VALUES:
            allowed = ", ".join(ATTRIBUTE_VALUES)
            raise KnowledgeBaseError(
                where[0], where[1], field_name, f"unknown attribute; use one of {allowed}"
            )
        if not isinstance(values, list) or not values:
            raise KnowledgeBaseError(where[0], where[1], field_name, "must be a non-empty list")
        for value in values:
            if value not in ATTRIBUTE_VALUES[attribute] or isinstance(value, bool) != isinstance(
                ATTRIBUTE_VALUES[attribute][0], bool
            ):
                allowed = ", ".join(str(v).lower() for v in ATTRIBUTE_VALUES[attribute])
                raise KnowledgeBaseError(
                    where[0], where[1], field_name, f"{value!r} is not one of {allowed}"
                )
        conditions[attribute] = tuple(values)
    return conditions


def parse_step(raw: Any, topic_id: str, source: str, index: int) -> Step:
    entry = f"steps[{index}]"
    if not isinstance(raw, dict):
        raise KnowledgeBaseError(source, entry, "-", "each step must be a mapping")
    if isinstance(raw.get("id"), str):
        entry = f"step '{raw['id']}'"
    where = (source, entry)
    step_id: str = _require(raw, "id", str, where)
    if not _STEP_ID.match(step_id) or not step_id.startswith(f"{topic_id}_"):
        raise KnowledgeBaseError(
            source, entry, "id", f"must be snake_case and start with '{topic_id}_'"
        )
    title: str = _require(raw, "title", str, where)
    if len(title) > MAX_TITLE_LENGTH:
        raise KnowledgeBaseError(source, entry, "title", f"is longer than {MAX_TITLE_LENGTH} characters")
    why: str = _require(raw, "why", str, where)
    if len(why) > MAX_WHY_LENGTH:
        raise KnowledgeBaseError(source, entry, "why", f"is longer than {MAX_WHY_LENGTH} characters")
    priority: int = _require(raw, "priority", int, where)
    if not 1 <= priority <= 5:
        raise KnowledgeBaseError(source, entry, "priority", "must be between 1 and 5")
    unknown = set(raw) - {
        "id", "title", "text", "why", "who", "effort", "cost", "must_do", "priority",
        "applies_when", "sources", "concept", "reduces",
    }
    if unknown:
        raise KnowledgeBaseError(source, entry, sorted(unknown)[0], "is not a known field")
    return Step(
        id=step_id,
        topic=topic_id,
        title=title.strip(),
        text=" ".join(_require(raw, "text", str, where).split()),
        why=why.strip(),
        who=_choice(raw, "who", WHO, where),
        effort=_choice(raw, "effort", EFFORT, where),
        cost=_choice(raw, "cost", COST, where),
        must_do=_require(raw, "must_do", bool, where),
        priority=priority,
        applies_when=_conditions(raw.get("applies_when"), where),
        sources=_sources(raw, where),
        concept=_concept(raw.get("concept"), where),
        reduces=_reductions(raw.get("reduces"), where),
    )


def _concept(raw: Any, where: tuple[str, str]) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str) or not _STEP_ID.match(raw):
        raise KnowledgeBaseError(where[0], where[1], "concept", "must be a snake_case name")
    return raw


def _reductions(raw: Any, where: tuple[str, str]) -> dict[str, float] | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or not raw:
        raise KnowledgeBaseError(where[0], where[1], "reduces", "must map threats to numbers")
    reductions: dict[str, float] = {}
    for threat, share in raw.items():
        if threat not in THREAT_IDS:
            raise KnowledgeBaseError(where[0], where[1], f"reduces.{threat}",
                                     f"unknown threat; use one of {', '.join(THREAT_IDS)}")
        if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 < share <= 1:
            raise KnowledgeBaseError(where[0], where[1], f"reduces.{threat}",
                                     "must be a share above 0 and at most 1")
        reductions[threat] = float(share)
    return reductions


def count_sentences(text: str) -> int:
    return len(_SENTENCE_END.findall(text.strip()))


def parse_topic(raw: Any, source: str, expected_id: str) -> Topic:
    if not isinstance(raw, dict):
        raise KnowledgeBaseError(source, "topic", "-", "the file must hold a mapping")
    where = (source, "topic")
    topic_id: str = _require(raw, "id", str, where)
    if topic_id != expected_id:
        raise KnowledgeBaseError(source, "topic", "id", f"{topic_id!r} does not match the file name")
    if topic_id not in TOPIC_IDS:
        raise KnowledgeBaseError(source, "topic", "id", f"{topic_id!r} is not a known topic id")
    summary = " ".join(_require(raw, "summary", str, where).split())
    if count_sentences(summary) != 2:
        raise KnowledgeBaseError(source, "topic", "summary", "must be exactly two sentences")
    steps_raw = _require(raw, "steps", list, where)
    if len(steps_raw) < MIN_STEPS_PER_TOPIC:
        raise KnowledgeBaseError(
            source, "topic", "steps", f"needs at least {MIN_STEPS_PER_TOPIC} steps"
        )
    steps = tuple(
        parse_step(item, topic_id, source, index) for index, item in enumerate(steps_raw)
    )
    seen: set[str] = set()
    for step in steps:
        if step.id in seen:
            raise KnowledgeBaseError(source, f"step '{step.id}'", "id", "is used twice")
        seen.add(step.id)
    return Topic(
        id=topic_id,
        title=_require(raw, "title", str, where).strip(),
        summary=summary,
        steps=steps,
    )
