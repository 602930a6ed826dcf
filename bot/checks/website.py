"""The website check: HTTPS and its certificate, the TLS versions accepted, the HTTP
redirect, HSTS (one year, on the first HTTPS response), security.txt, CAA, DNSSEC, mixed
content, security headers and software versions, each as a finding with one sentence on
what it means and what to ask the web host for.

The fetches and probes run side by side under one time budget, so a silent server costs
one time limit rather than one per probe.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime, timezone
from typing import Any, Callable, Mapping, Sequence

import dns.exception

from bot.checks.address_policy import AddressRefused, IPNetwork, Resolver, Target, parse_target
from bot.checks.budget import DEFAULT_LIMITS, Budget, Limits, Raised, run_side_by_side
from bot.checks.dns_lookup import dns_resolver, host_resolver
from bot.checks.dns_records import caa_finding, dnssec_finding
from bot.checks.findings import CheckResult, Finding
from bot.checks.mixed_content import mixed_content_finding
from bot.checks.safe_http import Fetch, FetchFailed, fetch
from bot.checks.security_txt import PATH as SECURITY_TXT
from bot.checks.security_txt import security_txt_finding
from bot.checks.tls_probe import MODERN, OLD, offered_versions

CERT_WARNING_DAYS = 30
HSTS_MIN_SECONDS = 31536000  # one year, as internet.nl and the HSTS preload list ask
_VERSION = re.compile(r"\d+\.\d+|/\s*\d")
_META = re.compile(rb"<meta\b[^>]*>", re.I)
_ATTR = re.compile(rb"""([a-z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)
_MAX_AGE = re.compile(r"max-age\s*=\s*\"?(\d+)", re.I)

ASK = "Ask your web designer or host to"


def _variant(target: Target, scheme: str) -> Target:
    """The same site over another scheme: same port if one was given, else the scheme's own."""
    port = target.port if target.explicit_port else {"http": 80, "https": 443}[scheme]
    return dataclasses.replace(target, scheme=scheme, port=port)


def _attempt(target: Target, resolver: Resolver | None, allowance: Sequence[IPNetwork] | None,
             budget: Budget, max_redirects: int = 5) -> Fetch | FetchFailed:
    try:
        return fetch(target, resolver=resolver, allowance=allowance, deadline=budget.deadline,
                     max_redirects=max_redirects,
                     step_seconds=(budget.limits.connect, budget.limits.read))
    except FetchFailed as failure:
        return failure


def _https_findings(result: Fetch | FetchFailed, now: datetime) -> list[Finding]:
    if isinstance(result, FetchFailed):
        if result.kind == "tls_expired":
            return [
                Finding("https", "fail", "The site's certificate has expired, so browsers warn "
                        f"visitors away. {ASK} renew it and set it to renew automatically."),
                Finding("certificate_expiry", "fail", "The certificate has already expired. "
                        f"{ASK} renew it today."),
            ]
        if result.kind == "tls_version":
            return [Finding("https", "fail", "The site only offers old TLS versions that "
                            "browsers refuse, so visitors can't open it over HTTPS.",
                            f"{ASK} turn on TLS 1.2 and 1.3.")]
        if result.kind in ("tls_untrusted", "tls_hostname"):
            why = ("is for a different name" if result.kind == "tls_hostname"
                   else "is not from a trusted authority")
            return [Finding("https", "fail", f"The site's certificate {why}, so browsers warn "
                            f"visitors away. {ASK} fit a valid certificate, for example a free "
                            "one from Let's Encrypt.")]
        if result.kind == "redirects":
            return [Finding("https", "fail", "The HTTPS address redirects more than five times, "
                            f"so browsers give up. {ASK} fix the redirect loop.")]
        return [Finding("https", "fail", "The site doesn't work over HTTPS, so what visitors send "
                        f"it can be read on the way. {ASK} turn on HTTPS with a valid certificate.")]
    findings = []
    if result.final.url.startswith("https://"):
        findings.append(Finding("https", "pass", "HTTPS works and the certificate is valid, so "
                                "visitors' connections to the site are private."))
    else:
        findings.append(Finding("https", "fail", "The HTTPS address sends visitors back to plain "
                                f"HTTP, which is not private. {ASK} serve the whole site over HTTPS."))
    expires = result.final.cert_not_after
    if expires is not None:
        days = (expires - now).days
        if days < CERT_WARNING_DAYS:
            findings.append(Finding("certificate_expiry", "warning",
                                    f"The certificate expires in {max(days, 0)} days. {ASK} renew "
                                    "it now and set it to renew automatically."))
        else:
            findings.append(Finding("certificate_expiry", "pass",
                                    f"The certificate is valid for another {days} days."))
    return findings


def _redirect_finding(result: Fetch | FetchFailed) -> Finding:
    if isinstance(result, FetchFailed):
        if result.kind.startswith("tls_"):
            return Finding("http_redirect", "pass",
                           "Plain HTTP addresses send visitors on to HTTPS.")
        return Finding("http_redirect", "warning",
                       "The site doesn't answer on plain HTTP, so people who type the address "
                       f"without https may see an error. {ASK} redirect HTTP to HTTPS.")
    if result.final.url.startswith("https://"):
        return Finding("http_redirect", "pass", "Plain HTTP addresses send visitors on to HTTPS.")
    return Finding("http_redirect", "fail",
                   "The site still works over plain HTTP without moving visitors to HTTPS, so "
                   f"their connection can be read or changed. {ASK} redirect all HTTP to HTTPS.")


def _hsts_finding(headers: Mapping[str, str], over_https: bool) -> Finding:
    """HSTS as the first HTTPS response sets it: that is the one a browser sees first."""
    value = headers.get("strict-transport-security", "")
    if not over_https or not value:
        return Finding("hsts", "warning",
                       "HSTS is not set on the first HTTPS answer, so browsers may still try "
                       "plain HTTP first.",
                       f"{ASK} add a Strict-Transport-Security header with max-age=31536000.")
    match = _MAX_AGE.search(value)
    if not match or int(match.group(1)) < HSTS_MIN_SECONDS:
        return Finding("hsts", "warning",
                       "HSTS is set for less than a year, so its protection lapses between "
                       "visits.", f"{ASK} raise the max-age to at least 31536000 (one year).")
    return Finding("hsts", "pass", "HSTS is set for at least a year, so browsers always use "
                   "HTTPS for this site.")


def _tls_findings(versions: Mapping[str, bool | None]) -> list[Finding]:
    old = [v for v in OLD if versions.get(v)]
    modern = [v for v in MODERN if versions.get(v)]
    findings = []
    if old:
        findings.append(Finding("tls_old_versions", "fail", f"The site still accepts "
                                f"{' and '.join(old)}, old versions with known weaknesses.",
                                f"{ASK} turn off TLS 1.0 and 1.1 and keep TLS 1.2 and 1.3."))
    elif all(versions.get(v) is False for v in OLD):
        findings.append(Finding("tls_old_versions", "pass",
                                "The site refuses the old TLS 1.0 and 1.1."))
    if modern:
        findings.append(Finding("tls_modern_versions", "pass",
                                f"The site offers {' and '.join(modern)}."))
    elif any(answer is False for answer in versions.values()):
        findings.append(Finding("tls_modern_versions", "fail", "The site offers neither TLS 1.2 "
                                "nor 1.3, so up-to-date browsers can't connect securely.",
                                f"{ASK} turn on TLS 1.2 and 1.3."))
    return findings


def _header_findings(headers: Mapping[str, str]) -> list[Finding]:
    csp = headers.get("content-security-policy", "")
    findings = [
        Finding("content_security_policy", "pass",
                "A Content-Security-Policy limits what the pages can load, which blunts "
                "injected scripts.") if csp else
        Finding("content_security_policy", "warning",
                "There is no Content-Security-Policy, so an injected script could run freely. "
                f"{ASK} add one."),
        Finding("x_content_type_options", "pass",
                "X-Content-Type-Options stops browsers guessing file types.")
        if headers.get("x-content-type-options", "").strip().lower() == "nosniff" else
        Finding("x_content_type_options", "warning",
                "X-Content-Type-Options is missing, so browsers may guess file types unsafely. "
                f"{ASK} set it to nosniff."),
    ]
    framed = "frame-ancestors" in csp.lower() or bool(headers.get("x-frame-options"))
    findings.append(
        Finding("framing", "pass", "The site says who may show it in a frame, which stops "
                "click-jacking.") if framed else
        Finding("framing", "warning", "Any other site can show this one in a hidden frame to trick "
                f"visitors into clicking. {ASK} add frame-ancestors or X-Frame-Options.")
    )
    findings.append(
        Finding("referrer_policy", "pass", "A Referrer-Policy limits what other sites learn "
                "about your visitors' pages.") if headers.get("referrer-policy") else
        Finding("referrer_policy", "warning", "There is no Referrer-Policy, so full page "
                f"addresses may be passed to other sites. {ASK} add one.")
    )
    return findings


def _generator(body: bytes) -> str | None:
    for tag in _META.findall(body):
        attrs = {m.group(1).lower(): (m.group(2) or m.group(3) or m.group(4) or b"")
                 for m in _ATTR.finditer(tag)}
        if attrs.get(b"name", b"").lower() == b"generator" and attrs.get(b"content"):
            return attrs[b"content"].decode("utf-8", "replace")
    return None


def _versions_finding(headers: Mapping[str, str], body: bytes) -> Finding:
    revealed = []
    if _VERSION.search(headers.get("server", "")):
        revealed.append("the Server header")
    if headers.get("x-powered-by"):
        revealed.append("the X-Powered-By header")
    if _generator(body):
        revealed.append("a generator tag in the page")
    if not revealed:
        return Finding("software_versions", "pass",
                       "The site doesn't reveal which software versions it runs.")
    where = " and ".join(revealed)
    return Finding("software_versions", "warning",
                   f"The site reveals its software in {where}, which helps attackers find known "
                   f"flaws. {ASK} hide version details.")


def _security_txt(result: Fetch | FetchFailed, now: datetime) -> Finding:
    if isinstance(result, FetchFailed):
        return security_txt_finding(None, "", b"", now)
    final = result.final
    return security_txt_finding(final.status, final.headers.get("content-type", ""),
                                final.body, now)


def check_website(
    address: str,
    *,
    resolver: Resolver | None = None,
    allowance: Sequence[IPNetwork] | None = None,
    now: datetime | None = None,
    limits: Limits = DEFAULT_LIMITS,
    budget: Budget | None = None,
) -> CheckResult:
    """Check the website at ``address``; never raises for a bad or refused address."""
    now = now or datetime.now(timezone.utc)
    budget = budget or Budget(limits)
    resolver = resolver or host_resolver(budget)
    try:
        target = parse_target(address, allowance)
    except AddressRefused as refusal:
        return CheckResult("website", "refused", problem=str(refusal))
    https_target = _variant(target, "https")
    by_name = target.ip_literal is None
    jobs: dict[str, Callable[[], Any]] = {
        "https": lambda: _attempt(https_target, resolver, allowance, budget),
        "http": lambda: _attempt(_variant(target, "http"), resolver, allowance, budget),
        "security_txt": lambda: _attempt(dataclasses.replace(https_target, path=SECURITY_TXT),
                                         resolver, allowance, budget, max_redirects=2),
        "tls": lambda: offered_versions(https_target.host, https_target.port, resolver=resolver,
                                        budget=budget, allowance=allowance),
    }
    if by_name:
        jobs["caa"] = lambda: caa_finding(target.host, dns_resolver(budget.dns_timeout()), who=ASK)
        jobs["dnssec"] = lambda: dnssec_finding(target.host,
                                                dns_resolver(budget.dns_timeout()), who=ASK)
    answers: dict[str, Any] = {}
    for name, outcome in run_side_by_side(jobs, budget).items():
        if isinstance(outcome, Raised):
            if isinstance(outcome.error, AddressRefused):
                return CheckResult("website", "refused", problem=str(outcome.error))
            if not isinstance(outcome.error, (dns.exception.DNSException, OSError)):
                raise outcome.error
            outcome = None
        answers[name] = outcome
    https, http = answers["https"], answers["http"]
    if https is None:
        https = FetchFailed("timeout", "The website took too long to answer.")
    if http is None:
        http = FetchFailed("timeout", "The website took too long to answer.")
    if all(isinstance(r, FetchFailed) and r.kind in ("connect", "timeout") for r in (https, http)):
        return CheckResult("website", "unreachable",
                           problem="I couldn't reach that website. Please check the address, "
                                   "or try again later.")
    findings = _https_findings(https, now)
    if isinstance(https, Fetch) or (isinstance(https, FetchFailed) and https.kind.startswith("tls_")):
        findings += _tls_findings(answers.get("tls") or {})
    findings.append(_redirect_finding(http))
    source = https if isinstance(https, Fetch) else http
    if isinstance(source, Fetch):
        over_https = source.chain[0].startswith("https://")
        headers = source.first_headers if over_https else source.final.headers
        findings.append(_hsts_finding(headers, over_https))
        final = source.final.headers
        findings += _header_findings(final)
        if source.final.url.startswith("https://"):
            findings.append(mixed_content_finding(source.final.body))
        findings.append(_versions_finding(final, source.final.body))
    if isinstance(https, Fetch):
        findings.append(_security_txt(answers["security_txt"], now))
    for name in ("caa", "dnssec"):
        if isinstance(answers.get(name), Finding):
            findings.append(answers[name])
    return CheckResult("website", "checked", findings=tuple(findings))
