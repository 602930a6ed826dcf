"""The reply contract: every ``custom`` payload the assistant sends, defined once.

The widget, the analytics record and the tests read these payloads, so their keys and
shapes are part of the product. The replies (``bot/guidance/replies.py``), the checks
(``bot/checks/reply.py``) and the REST channel build them only through the builders
here; the ingest parser reads them only through ``Key``. ``json_schema()`` gives the same
definitions as a JSON Schema, written to ``docs/reply-contract.schema.json`` for the
widget's authors (a test keeps the file and the widget in step with this module).

Older conversations in the tracker store used ``action`` and ``actions`` for what is now
a ``step``; the parser still reads them (``LEGACY_STEP``, ``LEGACY_STEPS``).
"""

from __future__ import annotations

import json
import sys
from typing import Any, Literal, Mapping, Sequence, TypedDict, Union

from typing_extensions import NotRequired, get_args, get_origin, get_type_hints


class Key:
    """The payload keys, for code that reads payloads back."""

    TOPIC = "topic"
    ANSWER = "answer"
    STEPS = "steps"
    PLAN = "plan"
    COMMITMENT = "commitment"
    DONE = "done"
    FOLLOW_UP = "follow_up"
    FOLLOW_UP_ANSWER = "follow_up_answer"
    CHECK = "check"
    INCIDENT = "incident"
    REPORTING = "reporting"
    REFUSED = "refused"
    LINKS = "links"
    HUMAN = "human"
    LANGUAGE = "language"
    STEP = "step"
    STATUS = "status"
    ID = "id"
    KIND = "kind"
    OUTCOME = "outcome"
    FINDINGS = "findings"
    LEGACY_STEP = "action"
    LEGACY_STEPS = "actions"


class StepEntry(TypedDict):
    """A guidance step as shown under an answer or in a plan."""

    id: str
    topic: str
    title: str
    why: str
    who: str
    effort: str
    cost: str
    must_do: bool
    sources: list[str]


class PlanEntry(TypedDict):
    topic: str
    step: str
    title: str


class StepRef(TypedDict):
    topic: str
    step: str


class FollowUpAnswer(TypedDict):
    topic: str
    step: str
    status: Literal["not_yet", "dropped"]


class Finding(TypedDict):
    id: str
    status: Literal["pass", "warning", "fail"]
    message: str


#: How many findings had each status ("pass" is a Python keyword, hence this syntax).
CheckCounts = TypedDict("CheckCounts", {"pass": int, "warning": int, "fail": int})


class CheckPayload(TypedDict):
    kind: Literal["website", "email_domain"]
    outcome: Literal["checked", "refused", "unreachable", "rate_limited"]
    findings: list[Finding]
    notes: list[str]
    counts: CheckCounts


class Link(TypedDict):
    """A contact from the knowledge base, shown as a link. ``href`` is ``https:``, ``tel:`` or
    ``mailto:`` and is built here from validated content, never from what a visitor typed."""

    kind: Literal["url", "phone", "email"]
    label: str
    href: str


class Custom(TypedDict):
    """Every key any reply may carry; a reply carries only the keys of its kind."""

    topic: NotRequired[str]
    answer: NotRequired[str]
    steps: NotRequired[list[StepEntry]]
    plan: NotRequired[list[PlanEntry]]
    commitment: NotRequired[StepRef]
    done: NotRequired[StepRef]
    follow_up: NotRequired[StepRef]
    follow_up_answer: NotRequired[FollowUpAnswer]
    check: NotRequired[CheckPayload]
    incident: NotRequired[str]
    reporting: NotRequired[list[str]]
    refused: NotRequired[str]
    links: NotRequired[list[Link]]
    human: NotRequired[bool]
    language: NotRequired[str]


# ---- builders ---------------------------------------------------------------------------


def guidance(topic: str, steps: Sequence[StepEntry] = (), *, answer: str | None = None,
             links: Sequence[Link] = (), human: bool = False, language: str | None = None,
             incident: str | None = None, reporting: Sequence[str] = ()) -> Custom:
    """A guidance reply: its topic, the steps offered with it, the answer id if a specific
    answer was given, the contacts it names, whether the owner asked for a person, the
    language of the message when it was not English, and for an incident which one it was
    and the reporting routes given."""
    custom: Custom = {"topic": topic}
    if answer is not None:
        custom["answer"] = answer
    if steps:
        custom["steps"] = list(steps)
    if links:
        custom["links"] = list(links)
    if human:
        custom["human"] = True
    if language is not None:
        custom["language"] = language
    if incident is not None:
        custom["incident"] = incident
        custom["reporting"] = list(reporting)
    return custom


def language_only(language: str, links: Sequence[Link] = ()) -> Custom:
    """A reply to a message in a language the assistant does not answer in, with where to
    get help in that language."""
    custom: Custom = {"language": language}
    if links:
        custom["links"] = list(links)
    return custom


def topic_only(topic: str) -> Custom:
    return {"topic": topic}


def plan(entries: Sequence[PlanEntry], steps: Sequence[StepEntry]) -> Custom:
    return {"plan": list(entries), "steps": list(steps)}


