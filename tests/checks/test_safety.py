"""Without the test-only allowance, nothing private or local can be reached, however written.

The web servers run on loopback, so a refusal here is the only thing that stops a request
reaching them: each test also asserts the server saw no request.
"""

from __future__ import annotations

from ipaddress import ip_network
from typing import Callable

import pytest

from bot.checks.address_policy import AddressRefused, check_ip, parse_target
from bot.checks.budget import Budget
from bot.checks.dns_lookup import host_resolver
from bot.checks.email_domain import check_email_domain
from bot.checks.safe_socket import connect
from bot.checks.smtp_probe import probe
from bot.checks.tls_probe import offered_versions
from bot.checks.website import check_website
from tests.checks.conftest import FAST
from tests.checks.servers import DnsServer, Route, SilentServer, SmtpServer, WebServer

StartServer = Callable[..., WebServer]
PRIVATE = "points to a private or local network"


@pytest.mark.usefixtures("no_allowance")
@pytest.mark.parametrize("address", [
    "http://127.0.0.1",
    "https://127.0.0.1/",
    "localhost",
    "http://localhost/admin",
    "http://10.0.0.1",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://2130706433/",
    "http://0177.0.0.1/",
    "http://0x7f000001/",
    "http://127.1/",
    "http://0/",
    "http://100.64.0.1/",
    "http://192.168.1.1/",
    "http://172.16.0.1/",
    "http://224.0.0.1/",
    "http://240.0.0.1/",
    "http://[fe80::1]/",
    "http://[fc00::1]/",
    "http://[64:ff9b::a00:1]/",
    "http://[2002:a00:1::]/",
    "localhost.",
    "loopback.test",
    "https://v6loop.test/",
    "mixed.test",
])
def test_private_and_local_addresses_are_refused(address: str) -> None:
    result = check_website(address)
    assert result.outcome == "refused"
    assert PRIVATE in result.problem
    assert not result.findings


@pytest.mark.usefixtures("no_allowance")
@pytest.mark.parametrize("address, reason", [
    ("ftp://example.com/", "start with http or https"),
    ("file:///etc/passwd", "start with http or https"),
    ("gopher://example.com/", "start with http or https"),
    ("javascript:alert(1)", "start with http or https"),
    ("https://example.com:8443/", "usual ports (80 and 443)"),
    ("http://example.com:22/", "usual ports (80 and 443)"),
    ("https://admin:secret@example.com/", "user name or password"),
    ("https://admin@example.com/", "user name or password"),
])
def test_other_schemes_ports_and_credentials_are_refused(address: str, reason: str) -> None:
    result = check_website(address)
    assert result.outcome == "refused"
    assert reason in result.problem


@pytest.mark.usefixtures("no_allowance")
def test_a_loopback_test_server_is_unreachable_without_the_allowance(web_server: StartServer) -> None:
    server = web_server()
    result = check_website(f"https://127.0.0.1:{server.port}/")
    assert result.outcome == "refused"
    assert server.requests == []


@pytest.mark.usefixtures("allow_loopback")
@pytest.mark.parametrize("location", [
    "http://10.0.0.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::ffff:10.0.0.1]/",
    "http://167772161/",
    "http://012.0.0.1/",
    "http://192.168.0.1/",
    "http://mixed.test/",
    "http://localhost:22/",
    "ftp://example.com/",
])
def test_a_redirect_to_a_refused_address_is_refused(web_server: StartServer, location: str) -> None:
    server = web_server()
    server.routes["/"] = Route(302, {"Location": location}, b"")
    result = check_website(f"https://127.0.0.1:{server.port}/")
    assert result.outcome == "refused"
    assert result.problem
    assert not result.findings


@pytest.mark.parametrize("form", [
    "127.0.0.1", "2130706433", "0177.0.0.1", "0x7f.0.0.1", "[::ffff:127.0.0.1]", "[::1]",
    "localhost", "localhost.", "loopback.test", "v6loop.test",
])
def test_a_redirect_to_loopback_is_refused_when_only_another_address_is_allowed(
    web_server: StartServer, monkeypatch: pytest.MonkeyPatch, ca_bundle: str, dns_server: object,
    form: str,
) -> None:
    """The allowance covers 127.0.0.2 only; the redirect goes to 127.0.0.1, which it does not."""
    monkeypatch.setenv("BOT_CHECKS_TEST_ALLOW", "127.0.0.2/32")
    monkeypatch.setenv("BOT_CHECKS_CA_BUNDLE", ca_bundle)
    monkeypatch.setenv("BOT_CHECKS_DNS_SERVER", dns_server.address)  # type: ignore[attr-defined]
    first = web_server(host="127.0.0.2")
    second = web_server()
    first.routes["/"] = Route(302, {"Location": f"https://{form}:{second.port}/"}, b"")
    result = check_website(f"https://127.0.0.2:{first.port}/")
    assert result.outcome == "refused"
    assert PRIVATE in result.problem
    assert second.requests == []


