"""Button payloads as the words the business saw: ``/inform{"cloud": "microsoft_365"}`` -> its title.

A business that presses a button sends the button's payload, and that is what the
tracker (and so the analytics record) holds. Staff reading a transcript need the
button's label instead. Labels come from where the buttons are made: the responses in
``domain.yml`` (profile questions and menus), and the step buttons of
bot/guidance/replies.py, whose labels are the step's title from the knowledge base
with the button's verb. A payload found nowhere is described from its own parts
("Chose: cloud microsoft 365"), never shown raw.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import yaml

from bot.guidance.knowledge import default_knowledge_base
from bot.paths import PROJECT_ROOT

_PAYLOAD = re.compile(r"^/(?P<intent>[A-Za-z0-9_]+)(?P<entities>\{.*\})?$", re.DOTALL)
#: What each step button says before the step's title (bot/guidance/replies.py).
STEP_VERBS = {
    "commit_step": "I'll do this: ",
    "report_done": "Yes, it's done: ",
    "not_done_yet": "Not yet: ",
    "drop_step": "I'm not going to: ",
}


@dataclass(frozen=True)
class Shown:
    text: str
    button: bool  # the business pressed a button rather than typing


def _normal(payload: str) -> str:
    """A payload with its JSON part in one canonical spelling, for looking up."""
    found = _PAYLOAD.match(payload.strip())
    if not found:
        return payload.strip()
    entities = found.group("entities")
    if not entities:
        return "/" + found.group("intent")
    try:
        data = json.loads(entities)
    except ValueError:
        return payload.strip()
    return "/" + found.group("intent") + json.dumps(data, sort_keys=True)


@lru_cache(maxsize=1)
def domain_titles() -> dict[str, str]:
    """Every button of every response in domain.yml: payload -> title."""
    path = PROJECT_ROOT / "domain.yml"
    if not path.exists():
        return {}
    domain = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    titles: dict[str, str] = {}
    for variations in (domain.get("responses") or {}).values():
        for variation in variations or []:
            for button in (variation or {}).get("buttons") or []:
                if isinstance(button, dict) and button.get("payload") and button.get("title"):
                    titles.setdefault(_normal(str(button["payload"])), str(button["title"]))
    return titles


@lru_cache(maxsize=1)
def _step_titles() -> dict[str, str]:
    return {step.id: step.title for step in default_knowledge_base().all_steps()}


@lru_cache(maxsize=1)
def _topic_titles() -> dict[str, str]:
    return {topic_id: topic.title for topic_id, topic in default_knowledge_base().topics.items()}


def _plain(value: Any) -> str:
    return str(value).replace("_", " ")


def shown(text: str) -> Shown:
    """What a stored message showed the business: a typed text as it is, a payload as its label."""
    stripped = text.strip()
    found = _PAYLOAD.match(stripped)
    if not found:
        return Shown(text, False)
    title = domain_titles().get(_normal(stripped))
    if title is not None:
        return Shown(title, True)
    intent = found.group("intent")
    data: dict[str, Any] = {}
    if found.group("entities"):
        try:
            loaded = json.loads(found.group("entities"))
        except ValueError:
            loaded = {}
        data = loaded if isinstance(loaded, dict) else {}
    step = data.get("step_id") or data.get("action_id")
    if intent in STEP_VERBS and step is not None:
        return Shown(STEP_VERBS[intent] + _step_titles().get(str(step), _plain(step)), True)
    if intent.startswith("ask_") and intent[4:] in _topic_titles():
        return Shown(_topic_titles()[intent[4:]], True)
    if data:
        return Shown("Chose: " + ", ".join(f"{_plain(k)} {_plain(v)}" for k, v in data.items()), True)
    return Shown(_plain(intent).capitalize(), True)
