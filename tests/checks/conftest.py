"""Fixtures for the check tests: a test CA, web servers and a DNS server, all on loopback."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator

import pytest

from bot.checks.budget import Limits
from tests.checks.servers import DnsServer, SilentServer, SmtpServer, TestCA, WebServer

LOOPBACK = "127.0.0.0/8,::1"
#: Time limits for tests of silent servers: short, so the suite stays fast.
FAST = Limits(connect=0.5, read=0.5, dns=0.5, total=3.0)


@pytest.fixture(scope="session")
def test_ca() -> TestCA:
    return TestCA()


@pytest.fixture(scope="session")
def ca_bundle(test_ca: TestCA, tmp_path_factory: pytest.TempPathFactory) -> str:
    return test_ca.bundle(str(tmp_path_factory.mktemp("ca") / "ca.pem"))


@pytest.fixture(scope="session")
def dns_server() -> Iterator[DnsServer]:
    server = DnsServer()
    yield server
    server.stop()


@pytest.fixture()
def allow_loopback(monkeypatch: pytest.MonkeyPatch, ca_bundle: str, dns_server: DnsServer) -> None:
    """The test-only allowance, the test CA and the loopback DNS server, as the stack gets them."""
    monkeypatch.setenv("BOT_CHECKS_TEST_ALLOW", LOOPBACK)
    monkeypatch.setenv("BOT_CHECKS_CA_BUNDLE", ca_bundle)
    monkeypatch.setenv("BOT_CHECKS_DNS_SERVER", dns_server.address)


@pytest.fixture()
def no_allowance(monkeypatch: pytest.MonkeyPatch, ca_bundle: str, dns_server: DnsServer) -> None:
    """Production rules: no allowance, but the same CA and DNS server."""
    monkeypatch.delenv("BOT_CHECKS_TEST_ALLOW", raising=False)
    monkeypatch.setenv("BOT_CHECKS_CA_BUNDLE", ca_bundle)
    monkeypatch.setenv("BOT_CHECKS_DNS_SERVER", dns_server.address)


@pytest.fixture()
def web_server(test_ca: TestCA) -> Iterator[Callable[..., WebServer]]:
    started: list[WebServer] = []

    def start(*names: str, days_left: float = 365, host: str = "127.0.0.1",
              versions: tuple[str, str] | None = None) -> WebServer:
        context = test_ca.context(*(names or (host,)), days_left=days_left, versions=versions)
        server = WebServer(context, host=host)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def smtp_starttls(test_ca: TestCA) -> Iterator[SmtpServer]:
    server = SmtpServer(test_ca.context("mail.test"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def smtp_plain() -> Iterator[SmtpServer]:
    server = SmtpServer(None)
    yield server
    server.stop()


@pytest.fixture()
def silent() -> Iterator[SilentServer]:
    server = SilentServer()
    yield server
    server.stop()


@pytest.fixture()
def tmp(tmp_path: Path) -> Path:
    return tmp_path
