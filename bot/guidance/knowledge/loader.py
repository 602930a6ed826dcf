"""Loading the knowledge base from ``data/guidance`` and ``data/incidents.yml``."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.guidance.knowledge.answers import Contact, _contacts
from bot.guidance.knowledge.schema import (
    TOPIC_IDS,
    KnowledgeBaseError,
    Step,
    Topic,
    _require,
    _sources,
    parse_topic,
)
from bot.guidance.profile import NATIONS
from bot.paths import PROJECT_ROOT

DEFAULT_GUIDANCE_DIR = PROJECT_ROOT / "data" / "guidance"
DEFAULT_INCIDENTS_FILE = PROJECT_ROOT / "data" / "incidents.yml"


@dataclass(frozen=True)
class Incident:
    id: str
    title: str
    topic: str
    match: tuple[str, ...]
    steps: tuple[str, ...]
    sources: tuple[str, ...]
    report_to: tuple[str, ...] = ()  # route ids; empty means every route


@dataclass(frozen=True)
class ReportingRoute:
    id: str
    text: str
    nations: tuple[str, ...]
    when: str
    sources: tuple[str, ...]
    contacts: tuple[Contact, ...] = ()  # the route's numbers, addresses and pages, as links


@dataclass(frozen=True)
class KnowledgeBase:
    topics: dict[str, Topic]
    incidents: dict[str, Incident]
    reporting: tuple[ReportingRoute, ...]

    def step(self, step_id: str) -> Step | None:
        topic_id = next((t for t in self.topics if step_id.startswith(f"{t}_")), None)
        if topic_id is None:
            return None
        return next((a for a in self.topics[topic_id].steps if a.id == step_id), None)

    def all_steps(self) -> list[Step]:
        return [step for topic in self.topics.values() for step in topic.steps]


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise KnowledgeBaseError(path.name, "file", "-", f"is not valid YAML: {error}") from error


def load_topics(directory: Path = DEFAULT_GUIDANCE_DIR) -> dict[str, Topic]:
    """Load and validate every topic file; the set of files must match TOPIC_IDS exactly."""
    files = {path.stem: path for path in sorted(directory.glob("*.yml"))}
    missing = [topic for topic in TOPIC_IDS if topic not in files]
    if missing:
        raise KnowledgeBaseError(str(directory), "topics", "-", f"missing files for {', '.join(missing)}")
    extra = [name for name in files if name not in TOPIC_IDS]
    if extra:
        raise KnowledgeBaseError(str(directory), "topics", "-", f"unexpected files {', '.join(extra)}")
    topics = {topic_id: parse_topic(_read_yaml(files[topic_id]), files[topic_id].name, topic_id)
              for topic_id in TOPIC_IDS}
    owners: dict[str, str] = {}
    for topic in topics.values():
        for step in topic.steps:
            if step.id in owners:
                raise KnowledgeBaseError(
                    f"{topic.id}.yml", f"step '{step.id}'", "id",
                    f"is also used in {owners[step.id]}.yml",
                )
            owners[step.id] = topic.id
    return topics


def _parse_incident(raw: Any, source: str, index: int) -> Incident:
    entry = f"incidents[{index}]"
    if not isinstance(raw, dict):
        raise KnowledgeBaseError(source, entry, "-", "must be a mapping")
    where = (source, entry)
    topic: str = _require(raw, "topic", str, where)
    if topic not in TOPIC_IDS:
        raise KnowledgeBaseError(source, entry, "topic", f"{topic!r} is not a topic id")
    steps = _require(raw, "steps", list, where)
    if not steps or not all(isinstance(step, str) and step.strip() for step in steps):
        raise KnowledgeBaseError(source, entry, "steps", "must be a non-empty list of text")
    match = raw.get("match") or []
    if not isinstance(match, list) or not all(isinstance(word, str) for word in match):
        raise KnowledgeBaseError(source, entry, "match", "must be a list of words or phrases")
    report_to = raw.get("report_to") or []
    if not isinstance(report_to, list) or not all(isinstance(r, str) for r in report_to):
        raise KnowledgeBaseError(source, entry, "report_to", "must be a list of reporting route ids")
    return Incident(
        report_to=tuple(report_to),
        id=_require(raw, "id", str, where),
        title=_require(raw, "title", str, where),
        topic=topic,
        match=tuple(word.lower() for word in match),
        steps=tuple(" ".join(step.split()) for step in steps),
        sources=_sources(raw, where),
    )


def _parse_route(raw: Any, source: str, index: int) -> ReportingRoute:
    entry = f"reporting[{index}]"
    if not isinstance(raw, dict):
        raise KnowledgeBaseError(source, entry, "-", "must be a mapping")
    where = (source, entry)
    nations = raw.get("nations") or list(NATIONS)
    if not isinstance(nations, list) or any(nation not in NATIONS for nation in nations):
        raise KnowledgeBaseError(source, entry, "nations", f"must list values from {', '.join(NATIONS)}")
    when = raw.get("when", "always")
    if when not in ("always", "personal_data"):
        raise KnowledgeBaseError(source, entry, "when", "must be 'always' or 'personal_data'")
    return ReportingRoute(
        id=_require(raw, "id", str, where),
        text=" ".join(_require(raw, "text", str, where).split()),
        nations=tuple(nations),
        when=when,
        sources=_sources(raw, where),
        contacts=_contacts(raw.get("contacts"), where),
    )


def load_incidents(
    path: Path = DEFAULT_INCIDENTS_FILE,
) -> tuple[dict[str, Incident], tuple[ReportingRoute, ...]]:
    raw = _read_yaml(path)
    if not isinstance(raw, dict):
        raise KnowledgeBaseError(path.name, "file", "-", "must hold a mapping")
    incidents_raw = _require(raw, "incidents", list, (path.name, "file"))
    routes_raw = _require(raw, "reporting", list, (path.name, "file"))
    incidents = [_parse_incident(item, path.name, i) for i, item in enumerate(incidents_raw)]
    if "general" not in {incident.id for incident in incidents}:
        raise KnowledgeBaseError(path.name, "incidents", "id", "needs a 'general' incident as the fallback")
    routes = tuple(_parse_route(item, path.name, i) for i, item in enumerate(routes_raw))
    route_ids = {route.id for route in routes}
    for index, incident in enumerate(incidents):
        unknown = [r for r in incident.report_to if r not in route_ids]
        if unknown:
            raise KnowledgeBaseError(path.name, f"incidents[{index}]", "report_to",
                                     f"unknown route {unknown[0]!r}")
    return {incident.id: incident for incident in incidents}, routes


def load_knowledge_base(
    guidance_dir: Path = DEFAULT_GUIDANCE_DIR, incidents_file: Path = DEFAULT_INCIDENTS_FILE
) -> KnowledgeBase:
    topics = load_topics(guidance_dir)
    incidents, routes = load_incidents(incidents_file)
    return KnowledgeBase(topics=topics, incidents=incidents, reporting=routes)


@lru_cache(maxsize=1)
def default_knowledge_base() -> KnowledgeBase:
    """The project's knowledge base, loaded once per process."""
    return load_knowledge_base()
