"""The website check against real HTTP and HTTPS servers on loopback."""

from __future__ import annotations

from typing import Callable

import pytest
from dnslib import A

from bot.checks.findings import CheckResult
from bot.checks.website import check_website
from tests.checks.conftest import FAST
from tests.checks.servers import (
    GOOD_HEADERS,
    SECURITY_TXT,
    DnsServer,
    Route,
    SilentServer,
    WebServer,
    caa,
    security_txt,
)
from tests.checks.servers import ZONE_KEY as DNSKEY_RECORD

A_LOOPBACK = A("127.0.0.1")

pytestmark = pytest.mark.usefixtures("allow_loopback")

StartServer = Callable[..., WebServer]


def statuses(result: CheckResult) -> dict[str, str]:
    return {finding.id: finding.status for finding in result.findings}


def message(result: CheckResult, finding_id: str) -> str:
    found = next(f for f in result.findings if f.id == finding_id)
    return f"{found.message} {found.fix}"


def test_a_well_set_up_site_passes_everything(web_server: StartServer) -> None:
    server = web_server()
    result = check_website(f"https://127.0.0.1:{server.port}")
    assert result.outcome == "checked"
    assert statuses(result) == {
        "https": "pass", "certificate_expiry": "pass", "http_redirect": "pass", "hsts": "pass",
        "tls_old_versions": "pass", "tls_modern_versions": "pass", "mixed_content": "pass",
        "security_txt": "pass", "content_security_policy": "pass",
        "x_content_type_options": "pass", "framing": "pass", "referrer_policy": "pass",
        "software_versions": "pass",
    }
    assert result.score() == 100
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


@pytest.mark.parametrize("max_age, status", [
    ("300", "warning"), ("15768000", "warning"), ("31535999", "warning"), ("31536000", "pass"),
    ("63072000", "pass"),
])
def test_hsts_needs_at_least_a_year(web_server: StartServer, max_age: str, status: str) -> None:
    server = web_server()
    server.routes["/"] = Route(headers={"Strict-Transport-Security": f"max-age={max_age}"})
    result = check_website(f"https://127.0.0.1:{server.port}")
    assert statuses(result)["hsts"] == status
    if status == "warning":
        assert "less than a year" in message(result, "hsts") and "31536000" in message(result, "hsts")


def test_hsts_counts_on_the_first_https_answer_not_after_a_redirect(web_server: StartServer) -> None:
    server = web_server()
    server.routes["/"] = Route(302, {"Location": "/home"}, b"")
    server.routes["/home"] = Route(headers=dict(GOOD_HEADERS))
    result = check_website(f"https://127.0.0.1:{server.port}/")
    assert statuses(result)["hsts"] == "warning"
    assert "first HTTPS answer" in message(result, "hsts")
    server.routes["/"] = Route(302, {"Location": "/home", **GOOD_HEADERS}, b"")
    assert statuses(check_website(f"https://127.0.0.1:{server.port}/"))["hsts"] == "pass"


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
    assert statuses(result)["content_security_policy"] == "pass"
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


def test_a_server_offering_only_tls_1_0_fails(web_server: StartServer) -> None:
    server = web_server(versions=("TLSv1", "TLSv1"))
    result = check_website(f"https://127.0.0.1:{server.port}")
    found = statuses(result)
    assert found["https"] == "fail" and "old TLS versions" in message(result, "https")
    assert found["tls_old_versions"] == "fail" and "TLS 1.0" in message(result, "tls_old_versions")
    assert found["tls_modern_versions"] == "fail"


def test_a_server_offering_tls_1_1_beside_1_2_fails_on_the_old_one(web_server: StartServer) -> None:
    server = web_server(versions=("TLSv1_1", "TLSv1_2"))
    result = check_website(f"https://127.0.0.1:{server.port}")
    found = statuses(result)
    assert found["https"] == "pass" and found["tls_modern_versions"] == "pass"
    assert found["tls_old_versions"] == "fail"
    text = message(result, "tls_old_versions")
    assert "TLS 1.1" in text and "TLS 1.0" not in text.split("turn off")[0]


def test_a_server_offering_only_tls_1_3_passes(web_server: StartServer) -> None:
    server = web_server(versions=("TLSv1_3", "TLSv1_3"))
    result = check_website(f"https://127.0.0.1:{server.port}")
    assert statuses(result)["tls_old_versions"] == "pass"
    assert statuses(result)["tls_modern_versions"] == "pass"
    assert "offers TLS 1.3" in message(result, "tls_modern_versions")


@pytest.mark.parametrize("route, words", [
    (None, "no security.txt"),
    (security_txt(days=-1), "has expired"),
    (security_txt(expires=False), "no valid Expires"),
    (security_txt(contact=False), "no Contact"),
    (security_txt(days=800), "more than a year ahead"),
    (security_txt(content_type="text/html"), "no security.txt"),
])
def test_security_txt_fails_when_missing_stale_or_incomplete(
        web_server: StartServer, route: Route | None, words: str) -> None:
    server = web_server()
    if route is None:
        del server.routes[SECURITY_TXT]
    else:
        server.routes[SECURITY_TXT] = route
    result = check_website(f"https://127.0.0.1:{server.port}")
    assert statuses(result)["security_txt"] == "warning"
    assert words in message(result, "security_txt")


@pytest.mark.parametrize("tag, status", [
    (b'<script src="http://cdn.example/app.js"></script>', "fail"),
    (b'<link rel="stylesheet" href="http://cdn.example/site.css">', "fail"),
    (b'<iframe src="http://maps.example/embed"></iframe>', "fail"),
    (b'<img src="http://cdn.example/logo.png">', "warning"),
    (b'<a href="http://elsewhere.example/">a link</a><img src="https://cdn.example/a.png">', "pass"),
])
def test_mixed_content_on_the_home_page(web_server: StartServer, tag: bytes, status: str) -> None:
    server = web_server()
    server.routes["/"] = Route(headers=dict(GOOD_HEADERS), body=b"<html><body>" + tag + b"</body></html>")
    result = check_website(f"https://127.0.0.1:{server.port}")
    assert statuses(result)["mixed_content"] == status


def test_caa_and_dnssec_on_a_named_site(web_server: StartServer, dns_server: DnsServer) -> None:
    dns_server.add({("signed-site.test", "A"): [A_LOOPBACK], ("signed-site.test", "CAA"): [
        caa("letsencrypt.org")], ("signed-site.test", "DNSKEY"): [DNSKEY_RECORD]},
        signed_as="signed-site.test")
    dns_server.add({("www.plain-site.test", "A"): [A_LOOPBACK], ("plain-site.test", "A"): [A_LOOPBACK]})
    signed = web_server("signed-site.test")
    good = check_website(f"https://signed-site.test:{signed.port}/")
    assert statuses(good)["caa"] == "pass" and "letsencrypt.org" in message(good, "caa")
    assert statuses(good)["dnssec"] == "pass"
    plain = web_server("www.plain-site.test")
    bare = check_website(f"https://www.plain-site.test:{plain.port}/")
    assert statuses(bare)["caa"] == "warning" and "CAA" in message(bare, "caa")
    assert statuses(bare)["dnssec"] == "warning"


def test_a_silent_site_is_given_up_on_within_the_time_limit(silent: SilentServer) -> None:
    import time

    started = time.monotonic()
    result = check_website(f"https://127.0.0.1:{silent.port}", limits=FAST)
    assert time.monotonic() - started < FAST.total + 0.5
    assert result.outcome == "unreachable"
