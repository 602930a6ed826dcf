"""The shape every check returns: findings that are each a pass, a warning or a fail."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, cast

from bot import reply_contract as contract

Status = Literal["pass", "warning", "fail"]
STATUSES: tuple[Status, ...] = ("pass", "warning", "fail")


@dataclass(frozen=True)
class Finding:
    """One thing checked, its result, and one sentence on what it means and what to ask for."""

    id: str
    status: Status
    message: str

    def as_contract(self) -> contract.Finding:
        return contract.finding(self.id, self.status, self.message)


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check.

    ``outcome`` is ``checked`` (findings below), ``refused`` (the address is not allowed),
    ``unreachable`` (nothing could be checked) or ``rate_limited``. ``problem`` explains the
    last three in plain English. The checked address itself is deliberately not kept here,
    so it cannot leak into replies or analytics.
    """

    kind: str  # "website" or "email_domain"
    outcome: str
    findings: tuple[Finding, ...] = ()
    notes: tuple[str, ...] = ()
    problem: str = ""
    cached: bool = field(default=False, compare=False)

    def counts(self) -> dict[str, int]:
        return {status: sum(1 for f in self.findings if f.status == status) for status in STATUSES}

    def as_contract(self) -> contract.CheckPayload:
        """The ``custom.check`` payload (``bot/reply_contract.py``)."""
        kind = cast(Literal["website", "email_domain"], self.kind)
        outcome = cast(Literal["checked", "refused", "unreachable", "rate_limited"], self.outcome)
        return contract.check_payload(kind, outcome, [f.as_contract() for f in self.findings],
                                      self.notes)
