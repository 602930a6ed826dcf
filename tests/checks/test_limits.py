"""Rate limits per visitor and per target, and the short cache of results."""

from __future__ import annotations

from typing import Callable

import pytest

from bot.checks.findings import CheckResult, Finding
from bot.checks.limits import CheckGate
from bot.checks.website import check_website
from tests.checks.servers import WebServer


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def counting_check(calls: list[int]) -> Callable[[], CheckResult]:
    def check() -> CheckResult:
        calls.append(1)
        return CheckResult("website", "checked", (Finding("https", "pass", "ok"),))
    return check


def test_a_visitor_is_limited_then_allowed_again_after_the_window() -> None:
    clock = Clock()
    gate = CheckGate(per_visitor=2, per_target=100, window=60, cache_seconds=0, clock=clock)
    calls: list[int] = []
    assert gate.run("website", "v1", "a.example", counting_check(calls)).outcome == "checked"
    assert gate.run("website", "v1", "b.example", counting_check(calls)).outcome == "checked"
    limited = gate.run("website", "v1", "c.example", counting_check(calls))
    assert limited.outcome == "rate_limited" and "wait a few minutes" in limited.problem
    assert gate.run("website", "v2", "c.example", counting_check(calls)).outcome == "checked"
    clock.now += 61
    assert gate.run("website", "v1", "c.example", counting_check(calls)).outcome == "checked"
    assert len(calls) == 4


def test_a_target_is_limited_across_visitors() -> None:
    gate = CheckGate(per_visitor=100, per_target=2, window=60, cache_seconds=0, clock=Clock())
    calls: list[int] = []
    for visitor in ("v1", "v2"):
        assert gate.run("website", visitor, "shop.example", counting_check(calls)).outcome == "checked"
    limited = gate.run("website", "v3", "shop.example", counting_check(calls))
    assert limited.outcome == "rate_limited" and "checked many times" in limited.problem
    assert len(calls) == 2


def test_a_recent_result_comes_from_the_cache_until_it_expires() -> None:
    clock = Clock()
    gate = CheckGate(per_visitor=100, per_target=100, window=60, cache_seconds=300, clock=clock)
    calls: list[int] = []
    first = gate.run("website", "v1", "shop.example", counting_check(calls))
    again = gate.run("website", "v2", "shop.example", counting_check(calls))
    assert again.cached and again.findings == first.findings and len(calls) == 1
    assert gate.run("email_domain", "v1", "shop.example", counting_check(calls)).cached is False
    clock.now += 301
    assert gate.run("website", "v1", "shop.example", counting_check(calls)).cached is False
    assert len(calls) == 3


@pytest.mark.usefixtures("allow_loopback")
def test_a_cached_website_check_does_not_contact_the_site_again(
    web_server: Callable[..., WebServer],
) -> None:
    server = web_server()
    address = f"https://127.0.0.1:{server.port}/"
    gate = CheckGate(per_visitor=10, per_target=10, window=600, cache_seconds=300)
    first = gate.run("website", "v1", address, lambda: check_website(address))
    seen = len(server.requests)
    second = gate.run("website", "v2", address, lambda: check_website(address))
    assert first.outcome == "checked" and second.cached
    assert len(server.requests) == seen
