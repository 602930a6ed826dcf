"""Which DNS server the checks ask.

Both checks look names up with dnspython, which has a time limit (``getaddrinfo`` has none
we can set), using the system's resolver settings. ``BOT_CHECKS_DNS_SERVER`` (``host`` or
``host:port``) sends every lookup of both checks to that one server instead; the tests
point it at their own DNS server on loopback. Names from ``/etc/hosts`` are not used, so
a local alias cannot point a check at a private machine.
"""

from __future__ import annotations

import dns.exception
import dns.resolver

from bot import settings
from bot.checks.address_policy import Resolver

DNS_SERVER_ENV = "BOT_CHECKS_DNS_SERVER"
DNS_SECONDS = 5.0


def configured_server() -> tuple[str, int] | None:
    raw = settings.text(DNS_SERVER_ENV)
    if not raw:
        return None
    if raw.startswith("["):  # [::1]:5353
        host, _, port = raw[1:].partition("]")
        return host, int(port.lstrip(":") or 53)
    if raw.count(":") == 1:
        host, port = raw.split(":")
        return host, int(port)
    return raw, 53


def dns_resolver() -> dns.resolver.Resolver:
    """dnspython's resolver: the system's, or the one server named in the environment."""
    server = configured_server()
    if server is None:
        resolver = dns.resolver.Resolver()
    else:
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [server[0]]
        resolver.port = server[1]
    resolver.lifetime = DNS_SECONDS
    resolver.timeout = DNS_SECONDS
    return resolver


def _dns_resolve(host: str, port: int) -> list[str]:
    try:
        resolver = dns_resolver()
    except dns.exception.DNSException:  # no resolver configuration on this machine
        return []
    found: list[str] = []
    for record_type in ("A", "AAAA"):
        try:
            found += [str(record) for record in resolver.resolve(host, record_type)]
        except dns.exception.DNSException:
            continue
    return found


def host_resolver() -> Resolver:
    """How the website check turns a host name into addresses."""
    return _dns_resolve
