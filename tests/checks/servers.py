"""Real servers on loopback for the check tests: web servers speaking HTTP and HTTPS on one
port, with certificates from a test CA, and a DNS server answering from a small zone.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import trustme
from dnslib import AAAA, MX, QTYPE, RR, TXT, A, DNSRecord
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
        self.routes: dict[str, Route] = {"/": Route(headers=dict(GOOD_HEADERS))}
        self.redirect_http = True
        self.requests: list[tuple[str, str]] = []
        self.cookies_seen: list[str] = []
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
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

    def context(self, *names: str, days_left: float = 365) -> ssl.SSLContext:
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        not_after = now + timedelta(days=days_left)
        not_before = min(now, not_after) - timedelta(days=30)
        leaf = self.ca.issue_cert(*(names or ("127.0.0.1",)), not_before=not_before,
                                  not_after=not_after)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        leaf.configure_cert(context)
        return context

    def bundle(self, path: str) -> str:
        self.ca.cert_pem.write_to_path(path)
        return path


class ZoneResolver(BaseResolver):  # type: ignore[misc]
    """Answers from ``records``: {(name, type): [rdata]}; unknown names get NXDOMAIN."""

    def __init__(self, records: dict[tuple[str, str], list[Any]]) -> None:
        self.records = records

    def resolve(self, request: DNSRecord, handler: Any) -> DNSRecord:
        reply = request.reply()
        name = str(request.q.qname).rstrip(".").lower()
        qtype = QTYPE[request.q.qtype]
        if not any(known == name for known, _ in self.records):
            reply.header.rcode = 3  # NXDOMAIN
            return reply
        for rdata in self.records.get((name, qtype), []):
            reply.add_answer(RR(name + ".", getattr(QTYPE, qtype), rdata=rdata, ttl=60))
        return reply


def txt(text: str) -> TXT:
    return TXT(text)


ZONE: dict[tuple[str, str], list[Any]] = {
    ("good.test", "MX"): [MX("mail.good.test.", 10)],
    ("good.test", "TXT"): [txt("v=spf1 include:_spf.mail.example ~all"), txt("some-verification=abc")],
    ("_dmarc.good.test", "TXT"): [txt("v=DMARC1; p=reject; rua=mailto:dmarc@good.test")],
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
}


class _QuietLogger:
    """dnslib logs every query to stdout by default; the tests have no use for it."""

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: None


class DnsServer:
    """A UDP DNS server on a free loopback port."""

    def __init__(self, records: dict[tuple[str, str], list[Any]] | None = None) -> None:
        self.server = DNSServer(ZoneResolver(records or ZONE), address="127.0.0.1", port=0,
                                logger=_QuietLogger())
        self.server.start_thread()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.server.server.server_address[1]}"

    def stop(self) -> None:
        self.server.stop()
