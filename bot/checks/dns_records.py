"""DNS facts both checks report: DNSSEC signing and CAA records."""

from __future__ import annotations

import dns.flags
import dns.resolver
from checkdmarc.utils import get_base_domain

from bot.checks.findings import Finding

_MISSING = (dns.resolver.NoAnswer, dns.resolver.NXDOMAIN, dns.resolver.NoNameservers)


def _parents(name: str) -> list[str]:
    """The name and each parent that still has a dot: shop.example.co.uk, example.co.uk, co.uk."""
    labels = name.rstrip(".").split(".")
    return [".".join(labels[i:]) for i in range(len(labels) - 1)]


def registered_domain(host: str) -> str:
    """The domain a business registers (example.co.uk for shop.example.co.uk), by the
    public suffix list."""
    return str(get_base_domain(host.rstrip(".").lower()))


def dnssec_finding(domain: str, resolver: dns.resolver.Resolver, *, who: str) -> Finding:
    """DNSSEC: is the registered domain signed (a DNSKEY at its apex), and did the resolver
    validate it. Parents are not asked: co.uk being signed says nothing about example.co.uk."""
    resolver.use_edns(0, dns.flags.DO, 1232)
    for name in [registered_domain(domain)]:
        try:
            answer = resolver.resolve(name, "DNSKEY")
        except _MISSING:
            continue
        validated = bool(answer.response.flags & dns.flags.AD)
        how = " and my resolver confirmed the signatures" if validated else ""
        return Finding("dnssec", "pass", f"The domain is signed with DNSSEC{how}, so its records "
                       "can't be forged on the way.")
    return Finding("dnssec", "warning", "The domain isn't signed with DNSSEC, so someone who "
                   "interferes with DNS could send your visitors or email elsewhere.",
                   f"{who} turn on DNSSEC (most UK registrars offer it as a setting).")


def caa_finding(host: str, resolver: dns.resolver.Resolver, *, who: str) -> Finding:
    """CAA: the closest name up the tree with CAA records decides (RFC 8659)."""
    for name in _parents(host):
        try:
            answer = resolver.resolve(name, "CAA")
        except _MISSING:
            continue
        issuers = sorted({r.value.decode("ascii", "replace") for r in answer
                          if r.tag.decode("ascii", "replace").lower() == "issue" and r.value})
        named = f" ({', '.join(issuers)})" if issuers else ""
        return Finding("caa", "pass", f"CAA records name the certificate authorities{named} "
                       "allowed to issue certificates for the site, so others should refuse.")
    return Finding("caa", "warning", "There are no CAA records, so any certificate authority "
                   "may issue a certificate for your site's name.",
                   f"{who} add a CAA record naming the authority your certificates come from "
                   "(for example letsencrypt.org).")
