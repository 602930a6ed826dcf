"""The knowledge base loads, is complete, readable, and bad files fail clearly."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import textstat
import yaml

from bot.guidance.knowledge import TOPIC_IDS, KnowledgeBaseError, load_knowledge_base
from bot.guidance.knowledge.loader import DEFAULT_GUIDANCE_DIR, DEFAULT_INCIDENTS_FILE

MIN_FLESCH = 60


@pytest.fixture(scope="module")
def kb():
    return load_knowledge_base()


def test_exactly_the_required_topics(kb):
    assert sorted(kb.topics) == sorted(TOPIC_IDS)
    assert len(TOPIC_IDS) == 22


def test_every_topic_has_title_summary_and_four_steps(kb):
    for topic in kb.topics.values():
        assert topic.title
        assert len(topic.steps) >= 4, topic.id


def test_every_step_is_complete(kb):
    for step in kb.all_steps():
        assert step.who in {"owner", "all_staff", "it_provider"}
        assert step.effort and step.cost
        assert step.sources and all(url.startswith("https://") for url in step.sources)


def test_official_must_dos_are_flagged(kb):
    """Must-do means a legal duty or a Cyber Essentials fail point, nothing else.

    Cyber Essentials fails a business without two-step verification on cloud services,
    without updates within 14 days or with unsupported software; the law asks for breach
    reports and processor contracts. Backups matter, but neither makes them a must-do
    (content review, December 2026: must-do had lost its meaning at 23 of 138 steps).
    """
    must = {a.id for a in kb.all_steps() if a.must_do}
    assert {"cloud_mfa_everyone", "updates_14_days", "updates_replace_unsupported",
            "personal_data_breach_72_hours", "suppliers_data_contracts"} <= must
    assert not any(step.startswith(("backups_", "phishing_", "social_media_")) for step in must)
    assert len(must) <= 20


def test_conditions_keep_card_advice_to_card_takers(kb):
    for step in kb.topics["card_payments"].steps:
        assert step.applies_when.get("card_payments") == (True,), step.id


def test_every_step_text_is_plain_english(kb):
    scores = {a.id: textstat.flesch_reading_ease(a.text) for a in kb.all_steps()}
    hard = {k: v for k, v in scores.items() if v < MIN_FLESCH}
    assert not hard, f"Flesch reading ease below {MIN_FLESCH}: {hard}"


def test_incident_steps_and_reporting_are_plain_english(kb):
    texts = [s for i in kb.incidents.values() for s in i.steps] + [r.text for r in kb.reporting]
    hard = [t for t in texts if textstat.flesch_reading_ease(t) < MIN_FLESCH]
    assert not hard


def test_reporting_routes_cover_every_nation(kb):
    for nation in ("england", "scotland", "wales", "northern_ireland"):
        assert any(nation in route.nations for route in kb.reporting), nation
    scotland_only = [r for r in kb.reporting if r.nations == ("scotland",)]
    assert scotland_only and "101" in scotland_only[0].text


@pytest.fixture()
def guidance_copy(tmp_path: Path) -> Path:
    target = tmp_path / "guidance"
    shutil.copytree(DEFAULT_GUIDANCE_DIR, target)
    return target


def _edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["steps"][1].pop("who"), "field 'who': is missing"),
        (lambda d: d["steps"][0].update(who="the cat"), "field 'who': 'the cat' is not one of"),
        (lambda d: d["steps"][0].update(sources=["http://example.com"]), "field 'sources'"),
        (lambda d: d["steps"][0].update(applies_when={"size": ["huge"]}), "applies_when.size"),
        (lambda d: d["steps"][0].update(applies_when={"colour": ["red"]}), "applies_when.colour"),
        (lambda d: d.update(steps=d["steps"][:3]), "needs at least 4 steps"),
        (lambda d: d.update(summary="Only one sentence."), "field 'summary'"),
        (lambda d: d["steps"][0].update(must_do="yes"), "field 'must_do'"),
    ],
)
def test_bad_file_names_file_entry_and_field(guidance_copy: Path, change, expected: str):
    path = guidance_copy / "backups.yml"
    _edit(path, change)
    with pytest.raises(KnowledgeBaseError) as caught:
        load_knowledge_base(guidance_copy, DEFAULT_INCIDENTS_FILE)
    message = str(caught.value)
    assert message.startswith("backups.yml: ")
    assert expected in message


def test_missing_topic_file_is_named(guidance_copy: Path):
    (guidance_copy / "ransomware.yml").unlink()
    with pytest.raises(KnowledgeBaseError, match="missing files for ransomware"):
        load_knowledge_base(guidance_copy, DEFAULT_INCIDENTS_FILE)


def test_invalid_yaml_is_reported(guidance_copy: Path):
    (guidance_copy / "malware.yml").write_text("id: malware\nactions: [\n")
    with pytest.raises(KnowledgeBaseError, match="malware.yml: file: .*not valid YAML"):
        load_knowledge_base(guidance_copy, DEFAULT_INCIDENTS_FILE)


def test_duplicate_step_id_across_topics_is_reported(guidance_copy: Path):
    first = yaml.safe_load((guidance_copy / "backups.yml").read_text())["steps"][0]["id"]
    path = guidance_copy / "malware.yml"
    data = yaml.safe_load(path.read_text())
    data["steps"][0]["id"] = first
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(KnowledgeBaseError, match="malware.yml: .*must be snake_case and start with"):
        load_knowledge_base(guidance_copy, DEFAULT_INCIDENTS_FILE)
