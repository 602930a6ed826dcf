"""Real servers on loopback for the check tests: web servers speaking HTTP and HTTPS on one
port (any TLS versions), with certificates from a test CA; a DNS server answering from
zones built for each finding; SMTP servers with and without STARTTLS (aiosmtpd); and
servers that accept a connection or a query and then say nothing.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import trustme
from aiosmtpd.controller import Controller
from dnslib import AAAA, CAA, DNSKEY, MX, QTYPE, RR, TXT, A, DNSRecord
from dnslib.server import BaseResolver, DNSServer


@dataclass
class Route:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b"<html><head><title>Shop</title></head><body>Hello</body></html>"
    delay: float = 0.0  # seconds to wait before answering


GOOD_HEADERS = {
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Server": "nginx",
}


SECURITY_TXT = "/.well-known/security.txt"


def security_txt(days: float = 180, contact: bool = True, expires: bool = True,
                 content_type: str = "text/plain; charset=utf-8") -> Route:
    """A security.txt file whose Expires is ``days`` from now (negative: already expired)."""
    when = (datetime.now(timezone.utc) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")
    lines = (["Contact: mailto:security@example.test"] if contact else []) + (
        [f"Expires: {when}"] if expires else [])
    return Route(headers={"Content-Type": content_type}, body="\n".join(lines).encode() + b"\n")


class _Handler(BaseHTTPRequestHandler):
    server: WebServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature of the base
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        tls = isinstance(self.connection, ssl.SSLSocket)
        self.server.requests.append(("https" if tls else "http", self.path))
        if self.headers.get("Cookie"):
            self.server.cookies_seen.append(self.headers["Cookie"])
        if not tls and self.server.redirect_http:
            self._send(Route(301, {"Location": f"https://{self.headers['Host']}{self.path}"}, b""))
            return
        route = self.server.routes.get(self.path.split("?")[0], Route(404, {}, b"not found"))
        time.sleep(route.delay)
        self._send(route)

    def _send(self, route: Route) -> None:
        self.send_response_only(route.status)
        for name, value in route.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(route.body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(route.body)


class WebServer(ThreadingHTTPServer):
    """HTTP and HTTPS on one loopback port: a TLS handshake's first byte (0x16) picks HTTPS."""

    daemon_threads = True

    def __init__(self, context: ssl.SSLContext | None, host: str = "127.0.0.1") -> None:
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        super().__init__((host, 0), _Handler)
        self.context = context
        self.routes: dict[str, Route] = {"/": Route(headers=dict(GOOD_HEADERS)),
                                         SECURITY_TXT: security_txt()}
        self.redirect_http = True
        self.requests: list[tuple[str, str]] = []
        self.cookies_seen: list[str] = []
        self.thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def finish_request(self, request: Any, client_address: Any) -> None:
        try:
            first = request.recv(1, socket.MSG_PEEK)
            if first == b"\x16" and self.context is not None:
                request = self.context.wrap_socket(request, server_side=True)
        except (OSError, ssl.SSLError):
            return  # the client refused our certificate: that is what some tests expect
        with contextlib.suppress(OSError, ssl.SSLError):
            super().finish_request(request, client_address)

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class TestCA:
    """A certificate authority for the tests, with leaf certificates of chosen lifetimes."""

    __test__ = False

    def __init__(self) -> None:
        self.ca = trustme.CA()

    def context(self, *names: str, days_left: float = 365,
                versions: tuple[str, str] | None = None) -> ssl.SSLContext:
        """A server context; ``versions`` pins the lowest and highest TLS version offered."""
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        not_after = now + timedelta(days=days_left)
        not_before = min(now, not_after) - timedelta(days=30)
        leaf = self.ca.issue_cert(*(names or ("127.0.0.1",)), not_before=not_before,
                                  not_after=not_after)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        leaf.configure_cert(context)
        if versions:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                context.set_ciphers("ALL:@SECLEVEL=0")
                context.minimum_version = getattr(ssl.TLSVersion, versions[0])
                context.maximum_version = getattr(ssl.TLSVersion, versions[1])
        return context

    def bundle(self, path: str) -> str:
        self.ca.cert_pem.write_to_path(path)
        return path


