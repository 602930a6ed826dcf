"""The email domain check against a real DNS server on loopback."""

from __future__ import annotations

import pytest

from bot.checks.email_domain import DKIM_NOTE, check_email_domain, email_domain
from bot.checks.findings import CheckResult

pytestmark = pytest.mark.usefixtures("no_allowance")


def statuses(result: CheckResult) -> dict[str, str]:
    return {finding.id: finding.status for finding in result.findings}


def message(result: CheckResult, finding_id: str) -> str:
    return next(f.message for f in result.findings if f.id == finding_id)


def test_a_good_domain_passes_and_dkim_is_explained() -> None:
    result = check_email_domain("good.test")
    assert result.outcome == "checked"
    assert statuses(result) == {"mx": "pass", "spf": "pass", "dmarc": "pass"}
    assert "p=reject" in message(result, "dmarc")
    assert result.notes == (DKIM_NOTE,)
    assert "can't check DKIM" in DKIM_NOTE and "selector" in DKIM_NOTE


def test_missing_records_fail() -> None:
    result = check_email_domain("missing.test")
    assert statuses(result) == {"mx": "fail", "spf": "fail", "dmarc": "fail"}
    assert "no MX records" in message(result, "mx")
    assert "no SPF record" in message(result, "spf")
    assert "no DMARC record" in message(result, "dmarc")


def test_weak_records_are_called_out() -> None:
    result = check_email_domain("weak.test")
    assert statuses(result) == {"mx": "pass", "spf": "fail", "dmarc": "warning"}
    assert "+all" in message(result, "spf")
    assert "p=none" in message(result, "dmarc")


def test_two_spf_records_fail() -> None:
    result = check_email_domain("twospf.test")
    assert statuses(result)["spf"] == "fail"
    assert "2 SPF records" in message(result, "spf")
    assert statuses(result)["dmarc"] == "pass"


def test_a_domain_that_does_not_exist_is_reported_plainly() -> None:
    result = check_email_domain("nowhere.test")
    assert result.outcome == "unreachable"
    assert "couldn't find that domain" in result.problem


@pytest.mark.parametrize("typed, domain", [
    ("good.test", "good.test"),
    ("Good.Test.", "good.test"),
    ("accounts@good.test", "good.test"),
    ("https://www.good.test/contact", "good.test"),
])
def test_the_domain_is_taken_from_what_the_owner_typed(typed: str, domain: str) -> None:
    assert email_domain(typed) == domain
    assert check_email_domain(typed).outcome == "checked"
