"""Run a check for a visitor: find the address, apply the limits and the cache, run it."""

from __future__ import annotations

from functools import lru_cache

from bot.checks.address_policy import AddressRefused, parse_target
from bot.checks.addresses import find_address, find_email_domain
from bot.checks.email_domain import check_email_domain, email_domain
from bot.checks.findings import CheckResult
from bot.checks.limits import CheckGate
from bot.checks.website import check_website

KINDS = ("website", "email_domain")


@lru_cache(maxsize=1)
def gate() -> CheckGate:
    """One gate per process, so limits and cache are shared by every conversation."""
    return CheckGate.from_env()


def address_in(kind: str, text: str, entities: list[str] | None = None) -> str | None:
    """The address to check: one found in the text, else in an extracted entity.

    The text comes first because the pattern takes the whole address, where a learned
    entity can stop short of a port or a path.
    """
    finder = find_email_domain if kind == "email_domain" else find_address
    for value in [text, *(entities or [])]:
        found = finder(value)
        if found:
            return found
    return None


def target_key(kind: str, address: str) -> str:
    """What the per-target limit and the cache are keyed on: the host or domain."""
    try:
        if kind == "email_domain":
            return email_domain(address)
        target = parse_target(address)
        return f"{target.host}:{target.port}"
    except AddressRefused:
        return address.strip().lower()


def run_check(kind: str, visitor: str, address: str) -> CheckResult:
    if kind not in KINDS:
        raise ValueError(f"unknown check {kind!r}")
    check = check_email_domain if kind == "email_domain" else check_website
    return gate().run(kind, visitor, target_key(kind, address), lambda: check(address))
