"""One time budget for a whole check: side-by-side jobs, and a silent DNS server."""

from __future__ import annotations

import time

import pytest

from bot.checks.budget import Budget, Limits, Raised, run_side_by_side
from bot.checks.email_domain import check_email_domain
from bot.checks.full import check_domain
from tests.checks.conftest import FAST
from tests.checks.servers import SilentDns, SilentServer


def test_a_job_still_running_when_the_budget_ends_is_abandoned() -> None:
    budget = Budget(Limits(total=0.3))
    started = time.monotonic()
    results = run_side_by_side({"quick": lambda: 1, "slow": lambda: time.sleep(3),
                                "broken": lambda: 1 / 0}, budget, grace=0.1)
    assert time.monotonic() - started < 1.0
    assert results["quick"] == 1 and results["slow"] is None
    assert isinstance(results["broken"], Raised)
    assert isinstance(results["broken"].error, ZeroDivisionError)


def test_a_silent_dns_server_ends_the_email_check_within_its_limit(
        monkeypatch: pytest.MonkeyPatch) -> None:
    quiet = SilentDns()
    monkeypatch.setenv("BOT_CHECKS_DNS_SERVER", quiet.address)
    started = time.monotonic()
    result = check_email_domain("example.test", limits=FAST)
    assert time.monotonic() - started < FAST.total
    assert result.outcome == "unreachable" and "try again later" in result.problem
    quiet.stop()


@pytest.mark.usefixtures("allow_loopback")
def test_a_whole_check_with_every_server_silent_ends_within_the_budget(
        silent: SilentServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """DNS answers (the session's loopback server); web, MTA-STS and SMTP never speak."""
    started = time.monotonic()
    website, email = check_domain(f"https://site.test:{silent.port}/", "good.test", limits=FAST,
                                  email_options={"smtp_port": silent.port,
                                                 "https_port": silent.port})
    assert time.monotonic() - started < FAST.total + 0.6
    assert website.outcome == "unreachable"
    assert email.outcome == "checked" and "starttls" not in {f.id for f in email.findings}