class ZoneResolver(BaseResolver):
    """Answers from ``records``: {(name, type): [rdata]}; unknown names get NXDOMAIN.

    Names in ``signed`` (and below them) are answered with the AD flag, as a validating
    resolver answers for a DNSSEC-signed zone.
    """

    def __init__(self, records: dict[tuple[str, str], list[Any]], signed: set[str]) -> None:
        self.records = records
        self.signed = signed

    def resolve(self, request: DNSRecord, handler: Any) -> DNSRecord:
        reply = request.reply()
        name = str(request.q.qname).rstrip(".").lower()
        qtype = QTYPE[request.q.qtype]
        if not any(known == name for known, _ in list(self.records)):
            reply.header.rcode = 3  # NXDOMAIN
            return reply
        if any(name == zone or name.endswith("." + zone) for zone in self.signed):
            reply.header.ad = 1
        for rdata in self.records.get((name, qtype), []):
            reply.add_answer(RR(name + ".", getattr(QTYPE, qtype), rdata=rdata, ttl=60))
        return reply


def txt(text: str) -> TXT:
    return TXT(text)


ZONE: dict[tuple[str, str], list[Any]] = {
    ("good.test", "MX"): [MX("mail.good.test.", 10)],
    ("good.test", "TXT"): [txt("v=spf1 include:_spf.good.test ~all"), txt("some-verification=abc")],
    ("_spf.good.test", "TXT"): [txt("v=spf1 ip4:192.0.2.0/24 -all")],
    ("_dmarc.good.test", "TXT"): [txt("v=DMARC1; p=reject; rua=mailto:dmarc@good.test")],
    ("default._domainkey.good.test", "TXT"): [txt("v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEB")],
    ("_smtp._tls.good.test", "TXT"): [txt("v=TLSRPTv1; rua=mailto:tls@good.test")],
    ("missing.test", "A"): [A("192.0.2.10")],
    ("weak.test", "MX"): [MX("mail.weak.test.", 10)],
    ("weak.test", "TXT"): [txt("v=spf1 a mx +all")],
    ("_dmarc.weak.test", "TXT"): [txt("v=DMARC1; p=none")],
    ("twospf.test", "MX"): [MX("mx1.twospf.test.", 10)],
    ("twospf.test", "TXT"): [txt("v=spf1 include:one.example -all"), txt("v=spf1 include:two.example -all")],
    ("_dmarc.twospf.test", "TXT"): [txt("v=DMARC1; p=quarantine")],
    ("loopback.test", "A"): [A("127.0.0.1")],
    ("mixed.test", "A"): [A("127.0.0.1"), A("10.0.0.1")],
    ("v6loop.test", "AAAA"): [AAAA("::1")],
    ("site.test", "A"): [A("127.0.0.1")],
    ("m365.test", "MX"): [MX("m365-test.mail.protection.outlook.com.", 0)],
    ("m365.test", "TXT"): [txt("v=spf1 include:spf.protection.outlook.com -all")],
    ("_dmarc.m365.test", "TXT"): [txt("v=DMARC1; p=none")],
    ("spf.protection.outlook.com", "TXT"): [txt("v=spf1 ip4:40.92.0.0/15 -all")],
}

DKIM_KEY = ("v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDBzfh2o0b4xJ8tZ1I2v5mJ"
            "1qQ6Yq0hUuP3e0J0c2Hk1N0pFzq3b0bC3Vq1k6dF5O9QIDAQAB")
ZONE_KEY = DNSKEY(257, 3, 13, b"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")


def _include_chain(domain: str, count: int) -> dict[tuple[str, str], list[Any]]:
    """An SPF record with ``count`` includes, each one DNS lookup."""
    includes = " ".join(f"include:i{n}.{domain}" for n in range(count))
    zone: dict[tuple[str, str], list[Any]] = {(domain, "TXT"): [txt(f"v=spf1 {includes} -all")]}
    for n in range(count):
        zone[(f"i{n}.{domain}", "TXT")] = [txt(f"v=spf1 ip4:192.0.2.{n + 1} -all")]
    return zone


