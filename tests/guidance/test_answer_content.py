"""The answers in data/answers: complete, sourced, plain, and validated with clear errors."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import textstat
import yaml

from bot.guidance.knowledge import TOPIC_IDS, KnowledgeBaseError, default_knowledge_base
from bot.guidance.knowledge.answers import (
    MIN_ANSWERS_PER_TOPIC,
    default_answers,
    load_answers,
    normalise_question,
)

ANSWERS = default_answers()
GOOD = {"topic": "backups", "answers": [{
    "id": "backups_example", "questions": [f"example question number {n}" for n in range(6)],
    "answer": "Back up every day. Keep one copy away from the office.",
    "steps": ["backups_offsite"], "sources": ["https://www.ncsc.gov.uk/collection/small-business-guide"],
}]}


def test_every_topic_has_enough_answers_and_every_answer_its_sources():
    per_topic = Counter(a.topic for a in ANSWERS.values())
    assert set(per_topic) == set(TOPIC_IDS)
    assert min(per_topic.values()) >= MIN_ANSWERS_PER_TOPIC
    assert len(ANSWERS) >= 300
    for answer in ANSWERS.values():
        assert answer.sources and all(url.startswith("https://") for url in answer.sources), answer.id
        assert len(answer.questions) >= 6, answer.id


def test_answers_are_plain_english():
    for answer in ANSWERS.values():
        for text in (answer.answer, *(v.answer for v in answer.variants)):
            assert textstat.flesch_reading_ease(text) >= 60, (answer.id, text)


def test_step_and_topic_titles_read_easily_together():
    # A five-word title on its own gives Flesch no sentence to measure, so titles are read as
    # the list an owner sees.
    topics = default_knowledge_base().topics.values()
    titles = ". ".join(s.title for t in topics for s in t.steps) + "."
    assert textstat.flesch_reading_ease(titles) >= 60
    assert textstat.flesch_reading_ease(". ".join(t.title for t in topics) + ".") >= 60


def test_no_example_question_belongs_to_two_answers():
    owners = Counter(normalise_question(q) for a in ANSWERS.values() for q in a.questions)
    assert [q for q, n in owners.items() if n > 1] == []


def _write(tmp_path: Path, content: dict) -> Path:
    directory = tmp_path / "answers"
    directory.mkdir()
    (directory / "backups.yml").write_text(yaml.safe_dump(content), encoding="utf-8")
    return directory


@pytest.mark.parametrize("change,field", [
    (lambda a: a.update(colour="red"), "colour"),
    (lambda a: a.update(answer="One. Two. Three. Four."), "answer"),
    (lambda a: a.update(questions=a["questions"][:2]), "questions"),
    (lambda a: a.update(contacts=[{"label": "Bad", "url": "javascript:alert(1)"}]), "url"),
    (lambda a: a.update(contacts=[{"label": "Plain", "url": "http://example.org/"}]), "url"),
    (lambda a: a.update(answer="Go to https://example.org now."), "answer"),
    (lambda a: a.update(id="phishing_example"), "id"),
    (lambda a: a.update(kind="rumour"), "kind"),
])
def test_a_bad_answer_is_refused_naming_file_entry_and_field(tmp_path, change, field):
    content = yaml.safe_load(yaml.safe_dump(GOOD))
    change(content["answers"][0])
    with pytest.raises(KnowledgeBaseError) as error:
        load_answers(_write(tmp_path, content), complete=False)
    message = str(error.value)
    assert "backups.yml" in message and field in message


def test_a_good_answer_loads(tmp_path):
    loaded = load_answers(_write(tmp_path, GOOD), complete=False)
    assert loaded["backups_example"].steps == ("backups_offsite",)
