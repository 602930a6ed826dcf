"""The website check against real HTTP and HTTPS servers on loopback."""

from __future__ import annotations

from typing import Callable

import pytest

from bot.checks.findings import CheckResult
from bot.checks.website import check_website
from tests.checks.servers import GOOD_HEADERS, Route, WebServer

pytestmark = pytest.mark.usefixtures("allow_loopback")

StartServer = Callable[..., WebServer]


def statuses(result: CheckResult) -> dict[str, str]:
    return {finding.id: finding.status for finding in result.findings}


def message(result: CheckResult, finding_id: str) -> str:
    return next(f.message for f in result.findings if f.id == finding_id)


def test_a_well_set_up_site_passes_everything(web_server: StartServer) -> None:
    server = web_server()
    result = check_website(f"https://127.0.0.1:{server.port}")
    assert result.outcome == "checked"
    assert statuses(result) == {
        "https": "pass", "certificate_expiry": "pass", "http_redirect": "pass", "hsts": "pass",
        "content_security_policy": "pass", "x_content_type_options": "pass", "framing": "pass",
        "referrer_policy": "pass", "software_versions": "pass",
    }
    assert "valid for another 364 days" in message(result, "certificate_expiry")
    assert ("http", "/") in server.requests and ("https", "/") in server.requests


def test_a_bare_address_is_checked_over_https_and_http(web_server: StartServer) -> None:
    server = web_server()
    result = check_website(f"127.0.0.1:{server.port}")
    assert statuses(result)["https"] == "pass"
    assert {scheme for scheme, _ in server.requests} == {"http", "https"}


def test_an_expired_certificate_fails(web_server: StartServer) -> None:
    server = web_server(days_left=-2)
    result = check_website(f"https://127.0.0.1:{server.port}")
    found = statuses(result)
    assert found["https"] == "fail" and found["certificate_expiry"] == "fail"
    assert "expired" in message(result, "https")
    assert "renew" in message(result, "https")


def test_a_certificate_about_to_expire_is_a_warning_with_the_days_left(web_server: StartServer) -> None:
    server = web_server(days_left=6.5)
    result = check_website(f"https://127.0.0.1:{server.port}")
    assert statuses(result)["https"] == "pass"
    assert statuses(result)["certificate_expiry"] == "warning"
    assert "expires in 6 days" in message(result, "certificate_expiry")


def test_a_certificate_for_another_name_fails(web_server: StartServer) -> None:
    server = web_server("shop.example")
    result = check_website(f"https://127.0.0.1:{server.port}")
    assert statuses(result)["https"] == "fail"
    assert "different name" in message(result, "https")


def test_a_site_without_any_security_header(web_server: StartServer) -> None:
    server = web_server()
    server.routes["/"] = Route(headers={})
    result = check_website(f"https://127.0.0.1:{server.port}")
    found = statuses(result)
    for finding in ("hsts", "content_security_policy", "x_content_type_options", "framing",
                    "referrer_policy"):
        assert found[finding] == "warning", finding
    assert "Strict-Transport-Security" in message(result, "hsts")
    assert "nosniff" in message(result, "x_content_type_options")


@pytest.mark.parametrize("header, finding", [
    ("Strict-Transport-Security", "hsts"),
    ("Content-Security-Policy", "content_security_policy"),
    ("X-Content-Type-Options", "x_content_type_options"),
    ("Referrer-Policy", "referrer_policy"),
])
def test_each_header_alone_is_noticed(web_server: StartServer, header: str, finding: str) -> None:
    server = web_server()
    server.routes["/"] = Route(headers={header: GOOD_HEADERS[header]})
    found = statuses(check_website(f"https://127.0.0.1:{server.port}"))
    assert found[finding] == "pass"
    assert sum(1 for status in found.values() if status == "warning") >= 2


def test_x_frame_options_counts_as_framing_protection(web_server: StartServer) -> None:
    server = web_server()
    server.routes["/"] = Route(headers={"X-Frame-Options": "DENY"})
    assert statuses(check_website(f"https://127.0.0.1:{server.port}"))["framing"] == "pass"


def test_a_short_hsts_max_age_is_a_warning(web_server: StartServer) -> None:
    server = web_server()
    server.routes["/"] = Route(headers={"Strict-Transport-Security": "max-age=300"})
    result = check_website(f"https://127.0.0.1:{server.port}")
    assert statuses(result)["hsts"] == "warning"
    assert "six months" in message(result, "hsts")


def test_revealed_software_versions_are_named(web_server: StartServer) -> None:
    server = web_server()
    page = b'<html><head><meta name="generator" content="WordPress 6.4.2"></head></html>'
    server.routes["/"] = Route(headers={**GOOD_HEADERS, "Server": "Apache/2.4.41 (Ubuntu)",
                                        "X-Powered-By": "PHP/7.4.3"}, body=page)
    result = check_website(f"https://127.0.0.1:{server.port}")
    assert statuses(result)["software_versions"] == "warning"
    text = message(result, "software_versions")
    assert "Server header" in text and "X-Powered-By" in text and "generator tag" in text


def test_plain_http_that_does_not_redirect_fails(web_server: StartServer) -> None:
    server = web_server()
    server.redirect_http = False
    result = check_website(f"https://127.0.0.1:{server.port}")
    assert statuses(result)["http_redirect"] == "fail"
    assert "redirect all HTTP to HTTPS" in message(result, "http_redirect")


def test_a_redirect_chain_is_followed_to_the_end(web_server: StartServer) -> None:
    server = web_server()
    server.routes["/"] = Route(302, {"Location": "/step1"}, b"")
    server.routes["/step1"] = Route(301, {"Location": f"https://127.0.0.1:{server.port}/step2"}, b"")
    server.routes["/step2"] = Route(307, {"Location": "/home"}, b"")
    server.routes["/home"] = Route(headers=dict(GOOD_HEADERS))
    result = check_website(f"https://127.0.0.1:{server.port}/")
    assert statuses(result)["hsts"] == "pass"
    assert ("https", "/home") in server.requests


def test_a_redirect_loop_stops_after_five_hops(web_server: StartServer) -> None:
    server = web_server()
    server.routes["/"] = Route(302, {"Location": "/"}, b"")
    result = check_website(f"https://127.0.0.1:{server.port}/")
    assert statuses(result)["https"] == "fail"
    assert "more than five" in message(result, "https")
    # The HTTPS check: the first request and five redirects. The HTTP check: one plain
    # request, redirected to HTTPS, then five more hops before it too gives up.
    assert server.requests.count(("https", "/")) == 6 + 5
    assert server.requests.count(("http", "/")) == 1


def test_a_host_name_is_resolved_and_its_certificate_checked(
    web_server: StartServer, dns_server: object
) -> None:
    server = web_server("site.test")
    result = check_website(f"https://site.test:{server.port}/")
    assert statuses(result)["https"] == "pass"


def test_a_site_that_answers_nothing_is_unreachable() -> None:
    import socket

    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = check_website(f"https://127.0.0.1:{port}")
    assert result.outcome == "unreachable"
    assert "couldn't reach" in result.problem
