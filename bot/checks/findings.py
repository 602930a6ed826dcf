"""The shape every check returns: findings that are each a pass, a warning or a fail."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, cast

from bot import reply_contract as contract
from bot.checks import scoring

Status = Literal["pass", "warning", "fail"]
STATUSES: tuple[Status, ...] = ("pass", "warning", "fail")


@dataclass(frozen=True)
class Finding:
    """One thing checked, its result, one sentence on what it means for the business, and
    (``fix``) what to ask the web host, email provider or IT support to do."""

    id: str
    status: Status
    message: str
    fix: str = ""

    @property
    def weight(self) -> int:
        return scoring.weight(self.id)

    def as_contract(self) -> contract.Finding:
        return contract.finding(self.id, self.status, self.message, fix=self.fix,
                                weight=self.weight)


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check.

    ``outcome`` is ``checked`` (findings below), ``refused`` (the address is not allowed),
    ``unreachable`` (nothing could be checked) or ``rate_limited``. ``problem`` explains the
    last three in plain English. The checked address itself is deliberately not kept here,
    so it cannot leak into replies or analytics. ``provider`` is the email provider's
    profile value (``microsoft_365``, ``google_workspace``, ``other``) when the MX hosts
    named one, and ``provider_name`` its name for the owner.
    """

    kind: str  # "website" or "email_domain"
    outcome: str
    findings: tuple[Finding, ...] = ()
    notes: tuple[str, ...] = ()
    problem: str = ""
    cached: bool = field(default=False, compare=False)
    provider: str = ""
    provider_name: str = ""

    def counts(self) -> dict[str, int]:
        return {status: sum(1 for f in self.findings if f.status == status) for status in STATUSES}

    def score(self) -> int | None:
        return scoring.score(self.findings) if self.outcome == "checked" else None

    def most_serious(self) -> list[Finding]:
        return [f for f in self.findings if f in scoring.most_serious(self.findings)]

    def top_three(self) -> list[Finding]:
        """The three most serious problems, most serious first."""
        found = scoring.most_serious(self.findings)
        return [f for f in found if isinstance(f, Finding)]

    def as_contract(self) -> contract.CheckPayload:
        """The ``custom.check`` payload (``bot/reply_contract.py``)."""
        kind = cast(Literal["website", "email_domain"], self.kind)
        outcome = cast(Literal["checked", "refused", "unreachable", "rate_limited"], self.outcome)
        return contract.check_payload(kind, outcome, [f.as_contract() for f in self.findings],
                                      self.notes, score=self.score(),
                                      top=[f.id for f in self.top_three()],
                                      provider=self.provider)
