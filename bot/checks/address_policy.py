"""Which addresses the checks may contact, so the bot cannot be used to reach private networks.

An owner types an address; before anything connects we parse it strictly, resolve the host
and refuse anything that is not a public internet address. The same test runs again on every
redirect hop and on the address a socket actually connected to (``bot.checks.safe_http``).

Refused: schemes other than http and https, ports other than 80 and 443, user names or
passwords in the address, and hosts that are (or resolve to) loopback, private, link-local,
carrier-grade NAT, multicast, reserved or unspecified addresses, including IPv4 addresses
written in decimal, octal or hex (``2130706433``, ``0177.0.0.1``) and IPv6 forms that
embed an IPv4 address (``::ffff:127.0.0.1``, 6to4, Teredo, NAT64).

Test-only allowance: ``BOT_CHECKS_TEST_ALLOW`` (comma-separated networks, e.g.
``127.0.0.0/8,::1``) lets the tests reach their own loopback servers. Addresses inside an
allowed network may also use any port, because test servers listen on free ports. Never
set it in production.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass
from typing import Callable, Sequence
from urllib.parse import urlsplit

from bot import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

TEST_ALLOW_ENV = "BOT_CHECKS_TEST_ALLOW"
DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_ADDRESS_CHARS = 300

_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
# Something that inet_aton would read as an IPv4 address: up to four numbers in decimal,
# octal (leading 0) or hex (0x), separated by dots.
_INET_ATON_FORM = re.compile(r"^(?:0x[0-9a-f]*|[0-9]+)(?:\.(?:0x[0-9a-f]*|[0-9]+)){0,3}\.?$", re.I)


class AddressRefused(ValueError):
    """The address may not be checked; ``str(error)`` is a plain-English reason for the owner."""


@dataclass(frozen=True)
class Target:
    """A parsed, syntactically acceptable address (not yet resolved)."""

    scheme: str
    host: str  # lower-case IDNA host name, or an IP address in its normal form
    port: int
    path: str  # path and query, at least "/"
    ip_literal: IPAddress | None

    @property
    def explicit_port(self) -> bool:
        return self.port != DEFAULT_PORTS[self.scheme]

    def url(self, scheme: str | None = None, path: str | None = None) -> str:
        """The address as a URL, optionally with another scheme (same host) or path."""
        scheme = scheme or self.scheme
        port = self.port if self.explicit_port else DEFAULT_PORTS[scheme]
        host = f"[{self.host}]" if ":" in self.host else self.host
        netloc = host if port == DEFAULT_PORTS[scheme] else f"{host}:{port}"
        return f"{scheme}://{netloc}{path if path is not None else self.path}"


def test_allowance() -> tuple[IPNetwork, ...]:
    """Networks the tests may reach; empty unless ``BOT_CHECKS_TEST_ALLOW`` is set."""
    raw = settings.text(TEST_ALLOW_ENV)
    if not raw:
        return ()
    try:
        return tuple(ipaddress.ip_network(part.strip(), strict=False)
                     for part in raw.split(",") if part.strip())
    except ValueError as error:
        raise ValueError(f"{TEST_ALLOW_ENV} must be comma-separated networks, got {raw!r}") from error


def _allowed_for_tests(ip: IPAddress, allowance: Sequence[IPNetwork]) -> bool:
    return any(ip.version == net.version and ip in net for net in allowance)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses hidden inside an IPv6 one (mapped, compatible, 6to4, Teredo, NAT64)."""
    found: list[ipaddress.IPv4Address] = []
    if ip.ipv4_mapped:
        found.append(ip.ipv4_mapped)
    if ip.sixtofour:
        found.append(ip.sixtofour)
    if ip.teredo:
        found.extend(ip.teredo)
    packed = ip.packed
    if ip in _NAT64 or packed[:12] == bytes(12):  # NAT64 and the old "IPv4-compatible" ::a.b.c.d
        found.append(ipaddress.IPv4Address(packed[12:]))
    return found


def _public(ip: IPAddress) -> bool:
    if (ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_multicast or ip.is_reserved
            or ip.is_unspecified or not ip.is_global):
        return False
    if isinstance(ip, ipaddress.IPv4Address):
        return ip not in _CGNAT
    if ip.is_site_local:
        return False
    return all(_public(inner) for inner in _embedded_ipv4(ip))


