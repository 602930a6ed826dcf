"""Only https pages, phone numbers and plain email addresses from the knowledge base become
links: anything else in its files fails validation before the assistant starts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from bot import reply_contract as contract
from bot.guidance.knowledge.answers import load_answers
from bot.guidance.knowledge.loader import (
    DEFAULT_GUIDANCE_DIR,
    DEFAULT_INCIDENTS_FILE,
    load_incidents,
    load_topics,
)
from bot.guidance.knowledge.schema import KnowledgeBaseError, is_safe_https_url
from bot.paths import DATA_DIR

BAD_URLS = ["javascript:alert(1)", "http://www.ncsc.gov.uk/", "JAVASCRIPT:alert(1)",
            "data:text/html,<script>alert(1)</script>", "https://", "https://user:pw@evil.example/",
            'https://www.ncsc.gov.uk/"onmouseover="alert(1)', "https://www.ncsc.gov.uk/ x",
            "https://localhost/", "//www.ncsc.gov.uk/", "https://www.ncsc.gov.uk/\n"]


@pytest.mark.parametrize("url", BAD_URLS)
def test_unsafe_urls_are_not_links(url: str) -> None:
    assert not is_safe_https_url(url)


def test_real_sources_are_links() -> None:
    assert is_safe_https_url("https://www.ncsc.gov.uk/collection/small-business-guide")


@pytest.mark.parametrize("url", ["javascript:alert(1)", "http://www.ncsc.gov.uk/guidance"])
def test_a_topic_source_that_is_not_https_fails_validation(tmp_path: Path, url: str) -> None:
    folder = tmp_path / "guidance"
    shutil.copytree(DEFAULT_GUIDANCE_DIR, folder)
    topic = yaml.safe_load((folder / "backups.yml").read_text())
    topic["steps"][0]["sources"] = [url]
    (folder / "backups.yml").write_text(yaml.safe_dump(topic))
    with pytest.raises(KnowledgeBaseError, match="is not an https URL"):
        load_topics(folder)


@pytest.mark.parametrize("contact", [{"label": "Evil", "url": "javascript:alert(1)"},
                                     {"label": "Plain", "url": "http://www.ncsc.gov.uk/"},
                                     {"label": "Mail", "email": "a@b.example?cc=evil@x.example"},
                                     {"label": "Phone", "phone": "javascript:1"}])
def test_a_reporting_route_contact_that_could_misbehave_fails_validation(tmp_path: Path,
                                                                          contact: dict[str, str]) -> None:
    incidents = yaml.safe_load(DEFAULT_INCIDENTS_FILE.read_text())
    incidents["reporting"][0]["contacts"] = [contact]
    path = tmp_path / "incidents.yml"
    path.write_text(yaml.safe_dump(incidents))
    with pytest.raises(KnowledgeBaseError, match="contacts"):
        load_incidents(path)


def test_an_answer_contact_with_a_javascript_url_fails_validation(tmp_path: Path) -> None:
    folder = tmp_path / "answers"
    shutil.copytree(DATA_DIR / "answers", folder)
    answers = yaml.safe_load((folder / "incident_response.yml").read_text())
    answers["answers"][0]["contacts"] = [{"label": "Click", "url": "javascript:alert(1)"}]
    (folder / "incident_response.yml").write_text(yaml.safe_dump(answers))
    with pytest.raises(KnowledgeBaseError, match="not a valid url"):
        load_answers(folder)


def test_every_reporting_route_names_its_contacts_as_links() -> None:
    _, routes = load_incidents()
    by_id = {route.id: route for route in routes}
    hrefs = {route_id: [contract.link(c.kind, c.label, c.value)["href"]  # type: ignore[arg-type]
                        for c in route.contacts] for route_id, route in by_id.items()}
    assert "tel:03001232040" in hrefs["report_fraud"]
    assert "tel:101" in hrefs["police_scotland"]
    assert "https://report.ncsc.gov.uk/" in hrefs["ncsc_incident"]
    assert "tel:03031231113" in hrefs["ico_breach"]
    assert "mailto:report@phishing.gov.uk" in hrefs["phishing_email"]
    assert all(hrefs.values()), "every route has at least one contact"


@pytest.mark.parametrize(("kind", "value"), [("url", "javascript:alert(1)"), ("url", "http://x.example/"),
                                             ("email", "a@b.example?subject=x"), ("phone", "call us")])
def test_the_reply_contract_refuses_to_build_an_unsafe_link(kind: str, value: str) -> None:
    with pytest.raises(ValueError):
        contract.link(kind, "label", value)  # type: ignore[arg-type]
