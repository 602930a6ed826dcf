"""The email domain check: MX, SPF and DMARC records, looked up with dnspython.

DKIM keys live at ``<selector>._domainkey.<domain>`` and the selector is chosen by the email
provider, so DKIM cannot be checked from the domain alone; the result says so plainly.
"""

from __future__ import annotations

import re
from typing import Sequence

import dns.exception
import dns.name
import dns.resolver

from bot.checks.address_policy import AddressRefused, parse_target
from bot.checks.dns_lookup import dns_resolver
from bot.checks.findings import CheckResult, Finding

ASK = "Ask whoever manages your domain (often your web host or IT provider) to"
DKIM_NOTE = ("I can't check DKIM, the signature that proves your emails are genuine, because it "
             "needs a selector name that only your email provider knows. Ask them to confirm "
             "DKIM signing is turned on.")
_DMARC_POLICY = re.compile(r"(?:^|;)\s*p\s*=\s*([a-z]+)", re.I)


class _NoDomain(Exception):
    pass


def email_domain(address: str) -> str:
    """The domain part of what the owner typed: a domain, an email address or a web address."""
    text = address.strip().strip("<>\"'.,").lower()
    if "@" in text and "://" not in text:
        text = text.rsplit("@", 1)[1]
    try:
        target = parse_target(text, allowance=())
    except AddressRefused as refusal:
        raise AddressRefused(str(refusal).replace("web address", "email domain")) from None
    if target.ip_literal is not None or "." not in target.host:
        raise AddressRefused("Please give me a domain name, like example.co.uk.")
    host = target.host
    return host[4:] if host.startswith("www.") else host


def _txt(resolver: dns.resolver.Resolver, name: str) -> list[str]:
    try:
        answer = resolver.resolve(name, "TXT")
    except (dns.resolver.NoAnswer, dns.resolver.NXDOMAIN):
        return []
    return [b"".join(record.strings).decode("utf-8", "replace") for record in answer]


def _mx_finding(resolver: dns.resolver.Resolver, domain: str) -> Finding:
    try:
        answer = resolver.resolve(domain, "MX")
        hosts = [str(r.exchange) for r in answer if str(r.exchange) not in (".", "")]
    except dns.resolver.NXDOMAIN:
        raise _NoDomain() from None
    except dns.resolver.NoAnswer:
        hosts = []
    if not hosts:
        return Finding("mx", "fail", "The domain has no MX records, so email sent to it may not "
                       f"arrive. {ASK} add the MX records your email provider gives you.")
    return Finding("mx", "pass", "The domain has MX records, so email to it can be delivered.")


def _spf_finding(records: Sequence[str]) -> Finding:
    spf = [r.strip() for r in records if r.strip().lower().split(" ", 1)[0] == "v=spf1"]
    if not spf:
        return Finding("spf", "fail", "There is no SPF record, so anyone can send email that "
                       f"claims to be from your domain. {ASK} add one listing who sends your email.")
    if len(spf) > 1:
        return Finding("spf", "fail", f"There are {len(spf)} SPF records; receivers treat that as "
                       f"an error and ignore them all. {ASK} merge them into one.")
    terms = spf[0].lower().split()
    last = terms[-1] if len(terms) > 1 else ""
    if last in ("+all", "all"):
        return Finding("spf", "fail", "The SPF record ends in +all, which lets any server on the "
                       f"internet send as your domain. {ASK} change it to ~all or -all.")
    if last in ("-all", "~all"):
        return Finding("spf", "pass", "There is one SPF record and it tells receivers to distrust "
                       "other senders.")
    if last.startswith("redirect=") or any(t.startswith("redirect=") for t in terms):
        return Finding("spf", "pass", "There is one SPF record, which points to your provider's.")
    return Finding("spf", "warning", "The SPF record doesn't say what to do with other senders, "
                   f"so it protects little. {ASK} end it with ~all or -all.")


def _dmarc_finding(records: Sequence[str]) -> Finding:
    dmarc = [r.strip() for r in records if r.strip().lower().replace(" ", "").startswith("v=dmarc1")]
    if not dmarc:
        return Finding("dmarc", "fail", "There is no DMARC record, so receivers aren't told to "
                       "reject fake email from your domain. "
                       f"{ASK} add one, starting with p=none and moving to p=quarantine.")
    if len(dmarc) > 1:
        return Finding("dmarc", "fail", f"There are {len(dmarc)} DMARC records; receivers ignore "
                       f"them all. {ASK} keep just one.")
    match = _DMARC_POLICY.search(dmarc[0])
    policy = match.group(1).lower() if match else ""
    if policy == "none":
        return Finding("dmarc", "warning", "DMARC is set to p=none: it only reports fake email "
                       f"and doesn't stop it. {ASK} move to p=quarantine, then p=reject.")
    if policy in ("quarantine", "reject"):
        return Finding("dmarc", "pass", f"DMARC is set to p={policy}, so receivers "
                       f"{'send fake email to spam' if policy == 'quarantine' else 'refuse fake email'}.")
    return Finding("dmarc", "fail", "The DMARC record has no valid policy, so receivers ignore "
                   f"it. {ASK} set p=quarantine or p=reject.")


def check_email_domain(address: str, resolver: dns.resolver.Resolver | None = None) -> CheckResult:
    """Check the email set-up of the domain in ``address``; never raises for bad input."""
    try:
        domain = email_domain(address)
    except AddressRefused as refusal:
        return CheckResult("email_domain", "refused", problem=str(refusal))
    resolver = resolver or dns_resolver()
    try:
        mx = _mx_finding(resolver, domain)
        findings = (mx, _spf_finding(_txt(resolver, domain)),
                    _dmarc_finding(_txt(resolver, f"_dmarc.{domain}")))
    except _NoDomain:
        return CheckResult("email_domain", "unreachable",
                           problem="I couldn't find that domain. Please check the spelling.")
    except (dns.exception.DNSException, OSError):
        return CheckResult("email_domain", "unreachable",
                           problem="I couldn't look up that domain just now. Please try again later.")
    return CheckResult("email_domain", "checked", findings=findings, notes=(DKIM_NOTE,))