def test_the_connected_peer_is_checked_as_well_as_the_resolved_address() -> None:
    with pytest.raises(AddressRefused):
        check_ip("::ffff:127.0.0.1", allowance=())
    with pytest.raises(AddressRefused):
        check_ip("10.1.2.3", allowance=())
    assert str(check_ip("8.8.8.8", allowance=())) == "8.8.8.8"


def test_the_allowance_opens_other_ports_only_for_allowed_addresses() -> None:
    nets = (ip_network("127.0.0.0/8"),)
    assert parse_target("https://127.0.0.1:8443/", nets).port == 8443
    with pytest.raises(AddressRefused, match="usual ports"):
        parse_target("https://8.8.8.8:8443/", nets)


@pytest.mark.usefixtures("no_allowance")
@pytest.mark.parametrize("address", ["127.0.0.1", "[::1]", "http://10.0.0.1/", "localhost"])
def test_the_email_check_refuses_ip_addresses_and_localhost(address: str) -> None:
    result = check_email_domain(address)
    assert result.outcome == "refused"
    assert result.problem


# The SMTP and TLS probes connect without HTTP, through bot.checks.safe_socket: the same
# refusals hold for them, and the listening server proves no connection was made.
PROBE_FORMS = [
    "127.0.0.1", "2130706433", "0177.0.0.1", "0x7f000001", "127.1", "::1", "::ffff:127.0.0.1",
    "::ffff:7f00:1", "10.0.0.1", "169.254.169.254", "192.168.1.1", "100.64.0.1", "fe80::1",
    "fc00::1", "localhost", "loopback.test", "v6loop.test", "mixed.test",
]


@pytest.mark.usefixtures("no_allowance")
@pytest.mark.parametrize("host", PROBE_FORMS)
def test_the_smtp_probe_refuses_private_and_local_mail_servers(host: str, silent: SilentServer) -> None:
    budget = Budget(FAST)
    result = probe(host, resolver=host_resolver(budget), budget=budget, port=25)
    assert result.outcome == "refused"
    with pytest.raises(AddressRefused, match="private or local network"):
        connect(host, silent.port, resolver=host_resolver(budget), budget=budget)
    assert silent.held == []


@pytest.mark.usefixtures("no_allowance")
@pytest.mark.parametrize("host", PROBE_FORMS)
def test_the_tls_probe_refuses_private_and_local_servers(host: str, silent: SilentServer) -> None:
    budget = Budget(FAST)
    with pytest.raises(AddressRefused, match="private or local network"):
        offered_versions(host, silent.port, resolver=host_resolver(budget), budget=budget)
    with pytest.raises(AddressRefused, match="private or local network"):
        offered_versions(host, 443, resolver=host_resolver(budget), budget=budget)
    assert silent.held == []


def test_an_mx_on_loopback_is_refused_when_only_another_address_is_allowed(
    smtp_starttls: SmtpServer, monkeypatch: pytest.MonkeyPatch, dns_server: DnsServer,
) -> None:
    monkeypatch.setenv("BOT_CHECKS_TEST_ALLOW", "127.0.0.2/32")
    monkeypatch.setenv("BOT_CHECKS_DNS_SERVER", dns_server.address)
    budget = Budget(FAST)
    result = probe("loopback.test", resolver=host_resolver(budget), budget=budget,
                   port=smtp_starttls.port)
    assert result.outcome == "refused"


@pytest.mark.usefixtures("allow_loopback")
def test_the_probes_reach_an_allowed_test_server(smtp_starttls: SmtpServer) -> None:
    """The counterpart of the refusals: with the allowance the same probe gets through."""
    budget = Budget(FAST)
    result = probe("loopback.test", resolver=host_resolver(budget), budget=budget,
                   port=smtp_starttls.port)
    assert result.outcome == "starttls"


@pytest.mark.usefixtures("no_allowance")
def test_the_whole_email_check_never_contacts_a_private_mx(
    dns_server: DnsServer, silent: SilentServer) -> None:
    dns_server.add_mail("inward.test", mx_address="127.0.0.1")
    result = check_email_domain("inward.test", smtp_port=silent.port, https_port=silent.port,
                                limits=FAST)
    assert result.outcome == "checked"
    assert {f.id: f.status for f in result.findings}["starttls"] == "fail"
    assert silent.held == []
