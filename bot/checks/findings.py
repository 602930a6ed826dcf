"""The shape every check returns: findings that are each a pass, a warning or a fail."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["pass", "warning", "fail"]
STATUSES: tuple[Status, ...] = ("pass", "warning", "fail")


@dataclass(frozen=True)
class Finding:
    """One thing checked, its result, and one sentence on what it means and what to ask for."""

    id: str
    status: Status
    message: str

    def as_contract(self) -> dict[str, str]:
        return {"id": self.id, "status": self.status, "message": self.message}


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

    def as_contract(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "outcome": self.outcome,
            "findings": [finding.as_contract() for finding in self.findings],
            "notes": list(self.notes),
            "counts": self.counts(),
        }