def mail_zone(domain: str, *, mx: str | None = None, mx_address: str = "127.0.0.1",
              spf: str | None = "v=spf1 ip4:192.0.2.0/24 -all",
              dmarc: str | None = "v=DMARC1; p=reject; rua=mailto:dmarc@{domain}",
              dkim: dict[str, str] | None = None, mta_sts: str | None = "enforce",
              tls_rpt: bool = True, signed: bool = True,
              spf_includes: int = 0) -> tuple[dict[tuple[str, str], list[Any]], bool]:
    """The records of one email domain; every argument's default is the well-set-up case."""
    mail_host = mx or f"mail.{domain}"
    zone: dict[tuple[str, str], list[Any]] = {(domain, "MX"): [MX(mail_host + ".", 10)]}
    if mx is None:
        zone[(mail_host, "A")] = [A(mx_address)]
    if spf_includes:
        zone.update(_include_chain(domain, spf_includes))
    elif spf is not None:
        zone[(domain, "TXT")] = [txt(spf), txt("some-verification=abc")]
    if dmarc is not None:
        zone[(f"_dmarc.{domain}", "TXT")] = [txt(dmarc.format(domain=domain))]
    for selector, record in (dkim if dkim is not None else {"default": DKIM_KEY}).items():
        zone[(f"{selector}._domainkey.{domain}", "TXT")] = [txt(record)]
    if mta_sts is not None:
        zone[(f"_mta-sts.{domain}", "TXT")] = [txt("v=STSv1; id=20261203")]
        zone[(f"mta-sts.{domain}", "A")] = [A("127.0.0.1")]
    if tls_rpt:
        zone[(f"_smtp._tls.{domain}", "TXT")] = [txt(f"v=TLSRPTv1; rua=mailto:tls@{domain}")]
    if signed:
        zone[(domain, "DNSKEY")] = [ZONE_KEY]
    return zone, signed


def sts_policy(mode: str, mx: str) -> bytes:
    return f"version: STSv1\r\nmode: {mode}\r\nmx: {mx}\r\nmax_age: 604800\r\n".encode()


def caa(issuer: str) -> CAA:
    return CAA(0, "issue", issuer)


class _QuietLogger:
    """dnslib logs every query to stdout by default; the tests have no use for it."""

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: None


class DnsServer:
    """A UDP DNS server on a free loopback port; tests add zones with :meth:`add`."""

    def __init__(self, records: dict[tuple[str, str], list[Any]] | None = None) -> None:
        self.records = dict(records or ZONE)
        self.signed: set[str] = set()
        self.server = DNSServer(ZoneResolver(self.records, self.signed), address="127.0.0.1",
                                port=0, logger=_QuietLogger())
        self.server.start_thread()

    def add(self, zone: dict[tuple[str, str], list[Any]], signed_as: str | None = None) -> None:
        self.records.update(zone)
        if signed_as:
            self.signed.add(signed_as)

    def add_mail(self, domain: str, **options: Any) -> None:
        zone, signed = mail_zone(domain, **options)
        self.add(zone, domain if signed else None)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.server.server.server_address[1]}"

    def stop(self) -> None:
        self.server.stop()


class SilentDns:
    """A UDP socket on loopback that reads DNS queries and never answers."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.sock.getsockname()[1]}"

    def stop(self) -> None:
        self.sock.close()


class SilentServer:
    """A TCP server on loopback that accepts connections and then says nothing."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.sock = socket.socket()
        self.sock.bind((host, 0))
        self.sock.listen(64)
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return int(self.sock.getsockname()[1])

    def _accept(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                connection, _ = self.sock.accept()
                self.held.append(connection)

    def stop(self) -> None:
        self.sock.close()
        for connection in self.held:
            connection.close()


class _Sink:
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SmtpServer:
    """An aiosmtpd server on loopback, offering STARTTLS when given a TLS context."""

    def __init__(self, tls: ssl.SSLContext | None) -> None:
        self.controller = Controller(_Sink(), hostname="127.0.0.1", port=free_port(),
                                     tls_context=tls, require_starttls=False)
        self.controller.start()

    @property
    def port(self) -> int:
        return int(self.controller.port)

    def stop(self) -> None:
        self.controller.stop()
