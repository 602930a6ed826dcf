"""The limits of fetching: byte cap, total time, no cookies, and the connected peer re-checked."""

from __future__ import annotations

import time
from ipaddress import ip_address, ip_network
from typing import Callable

import pytest
import requests

from bot.checks import safe_http
from bot.checks.address_policy import AddressRefused
from bot.checks.safe_http import MAX_BYTES, FetchFailed, fetch
from bot.checks.website import check_website
from tests.checks.servers import GOOD_HEADERS, Route, WebServer

StartServer = Callable[..., WebServer]
GENERATOR = b'<meta name="generator" content="Joomla! 3.9">'


@pytest.mark.usefixtures("allow_loopback")
def test_no_more_than_the_byte_cap_is_read(web_server: StartServer) -> None:
    server = web_server()
    server.routes["/small"] = Route(headers=dict(GOOD_HEADERS), body=b"<html>" + GENERATOR)
    server.routes["/big"] = Route(headers=dict(GOOD_HEADERS),
                                  body=b"<html>" + b" " * (MAX_BYTES + 10_000) + GENERATOR)
    small = fetch(f"https://127.0.0.1:{server.port}/small")
    big = fetch(f"https://127.0.0.1:{server.port}/big")
    assert GENERATOR in small.final.body
    assert len(big.final.body) == MAX_BYTES and GENERATOR not in big.final.body
    found = check_website(f"https://127.0.0.1:{server.port}/small")
    assert {f.id: f.status for f in found.findings}["software_versions"] == "warning"


@pytest.mark.usefixtures("allow_loopback")
def test_the_total_time_limit_stops_a_slow_site(web_server: StartServer) -> None:
    server = web_server()
    server.routes["/"] = Route(headers=dict(GOOD_HEADERS), delay=4)
    started = time.monotonic()
    with pytest.raises(FetchFailed) as failure:
        fetch(f"https://127.0.0.1:{server.port}/", deadline=time.monotonic() + 1)
    assert failure.value.kind == "timeout"
    assert time.monotonic() - started < 3


@pytest.mark.usefixtures("allow_loopback")
def test_cookies_are_not_kept_between_redirects(web_server: StartServer) -> None:
    server = web_server()
    server.routes["/"] = Route(302, {"Location": "/next", "Set-Cookie": "session=abc; Path=/"}, b"")
    server.routes["/next"] = Route(headers=dict(GOOD_HEADERS))
    result = fetch(f"https://127.0.0.1:{server.port}/")
    assert result.final.url.endswith("/next")
    assert server.cookies_seen == []


def test_the_address_actually_connected_to_is_checked(web_server: StartServer, ca_bundle: str) -> None:
    """If a connection ever reached an address outside the policy, it is dropped unused.

    Here the vetted-address table is filled by hand with 127.0.0.1, which the policy of this
    fetch (only 127.0.0.2 allowed) refuses: the socket connects, the peer check refuses it,
    and the server never receives a request.
    """
    server = web_server()
    pins = safe_http._Pins((ip_network("127.0.0.2/32"),))
    pins.addresses[("127.0.0.1", server.port)] = [ip_address("127.0.0.1")]
    url = f"https://127.0.0.1:{server.port}/"
    with safe_http._session(pins) as session:
        prepared = session.prepare_request(requests.Request("GET", url))
        with pytest.raises(AddressRefused):
            session.get_adapter(url).send(prepared, timeout=(2, 2), verify=ca_bundle, proxies={})
    assert server.requests == []
