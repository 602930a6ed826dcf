"""Question-level answers: ``data/answers/<topic id>.yml``.

A topic file says what to do about a whole area; an answer says the one thing an
owner asked ("how long have we got to tell the ICO?": 72 hours). Each answer has
example questions in owners' own words, which train the answer selector, and a
direct answer of one to three sentences, point first. Variants replace the answer
for businesses whose profile matches (the nation for reporting routes, the email
service for set-up steps). Validation names the file, the answer and the field,
as for the topic files.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import yaml

from bot.guidance.knowledge.schema import (
    TOPIC_IDS,
    KnowledgeBaseError,
    _conditions,
    _require,
    _sources,
    count_sentences,
)
from bot.paths import PROJECT_ROOT

DEFAULT_ANSWERS_DIR = PROJECT_ROOT / "data" / "answers"

KINDS = ("question", "incident", "human")
MIN_QUESTIONS = 6
MIN_ANSWERS_PER_TOPIC = 8
MAX_ANSWER_SENTENCES = 3
MAX_ANSWER_WORDS = 70
MAX_STEPS = 3

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_PHONE = re.compile(r"^[0-9][0-9 ]{1,16}[0-9]$")
_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
_URL_IN_TEXT = re.compile(r"https?://|www\.", re.IGNORECASE)


@dataclass(frozen=True)
class Contact:
    """A way to reach someone that the reply shows as a link: a phone number, an email
    address or a web page. Only knowledge-base content makes these, never user text."""

    label: str
    kind: str  # "phone" | "email" | "url"
    value: str


@dataclass(frozen=True)
class Variant:
    """A replacement answer for businesses whose profile matches ``when``."""

    when: Mapping[str, tuple[Any, ...]]
    answer: str


@dataclass(frozen=True)
class Answer:
    id: str
    topic: str
    kind: str
    questions: tuple[str, ...]
    answer: str
    variants: tuple[Variant, ...]
    steps: tuple[str, ...]
    contacts: tuple[Contact, ...]
    sources: tuple[str, ...]


def normalise_question(text: str) -> str:
    """The form in which two example questions count as the same."""
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def _text(raw: Mapping[str, Any], key: str, where: tuple[str, str]) -> str:
    value = " ".join(_require(raw, key, str, where).split())
    sentences = count_sentences(value)
    if not 1 <= sentences <= MAX_ANSWER_SENTENCES:
        raise KnowledgeBaseError(where[0], where[1], key,
                                 f"must be 1 to {MAX_ANSWER_SENTENCES} sentences, has {sentences}")
    words = len(value.split())
    if words > MAX_ANSWER_WORDS:
        raise KnowledgeBaseError(where[0], where[1], key,
                                 f"has {words} words; keep it to {MAX_ANSWER_WORDS} or fewer")
    if _URL_IN_TEXT.search(value):
        raise KnowledgeBaseError(where[0], where[1], key,
                                 "must not hold a web address; put it in sources or contacts")
    return value


def _questions(raw: Mapping[str, Any], where: tuple[str, str]) -> tuple[str, ...]:
    questions = _require(raw, "questions", list, where)
    if len(questions) < MIN_QUESTIONS:
        raise KnowledgeBaseError(where[0], where[1], "questions",
                                 f"needs at least {MIN_QUESTIONS} example questions, has {len(questions)}")
    seen: dict[str, str] = {}
    cleaned: list[str] = []
    for question in questions:
        if not isinstance(question, str) or not question.strip():
            raise KnowledgeBaseError(where[0], where[1], "questions", "each question must be text")
        key = normalise_question(question)
        if key in seen:
            raise KnowledgeBaseError(where[0], where[1], "questions",
                                     f"{question!r} repeats {seen[key]!r}")
        seen[key] = question
        cleaned.append(" ".join(question.split()))
    return tuple(cleaned)


def _variants(raw: Any, where: tuple[str, str]) -> tuple[Variant, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise KnowledgeBaseError(where[0], where[1], "variants", "must be a list")
    variants = []
    for index, item in enumerate(raw):
        inner = (where[0], f"{where[1]} variants[{index}]")
        if not isinstance(item, dict) or set(item) - {"when", "answer"}:
            raise KnowledgeBaseError(*inner, "-", "each variant has exactly 'when' and 'answer'")
        when = _conditions(_require(item, "when", dict, inner), inner)
        variants.append(Variant(when=when, answer=_text(item, "answer", inner)))
    return tuple(variants)


def _contacts(raw: Any, where: tuple[str, str]) -> tuple[Contact, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise KnowledgeBaseError(where[0], where[1], "contacts", "must be a list")
    contacts = []
    for index, item in enumerate(raw):
        inner = (where[0], f"{where[1]} contacts[{index}]")
        if not isinstance(item, dict):
            raise KnowledgeBaseError(*inner, "-", "must be a mapping")
        kinds = [k for k in ("phone", "email", "url") if k in item]
        if len(kinds) != 1 or set(item) - {"label", "phone", "email", "url"}:
            raise KnowledgeBaseError(*inner, "-", "needs a label and exactly one of phone, email, url")
        kind = kinds[0]
        value = str(_require(item, kind, str, inner)).strip()
        valid = {"phone": _PHONE.match(value), "email": _EMAIL.match(value),
                 "url": value.startswith("https://") and " " not in value}[kind]
        if not valid:
            raise KnowledgeBaseError(*inner, kind, f"{value!r} is not a valid {kind}"
                                     + (" (https only)" if kind == "url" else ""))
        contacts.append(Contact(label=_require(item, "label", str, inner).strip(), kind=kind, value=value))
    return tuple(contacts)


def parse_answer(raw: Any, topic_id: str, source: str, index: int) -> Answer:
    entry = f"answers[{index}]"
    if not isinstance(raw, dict):
        raise KnowledgeBaseError(source, entry, "-", "each answer must be a mapping")
    if isinstance(raw.get("id"), str):
        entry = f"answer '{raw['id']}'"
    where = (source, entry)
    unknown = set(raw) - {"id", "kind", "questions", "answer", "variants", "steps", "contacts",
                          "sources"}
    if unknown:
        raise KnowledgeBaseError(source, entry, sorted(unknown)[0], "is not a known field")
    answer_id: str = _require(raw, "id", str, where)
    if not _ID.match(answer_id) or not answer_id.startswith(f"{topic_id}_"):
        raise KnowledgeBaseError(source, entry, "id", f"must be snake_case and start with '{topic_id}_'")
    kind = raw.get("kind", "question")
    if kind not in KINDS:
        raise KnowledgeBaseError(source, entry, "kind", f"{kind!r} is not one of {', '.join(KINDS)}")
    steps = raw.get("steps") or []
    if not isinstance(steps, list) or not all(isinstance(s, str) for s in steps):
        raise KnowledgeBaseError(source, entry, "steps", "must be a list of step ids")
    if len(steps) > MAX_STEPS:
        raise KnowledgeBaseError(source, entry, "steps", f"lists more than {MAX_STEPS} steps")
    return Answer(
        id=answer_id,
        topic=topic_id,
        kind=kind,
        questions=_questions(raw, where),
        answer=_text(raw, "answer", where),
        variants=_variants(raw.get("variants"), where),
        steps=tuple(steps),
        contacts=_contacts(raw.get("contacts"), where),
        sources=_sources(raw, where),
    )


def parse_answer_file(raw: Any, source: str, expected_topic: str) -> tuple[Answer, ...]:
    if not isinstance(raw, dict):
        raise KnowledgeBaseError(source, "file", "-", "must hold a mapping")
    topic = _require(raw, "topic", str, (source, "file"))
    if topic != expected_topic:
        raise KnowledgeBaseError(source, "file", "topic", f"{topic!r} does not match the file name")
    items = _require(raw, "answers", list, (source, "file"))
    answers = tuple(parse_answer(item, topic, source, i) for i, item in enumerate(items))
    seen: set[str] = set()
    for answer in answers:
        if answer.id in seen:
            raise KnowledgeBaseError(source, f"answer '{answer.id}'", "id", "is used twice")
        seen.add(answer.id)
    return answers


def _read(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise KnowledgeBaseError(path.name, "file", "-", f"is not valid YAML: {error}") from error


def load_answers(directory: Path = DEFAULT_ANSWERS_DIR, *, complete: bool = True) -> dict[str, Answer]:
    """Every answer by id, validated. ``complete`` also requires a file for each topic
    with at least ``MIN_ANSWERS_PER_TOPIC`` answers (off while content is being written)."""
    files = {path.stem: path for path in sorted(directory.glob("*.yml"))}
    extra = [name for name in files if name not in TOPIC_IDS]
    if extra:
        raise KnowledgeBaseError(str(directory), "answers", "-", f"unexpected files {', '.join(extra)}")
    answers: dict[str, Answer] = {}
    owners: dict[str, str] = {}
    for topic in TOPIC_IDS:
        if topic not in files:
            if complete:
                raise KnowledgeBaseError(str(directory), "answers", "-", f"missing file {topic}.yml")
            continue
        parsed = parse_answer_file(_read(files[topic]), files[topic].name, topic)
        if complete and len(parsed) < MIN_ANSWERS_PER_TOPIC:
            raise KnowledgeBaseError(files[topic].name, "file", "answers",
                                     f"needs at least {MIN_ANSWERS_PER_TOPIC} answers, has {len(parsed)}")
        for answer in parsed:
            where = (files[topic].name, f"answer '{answer.id}'")
            if answer.id in answers:
                raise KnowledgeBaseError(*where, "id", f"is also used in {answers[answer.id].topic}.yml")
            for question in answer.questions:
                key = normalise_question(question)
                if key in owners and owners[key] != answer.id:
                    raise KnowledgeBaseError(*where, "questions",
                                             f"{question!r} is also an example of {owners[key]}")
                owners[key] = answer.id
            answers[answer.id] = answer
    return answers


def check_steps(answers: Mapping[str, Answer], step_ids: Sequence[str]) -> None:
    """Every step an answer names must exist in the topic files."""
    known = set(step_ids)
    for answer in answers.values():
        for step in answer.steps:
            if step not in known:
                raise KnowledgeBaseError(f"{answer.topic}.yml", f"answer '{answer.id}'", "steps",
                                         f"{step!r} is not a step id in data/guidance")


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m bot.guidance.knowledge.answers [FILE ...]``: validate answer files and show each
    answer's reading ease, for content authors."""
    import textstat

    from bot.guidance.knowledge.loader import load_topics

    args = list(sys.argv[1:] if argv is None else argv)
    paths = [Path(a) for a in args] or sorted(DEFAULT_ANSWERS_DIR.glob("*.yml"))
    step_ids = [s.id for t in load_topics().values() for s in t.steps]
    failed = False
    for path in paths:
        try:
            answers = {a.id: a for a in parse_answer_file(_read(path), path.name, path.stem)}
            check_steps(answers, step_ids)
        except KnowledgeBaseError as error:
            print(f"ERROR {error}")
            failed = True
            continue
        low = []
        for answer in answers.values():
            for text in (answer.answer, *(v.answer for v in answer.variants)):
                score = textstat.flesch_reading_ease(text)
                if score < 60:
                    low.append(f"  Flesch {score:.1f} < 60: {answer.id}: {text[:70]}")
        print(f"{path.name}: {len(answers)} answers, "
              f"{sum(len(a.questions) for a in answers.values())} example questions")
        for line in low:
            print(line)
        failed = failed or bool(low)
    if paths and paths[0].parent.resolve() == DEFAULT_ANSWERS_DIR.resolve():
        try:
            load_answers(complete=not args)
        except KnowledgeBaseError as error:
            print(f"ERROR {error}")
            failed = True
    return 1 if failed else 0


_DEFAULT: dict[str, Answer] | None = None


def default_answers() -> dict[str, Answer]:
    """The project's answers, validated against the topic files' steps, loaded once per process."""
    global _DEFAULT
    if _DEFAULT is None:
        from bot.guidance.knowledge.loader import default_knowledge_base

        answers = load_answers()
        check_steps(answers, [s.id for t in default_knowledge_base().topics.values() for s in t.steps])
        _DEFAULT = answers
    return _DEFAULT


if __name__ == "__main__":
    raise SystemExit(main())
