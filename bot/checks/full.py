"""The whole check of a business's domain: its website and its email, side by side.

Both halves share nothing but the clock, so the whole check takes as long as the slower
half: at most the time budget (``Limits.total``) even when every server is silent.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any, Sequence

from bot.checks.address_policy import IPNetwork
from bot.checks.budget import DEFAULT_LIMITS, Limits
from bot.checks.email_domain import check_email_domain
from bot.checks.findings import CheckResult
from bot.checks.website import check_website


def check_domain(website: str, email: str, *, limits: Limits = DEFAULT_LIMITS,
                 allowance: Sequence[IPNetwork] | None = None,
                 email_options: dict[str, Any] | None = None) -> tuple[CheckResult, CheckResult]:
    """(website result, email result), run in parallel under the same limits."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        site = pool.submit(check_website, website, limits=limits, allowance=allowance)
        mail = pool.submit(check_email_domain, email, limits=limits, allowance=allowance,
                           **(email_options or {}))
        return site.result(), mail.result()