def plan_entry(topic: str, step: str, title: str) -> PlanEntry:
    return {"topic": topic, "step": step, "title": title}


def step_entry(*, id: str, topic: str, title: str, why: str, who: str, effort: str, cost: str,
               must_do: bool, sources: Sequence[str]) -> StepEntry:
    return {"id": id, "topic": topic, "title": title, "why": why, "who": who, "effort": effort,
            "cost": cost, "must_do": must_do, "sources": list(sources)}


def commitment(topic: str, step: str) -> Custom:
    return {"commitment": {"topic": topic, "step": step}}


def done(topic: str, step: str) -> Custom:
    return {"done": {"topic": topic, "step": step}}


def follow_up(topic: str, step: str) -> Custom:
    return {"follow_up": {"topic": topic, "step": step}}


def follow_up_answer(topic: str, step: str, status: Literal["not_yet", "dropped"]) -> Custom:
    return {"follow_up_answer": {"topic": topic, "step": step, "status": status}}


def check(topic: str, payload: CheckPayload) -> Custom:
    return {"topic": topic, "check": payload}


def check_payload(kind: Literal["website", "email_domain"],
                  outcome: Literal["checked", "refused", "unreachable", "rate_limited"],
                  findings: Sequence[Finding], notes: Sequence[str]) -> CheckPayload:
    counts: CheckCounts = {"pass": 0, "warning": 0, "fail": 0}
    for item in findings:
        counts[item["status"]] += 1
    return {"kind": kind, "outcome": outcome, "findings": list(findings), "notes": list(notes),
            "counts": counts}


def finding(id: str, status: Literal["pass", "warning", "fail"], message: str) -> Finding:
    return {"id": id, "status": status, "message": message}


def incident(topic: str, incident_id: str, routes: Sequence[str], links: Sequence[Link] = ()) -> Custom:
    custom: Custom = {"topic": topic, "incident": incident_id, "reporting": list(routes)}
    if links:
        custom["links"] = list(links)
    return custom


def refused(reason: str) -> Custom:
    return {"refused": reason}


def link(kind: Literal["url", "phone", "email"], label: str, value: str) -> Link:
    """A contact as a link: the ``href`` is built from the value by its kind."""
    if kind == "url":
        if not value.startswith("https://"):
            raise ValueError(f"only https links may be sent, got {value!r}")
        href = value
    elif kind == "phone":
        digits = "".join(ch for ch in value if ch.isdigit())
        if not digits:
            raise ValueError(f"{value!r} is not a phone number")
        href = f"tel:{digits}"
    else:
        if "@" not in value or any(ch in value for ch in " <>\"'?&#"):
            raise ValueError(f"{value!r} is not a plain email address")
        href = f"mailto:{value}"
    return {"kind": kind, "label": label, "href": href}


# ---- button payloads --------------------------------------------------------------------


def step_payload(intent: str, step_id: str) -> str:
    """A button's message: ``/commit_step{"step_id": "..."}`` and the like."""
    return "/" + intent + json.dumps({"step_id": step_id}, separators=(", ", ": "))


# ---- JSON Schema ------------------------------------------------------------------------

_PRIMITIVES: dict[Any, str] = {str: "string", bool: "boolean", int: "integer", float: "number"}


def _schema_of(kind: Any) -> dict[str, Any]:
    if kind in _PRIMITIVES:
        return {"type": _PRIMITIVES[kind]}
    origin = get_origin(kind)
    if origin is Literal:
        return {"enum": list(get_args(kind))}
    if origin is list:
        return {"type": "array", "items": _schema_of(get_args(kind)[0])}
    if origin is Union:
        return {"anyOf": [_schema_of(arg) for arg in get_args(kind)]}
    if isinstance(kind, type) and issubclass(kind, dict) and hasattr(kind, "__annotations__"):
        return _object_schema(kind)
    raise TypeError(f"no JSON Schema for {kind!r}")


def _object_schema(kind: type) -> dict[str, Any]:
    hints = _hints(kind)
    properties: dict[str, Any] = {}
    required: list[str] = []
    for name, hint in hints.items():
        optional = get_origin(hint) is NotRequired
        properties[name] = _schema_of(get_args(hint)[0] if optional else hint)
        if not optional:
            required.append(name)
    schema: dict[str, Any] = {"type": "object", "properties": properties,
                              "additionalProperties": False}
    if required:
        schema["required"] = required
    if kind.__doc__ and kind.__module__ == __name__ and not kind.__doc__.startswith(kind.__name__):
        schema["description"] = " ".join(kind.__doc__.split())
    return schema


def _hints(kind: type) -> Mapping[str, Any]:
    hints: Mapping[str, Any] = get_type_hints(kind, globalns=vars(sys.modules[__name__]),
                                              include_extras=True)
    return hints


def json_schema() -> dict[str, Any]:
    """The ``custom`` object of a reply, as a JSON Schema (draft 2020-12)."""
    schema = _object_schema(Custom)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "custom: the structured part of an assistant reply", **schema}


def main() -> None:
    """``python -m bot.reply_contract``: print the JSON Schema."""
    print(json.dumps(json_schema(), indent=2, sort_keys=False))


if __name__ == "__main__":
    main()
