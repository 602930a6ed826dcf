"""HTTP(S) fetching that only ever connects to vetted public addresses.

``requests`` would resolve the host again when it connects, so a name could answer with a
public address when we vet it and a private one when we connect (DNS rebinding). Here a
requests adapter connects to exactly the addresses that :mod:`bot.checks.address_policy`
vetted, checks the address the socket really connected to, and records the server's
certificate. Redirects are followed by hand, at most five, each hop vetted afresh.

Limits: connect and read timeouts, a total time limit across all hops, a cap on the bytes
read from each response, no cookies kept, and no proxies or netrc from the environment.
"""

from __future__ import annotations

import http.cookiejar
import socket
import ssl
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Mapping, Sequence
from urllib.parse import urljoin

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from bot import settings
from bot.checks.address_policy import (
    AddressRefused,
    IPAddress,
    IPNetwork,
    Resolver,
    Target,
    check_ip,
    parse_target,
    resolve,
    test_allowance,
)

CA_BUNDLE_ENV = "BOT_CHECKS_CA_BUNDLE"
MAX_REDIRECTS = 5
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 5.0
TOTAL_SECONDS = 20.0
MAX_BYTES = 256 * 1024
USER_AGENT = "SME-cyber-assistant-check/1.0 (a one-off check requested by the site's owner)"
REDIRECT_CODES = {301, 302, 303, 307, 308}


class FetchFailed(Exception):
    """The address could not be fetched; ``kind`` says why, ``str(error)`` in plain English."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind  # tls_expired, tls_untrusted, tls_hostname, tls_version, connect,
        # timeout, redirects


@dataclass
class Response:
    """One response, read up to the byte cap."""

    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes
    peer: str
    cert_not_after: datetime | None = None


@dataclass
class Fetch:
    """The final response and the chain of URLs that led to it."""

    final: Response
    chain: list[str] = field(default_factory=list)  # every URL requested, in order
    first_headers: Mapping[str, str] = field(default_factory=dict)  # of the first response


class _NoCookies(http.cookiejar.DefaultCookiePolicy):
    def set_ok(self, cookie: Any, request: Any) -> bool:
        return False


class _Pins:
    """Per-check state shared with the connection classes: vetted addresses and what was seen."""

    def __init__(self, allowance: Sequence[IPNetwork]) -> None:
        self.allowance = allowance
        self.addresses: dict[tuple[str, int], list[IPAddress]] = {}
        self.peer: str = ""
        self.cert: dict[str, Any] | None = None


def _connect_pinned(conn: HTTPConnection, pins: _Pins) -> socket.socket:
    """Connect to one of the vetted addresses for the connection's host, then vet the peer."""
    addresses = pins.addresses.get((conn.host.strip("[]"), conn.port or 0))
    if not addresses:
        raise AddressRefused("I couldn't check that address safely.")
    last: OSError | None = None
    for address in addresses:
        try:
            sock = socket.create_connection((str(address), conn.port), conn.timeout)
        except OSError as error:
            last = error
            continue
        peer = str(sock.getpeername()[0])
        try:
            check_ip(peer.split("%", 1)[0], pins.allowance)
        except AddressRefused:
            sock.close()
            raise
        pins.peer = peer
        return sock
    if isinstance(last, socket.timeout):
        raise FetchFailed("timeout", "The website took too long to answer.")
    raise FetchFailed("connect", "I couldn't connect to the website.")


def _pool_classes(pins: _Pins) -> dict[str, type[HTTPConnectionPool]]:
    class PinnedHTTP(HTTPConnection):
        def _new_conn(self) -> socket.socket:
            return _connect_pinned(self, pins)

    class PinnedHTTPS(HTTPSConnection):
        def _new_conn(self) -> socket.socket:
            return _connect_pinned(self, pins)

        def connect(self) -> None:
            super().connect()
            getpeercert = getattr(self.sock, "getpeercert", None)
            pins.cert = getpeercert() if getpeercert else None

    class PinnedHTTPPool(HTTPConnectionPool):
        ConnectionCls = PinnedHTTP

    class PinnedHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = PinnedHTTPS

    return {"http": PinnedHTTPPool, "https": PinnedHTTPSPool}


class PinnedAdapter(HTTPAdapter):
    """A requests adapter whose connections go only to the vetted addresses in ``pins``."""

    def __init__(self, pins: _Pins) -> None:
        self.pins = pins
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _pool_classes(self.pins)


def _session(pins: _Pins) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # no proxies, netrc or CA bundle from the environment
    session.cookies.set_policy(_NoCookies())
    adapter = PinnedAdapter(pins)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers.update({"User-Agent": USER_AGENT, "Accept": "text/html,*/*;q=0.5"})
    return session