def check_ip(ip: IPAddress | str, allowance: Sequence[IPNetwork] | None = None) -> IPAddress:
    """Return the address if the checks may connect to it, else raise :class:`AddressRefused`."""
    address = ipaddress.ip_address(ip) if isinstance(ip, str) else ip
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        mapped = address.ipv4_mapped
        if _allowed_for_tests(mapped, allowance if allowance is not None else test_allowance()):
            return address
    if _allowed_for_tests(address, allowance if allowance is not None else test_allowance()):
        return address
    if not _public(address):
        raise AddressRefused(
            "I can't check that address because it points to a private or local network, "
            "not a public website. I only check sites that anyone on the internet can reach."
        )
    return address


def _ip_literal(host: str) -> IPAddress | None:
    """The host as an IP address, reading every form the C resolver accepts (2130706433, 0177.0.0.1)."""
    bare = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        return ipaddress.ip_address(bare.split("%", 1)[0])
    except ValueError:
        pass
    if _INET_ATON_FORM.match(bare):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(bare.rstrip(".")))
        except OSError:
            raise AddressRefused("That doesn't look like a valid web address.") from None
    return None


def ip_literal(host: str) -> IPAddress | None:
    """The host as an IP address in any form the C resolver reads, or None for a name."""
    return _ip_literal(host)


def _idna_host(host: str) -> str:
    name = host.rstrip(".").lower()
    try:
        name = name.encode("idna").decode("ascii")
    except UnicodeError:
        raise AddressRefused("That doesn't look like a valid web address.") from None
    labels = name.split(".")
    if len(name) > 253 or not all(_HOST_LABEL.match(label) for label in labels):
        raise AddressRefused("That doesn't look like a valid web address.")
    return name


def parse_target(address: str, allowance: Sequence[IPNetwork] | None = None) -> Target:
    """Parse what the owner typed into a :class:`Target`, or raise :class:`AddressRefused`.

    A bare name ("example.co.uk") means https. The policy on ports and credentials is
    applied here; the policy on addresses is applied to IP literals here and to names
    once they are resolved (:func:`resolve`).
    """
    allowance = test_allowance() if allowance is None else allowance
    text = address.strip().strip("<>\"'")
    if not text or len(text) > MAX_ADDRESS_CHARS or any(c.isspace() or ord(c) < 32 for c in text):
        raise AddressRefused("That doesn't look like a valid web address.")
    if "://" not in text:
        if re.match(r"^[a-z][a-z0-9+.-]*:(?!\d)", text, re.I) and not text.startswith("["):
            raise AddressRefused("I can only check web addresses that start with http or https.")
        text = "https://" + text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise AddressRefused("That doesn't look like a valid web address.") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise AddressRefused("I can only check web addresses that start with http or https.")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise AddressRefused(
            "Please don't include a user name or password in the address. "
            "Send just the website address, like www.example.co.uk."
        )
    host = parts.hostname or ""
    if not host:
        raise AddressRefused("That doesn't look like a valid web address.")
    ip = _ip_literal(f"[{host}]" if ":" in host else host)
    if ip is not None:
        check_ip(ip, allowance)
        host_name = str(ip)
    else:
        host_name = _idna_host(host)
        if host_name == "localhost" or host_name.endswith(".localhost"):
            check_ip(ipaddress.ip_address("127.0.0.1"), allowance)
    port = port if port is not None else DEFAULT_PORTS[scheme]
    test_port_ok = ip is not None and _allowed_for_tests(ip, allowance) or (
        ip is None and bool(allowance))
    if port not in (80, 443) and not test_port_ok:
        raise AddressRefused("I can only check websites on the usual ports (80 and 443).")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(scheme=scheme, host=host_name, port=port, path=path, ip_literal=ip)


Resolver = Callable[[str, int], list[str]]


def system_resolve(host: str, port: int) -> list[str]:
    """Addresses for a host name from the system resolver (getaddrinfo, as requests uses)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return []
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def resolve(target: Target, resolver: Resolver | None = None,
            allowance: Sequence[IPNetwork] | None = None) -> list[IPAddress]:
    """Every address the host resolves to, all vetted; refuses if any one of them is refused.

    Refusing when *any* answer is private stops a name that mixes a public and a private
    address from being used to reach the private one.
    """
    allowance = test_allowance() if allowance is None else allowance
    if target.ip_literal is not None:
        return [check_ip(target.ip_literal, allowance)]
    answers = (resolver or system_resolve)(target.host, target.port)
    if not answers:
        raise AddressRefused("I couldn't find that website. Please check the address and try again.")
    vetted = [check_ip(ipaddress.ip_address(answer.split("%", 1)[0]), allowance) for answer in answers]
    if not target.explicit_port or target.port in (80, 443):
        return vetted
    if not all(_allowed_for_tests(ip, allowance) for ip in vetted):
        raise AddressRefused("I can only check websites on the usual ports (80 and 443).")
    return vetted
