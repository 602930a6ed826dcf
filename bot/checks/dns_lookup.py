"""Which DNS server the checks ask.

Both checks look names up with dnspython, which has a time limit (``getaddrinfo`` has none
we can set), using the system's resolver settings. ``BOT_CHECKS_DNS_SERVER`` (``host`` or
``host:port``) sends every lookup of both checks to that one server instead; the tests
point it at their own DNS server on loopback. Names from ``/etc/hosts`` are not used, so
a local alias cannot point a check at a private machine.
"""

from __future__ import annotations

import threading

import dns.exception
import dns.resolver

from bot import settings
from bot.checks.address_policy import Resolver
from bot.checks.budget import Budget

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


def dns_resolver(seconds: float = DNS_SECONDS) -> dns.resolver.Resolver:
    """dnspython's resolver: the system's, or the one server named in the environment."""
    server = configured_server()
    if server is None:
        resolver = dns.resolver.Resolver()
    else:
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [server[0]]
        resolver.port = server[1]
    resolver.lifetime = seconds
    resolver.timeout = seconds
    return resolver


def _dns_resolve(host: str, port: int, seconds: float = DNS_SECONDS) -> list[str]:
    try:
        resolver = dns_resolver(seconds)
    except dns.exception.DNSException:  # no resolver configuration on this machine
        return []
    found: list[str] = []
    for record_type in ("A", "AAAA"):
        try:
            found += [str(record) for record in resolver.resolve(host, record_type)]
        except dns.exception.Timeout:
            break  # a silent DNS server: asking again would only spend the time limit twice
        except dns.exception.DNSException:
            continue
    return found


def host_resolver(budget: Budget | None = None) -> Resolver:
    """How the checks turn a host name into addresses; each name is looked up once per
    check, within what is left of the check's time."""
    if budget is None:
        return _dns_resolve
    seen: dict[str, list[str]] = {}
    lock = threading.Lock()

    def resolve(host: str, port: int) -> list[str]:
        with lock:
            if host in seen:
                return seen[host]
        answers = _dns_resolve(host, port, budget.dns_timeout())
        with lock:
            seen[host] = answers
        return answers

    return resolve