def _verify() -> str | bool:
    bundle = settings.text(CA_BUNDLE_ENV)
    return bundle or True


def _tls_failure(error: Exception) -> FetchFailed:
    text = str(error).lower()
    if "protocol version" in text or "unsupported protocol" in text or "wrong version" in text:
        return FetchFailed("tls_version", "The website only offers TLS versions browsers refuse.")
    if "expired" in text:
        return FetchFailed("tls_expired", "The website's certificate has expired.")
    if "hostname" in text or "match" in text:
        return FetchFailed("tls_hostname", "The website's certificate is for a different name.")
    return FetchFailed("tls_untrusted", "The website's certificate is not trusted.")


def _read_capped(response: requests.Response, deadline: float, cap: int) -> bytes:
    chunks: list[bytes] = []
    total = 0
    while total < cap:
        if time.monotonic() > deadline:
            break
        chunk = response.raw.read(min(16384, cap - total), decode_content=True)
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)[:cap]


def _not_after(cert: dict[str, Any] | None) -> datetime | None:
    if not cert or "notAfter" not in cert:
        return None
    return datetime.fromtimestamp(ssl.cert_time_to_seconds(cert["notAfter"]), tz=timezone.utc)


def fetch(
    address: str | Target,
    *,
    resolver: Resolver | None = None,
    allowance: Sequence[IPNetwork] | None = None,
    deadline: float | None = None,
    max_bytes: int = MAX_BYTES,
    max_redirects: int = MAX_REDIRECTS,
    step_seconds: tuple[float, float] = (CONNECT_TIMEOUT, READ_TIMEOUT),
) -> Fetch:
    """GET the address, following up to ``max_redirects`` redirects, each one vetted.

    Raises :class:`AddressRefused` when any hop is not allowed, :class:`FetchFailed` when
    the site cannot be fetched.
    """
    allowance = test_allowance() if allowance is None else allowance
    deadline = deadline if deadline is not None else time.monotonic() + TOTAL_SECONDS
    target = address if isinstance(address, Target) else parse_target(address, allowance)
    url = target.url()
    chain: list[str] = []
    first_headers: dict[str, str] | None = None
    pins = _Pins(allowance)
    with _session(pins) as session:
        for _hop in range(max_redirects + 1):
            chain.append(url)
            pins.addresses[(target.host, target.port)] = resolve(target, resolver, allowance)
            pins.cert = None
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise FetchFailed("timeout", "The website took too long to answer.")
            timeout = (min(step_seconds[0], remaining), min(step_seconds[1], remaining))
            try:
                # The adapter directly: Session.send would read a redirect's whole body.
                prepared = session.prepare_request(requests.Request("GET", url))
                response = session.get_adapter(url).send(
                    prepared, stream=True, timeout=timeout, verify=_verify(), proxies={})
            except requests.exceptions.SSLError as error:
                raise _tls_failure(error) from None
            except requests.exceptions.Timeout:
                raise FetchFailed("timeout", "The website took too long to answer.") from None
            except requests.exceptions.ConnectionError as error:
                inner = _find_cause(error)
                if inner is not None:
                    raise inner from None
                raise FetchFailed("connect", "I couldn't connect to the website.") from None
            with response:
                if first_headers is None:
                    first_headers = dict(response.headers.lower_items())
                location = response.headers.get("Location")
                if response.status_code in REDIRECT_CODES and location:
                    url = urljoin(url, location.strip())
                    target = parse_target(url, allowance)
                    url = target.url()
                    continue
                body = _read_capped(response, deadline, max_bytes)
                final = Response(url=url, status=response.status_code,
                                 headers=dict(response.headers.lower_items()), body=body,
                                 peer=pins.peer, cert_not_after=_not_after(pins.cert))
                return Fetch(final=final, chain=chain, first_headers=first_headers or {})
    raise FetchFailed("redirects", f"The website redirected more than {max_redirects} times.")


def _find_cause(error: BaseException) -> AddressRefused | FetchFailed | None:
    """Our own refusal or failure, if urllib3 wrapped it in its own exceptions."""
    seen: set[int] = set()
    stack: list[BaseException] = [error]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, (AddressRefused, FetchFailed)):
            return current
        for arg in getattr(current, "args", ()):
            if isinstance(arg, BaseException):
                stack.append(arg)
        for linked in (current.__cause__, current.__context__, getattr(current, "reason", None)):
            if isinstance(linked, BaseException):
                stack.append(linked)
    return None
