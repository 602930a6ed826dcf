"""TCP connections for the probes that are not HTTP (TLS versions, SMTP), under the same
address policy as the web fetcher.

The host is resolved with dnspython, every address is vetted by
:mod:`bot.checks.address_policy` (one refused address refuses the host), the socket
connects only to those vetted addresses, and the address it really connected to is vetted
again. Ports are fixed by the probe (25 for SMTP, 443 for HTTPS); any other port is
allowed only for addresses inside the test-only allowance.
"""

from __future__ import annotations

import socket
from typing import Sequence

from bot.checks.address_policy import (
    AddressRefused,
    IPNetwork,
    Resolver,
    check_ip,
    ip_literal,
    test_allowance,
)
from bot.checks.budget import Budget

PROBE_PORTS = frozenset({25, 443})


class Unreachable(OSError):
    """Nothing answered: ``kind`` is ``timeout`` (silent or filtered) or ``refused``."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def vetted_addresses(host: str, port: int, resolver: Resolver,
                     allowance: Sequence[IPNetwork] | None = None) -> list[str]:
    """Every address of ``host``, each allowed by the policy, or :class:`AddressRefused`."""
    allowance = test_allowance() if allowance is None else allowance
    name = host.rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost"):
        check_ip("127.0.0.1", allowance)
    literal = ip_literal(name)  # 2130706433 and 0177.0.0.1 are read as the C resolver reads them
    answers = [str(literal)] if literal is not None else resolver(name, port)
    if not answers:
        raise Unreachable("no_address")
    vetted = [check_ip(answer.split("%", 1)[0], allowance) for answer in answers]
    if port not in PROBE_PORTS:
        nets = list(allowance)
        if not all(any(ip.version == n.version and ip in n for n in nets) for ip in vetted):
            raise AddressRefused("I only connect to the usual ports.")
    return [str(ip) for ip in vetted]


def connect(host: str, port: int, *, resolver: Resolver, budget: Budget,
            allowance: Sequence[IPNetwork] | None = None) -> socket.socket:
    """A connected socket to a vetted address of ``host``; raises :class:`AddressRefused`
    or :class:`Unreachable`."""
    allowance = test_allowance() if allowance is None else allowance
    last = "timeout"
    for address in vetted_addresses(host, port, resolver, allowance):
        if budget.expired():
            break
        try:
            sock = socket.create_connection((address, port), budget.connect_timeout())
        except TimeoutError:
            last = "timeout"
            continue
        except OSError:
            last = "refused"
            continue
        try:
            check_ip(str(sock.getpeername()[0]).split("%", 1)[0], allowance)
        except AddressRefused:
            sock.close()
            raise
        sock.settimeout(budget.read_timeout())
        return sock
    raise Unreachable(last)
