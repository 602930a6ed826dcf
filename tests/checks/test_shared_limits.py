"""The checks' rate limits shared through a real Redis, as the scaled setup runs them."""

from __future__ import annotations

import uuid

from bot.checks.findings import CheckResult
from bot.checks.limits import BUSY, VISITOR_LIMITED, CheckGate
from tests.scaled.redis_server import redis_url  # noqa: F401 - the fixture

CHECKS_RUN: list[str] = []


def _check(target: str) -> CheckResult:
    CHECKS_RUN.append(target)
    return CheckResult("website", "checked")


def test_two_action_servers_count_one_visitor_together(redis_url: str) -> None:  # noqa: F811
    first, second = (CheckGate(per_visitor=3, per_target=100, window=600, cache_seconds=0,
                               per_window=100, shared_url=redis_url) for _ in range(2))
    visitor = f"v-{uuid.uuid4().hex}"
    results = [gate.run("website", visitor, f"{n}.example", lambda n=n: _check(f"{n}.example"))
               for n, gate in enumerate([first, second, first, second])]
    assert [r.outcome for r in results] == ["checked"] * 3 + ["rate_limited"]
    assert results[-1].problem == VISITOR_LIMITED


def test_inventing_sender_ids_does_not_get_past_the_limit_for_everyone(redis_url: str) -> None:  # noqa: F811
    key = uuid.uuid4().hex  # a fresh deployment's counts: its own Redis prefix
    gates = [CheckGate(per_visitor=5, per_target=100, window=600, cache_seconds=0, per_window=4,
                       shared_url=redis_url) for _ in range(2)]
    for gate in gates:
        gate.everyone.prefix += key  # type: ignore[union-attr]
    before = len(CHECKS_RUN)
    results = [gates[n % 2].run("website", f"invented-{uuid.uuid4().hex}", f"t{n}.example",
                                lambda n=n: _check(f"t{n}.example")) for n in range(6)]
    assert [r.outcome for r in results] == ["checked"] * 4 + ["rate_limited"] * 2
    assert results[-1].problem == BUSY and len(CHECKS_RUN) - before == 4


def test_without_redis_the_limit_for_everyone_holds_in_memory() -> None:
    gate = CheckGate(per_visitor=5, per_target=100, window=600, cache_seconds=0, per_window=2)
    outcomes = [gate.run("website", f"id-{n}", f"m{n}.example", lambda n=n: _check(f"m{n}.example")).outcome
                for n in range(3)]
    assert outcomes == ["checked", "checked", "rate_limited"]
