"""The processes `make run` starts: ports, the HTTP API, CORS, the web process, Ctrl-C."""

from __future__ import annotations

import socket

import pytest
import requests

from tests.stack import start_stack, stop_stack

#: Needs the real Rasa, action and web servers.
pytestmark = pytest.mark.stack


def test_http_api_is_off_without_a_token(stack):
    assert requests.get(f"{stack.rasa}/status", timeout=10).status_code == 404
    tracker = requests.get(f"{stack.rasa}/conversations/someone/tracker", timeout=10)
    assert tracker.status_code == 404


def _listening_addresses(port: int) -> set[str]:
    """Local addresses (hex, as the kernel lists them) of sockets listening on ``port``."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as rows:
            next(rows)
            for row in rows:
                local, state = row.split()[1], row.split()[3]
                address, _, hex_port = local.rpartition(":")
                if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                    found.add(address)
    return found


def test_action_server_listens_on_loopback_only(stack):
    """The action server trusts what it is sent; only the Rasa server may reach it."""
    loopback = {"0100007F", "00000000000000000000000001000000"}  # 127.0.0.1, ::1
    addresses = _listening_addresses(stack.ports["actions"])
    assert addresses and addresses <= loopback, addresses


def test_rest_channel_health_and_cors(stack):
    allowed = f"http://127.0.0.1:{stack.ports['web']}"
    ok = requests.get(f"{stack.rasa}/webhooks/rest/", headers={"Origin": allowed}, timeout=10)
    assert ok.status_code == 200
    assert ok.headers.get("Access-Control-Allow-Origin") == allowed
    other = requests.get(f"{stack.rasa}/webhooks/rest/", headers={"Origin": "https://evil.example"},
                         timeout=10)
    assert other.headers.get("Access-Control-Allow-Origin") in (None, "")


def test_web_process_serves_page_with_security_headers(stack):
    page = requests.get(stack.web + "/", timeout=10)
    assert page.status_code == 200
    assert "Cyber security help for small businesses" in page.text
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert requests.get(stack.web + "/health", timeout=10).json()["topics"] == 22


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_token_enables_the_api_and_ctrl_c_stops_everything():
    token = "test-token-3f9c"  # noqa: S105 - a throwaway token for a loopback test server
    second = start_stack({"RASA_API_TOKEN": token}, name="stack-with-token")
    try:
        assert requests.get(f"{second.rasa}/status", timeout=10).status_code == 401
        authorised = requests.get(f"{second.rasa}/status", params={"token": token}, timeout=10)
        assert authorised.status_code == 200
    finally:
        code = stop_stack(second.process)
    assert code in (0, 130, -2), f"honcho exited with {code}"
    assert not any(_port_open(port) for port in second.ports.values())
