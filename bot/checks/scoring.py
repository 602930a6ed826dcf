"""How much each finding counts in the score out of 100, and which three come first.

The weights and their reasons are documented in ``docs/checks.md``; keep the two in step.
A pass earns a finding's whole weight, a warning half, a fail none. The score is the
share of the weight earned among the findings that were checked, so a probe that could
not run (port 25 blocked) neither helps nor harms.
"""

from __future__ import annotations

from typing import Iterable, Protocol, Sequence

#: Weight of each finding id. Heavier = a failure is likelier to cost the business money
#: or customers' trust (see docs/checks.md for each reason).
WEIGHTS: dict[str, int] = {
    # email domain
    "mx": 10,
    "spf": 10,
    "spf_policy": 8,
    "spf_lookups": 5,
    "dkim": 8,
    "dmarc": 12,
    "dmarc_reports": 3,
    "mta_sts": 3,
    "tls_rpt": 1,
    "starttls": 8,
    "dnssec": 3,
    # website
    "https": 15,
    "certificate_expiry": 10,
    "http_redirect": 8,
    "hsts": 6,
    "tls_old_versions": 6,
    "tls_modern_versions": 10,
    "mixed_content": 5,
    "security_txt": 2,
    "caa": 2,
    "content_security_policy": 3,
    "x_content_type_options": 1,
    "framing": 2,
    "referrer_policy": 1,
    "software_versions": 2,
}
DEFAULT_WEIGHT = 1
CREDIT = {"pass": 1.0, "warning": 0.5, "fail": 0.0}
SEVERITY = {"fail": 2, "warning": 1, "pass": 0}


class Scored(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def status(self) -> str: ...


def weight(finding_id: str) -> int:
    return WEIGHTS.get(finding_id, DEFAULT_WEIGHT)


def score(findings: Iterable[Scored]) -> int | None:
    """0 to 100, or None when nothing was checked."""
    items = list(findings)
    total = sum(weight(f.id) for f in items)
    if not total:
        return None
    earned = sum(weight(f.id) * CREDIT[f.status] for f in items)
    return round(100 * earned / total)


def most_serious(findings: Sequence[Scored], count: int = 3) -> list[Scored]:
    """Fails before warnings, heavier before lighter; passes never."""
    problems = [f for f in findings if f.status != "pass"]
    return sorted(problems, key=lambda f: (-SEVERITY[f.status], -weight(f.id)))[:count]
