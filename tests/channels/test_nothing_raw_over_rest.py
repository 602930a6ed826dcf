"""Nothing raw, nothing spoofed: the REST channel over a real Rasa server on loopback.

Every form of card, bank and NI number the security review found kept raw is sent as a
visitor would; then the tracker store, the analytics database, the stack's log and the turns
export are read directly, and none may hold one. The request checks are tried the same way.
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import time
import uuid

import pytest
import requests

from tests.stack import BIN, Stack, texts

#: Needs the real Rasa, action and web servers.
pytestmark = pytest.mark.stack

#: (form as typed, the digit groups that must not survive anywhere)
RAW = [
    ("my card is 4111 1111 1111 1111", ["4111"]),
    ("card 4111.1111.1111.1111 exp 04/27", ["4111"]),
    ("4000-0566-5566-5556 is the card", ["5556", "0566"]),
    ("card=4242_4242_4242_4242", ["4242"]),
    ("pay 5555\u00a05555\u00a05555\u00a04444 now", ["5555", "4444"]),
    ("sort code 20-45-77 account 73625841", ["73625841", "20-45-77"]),
    ("sort code 40.47.84 acc 3192 6819", ["40.47.84", "3192 6819"]),
    ("IBAN GB29 NWBK 6016 1331 9268 19", ["NWBK", "6016"]),
    ("my NI number is QQ 12 34 56 C", ["QQ 12 34 56 C"]),
    ("ni qq123456c please", ["qq123456c"]),
    ("NI AB.12.34.56.C", ["AB.12.34.56.C"]),
    ("our wifi password is Tr0ub4dor&3", ["Tr0ub4dor&3"]),
]


def _post(stack: Stack, body: object, headers: dict[str, str] | None = None,
          raw: bytes | None = None) -> requests.Response:
    url = f"{stack.rasa}/webhooks/rest/webhook"
    if raw is not None:
        return requests.post(url, data=raw, headers=headers or {}, timeout=60)
    return requests.post(url, json=body, headers=headers or {}, timeout=60)


def _tracker_text(stack: Stack, sender: str) -> str:
    with sqlite3.connect(stack.data / "tracker.db") as connection:
        rows = connection.execute("select data from events where sender_id = ?", (sender,)).fetchall()
    return "\n".join(row[0] for row in rows)


def _analytics_text(stack: Stack) -> str:
    with sqlite3.connect(stack.data / "analytics.db") as connection:
        rows = connection.execute("select coalesce(text, '') from turns").fetchall()
    return "\n".join(row[0] for row in rows)


def test_no_store_log_or_export_holds_a_raw_number(stack: Stack) -> None:
    sender = f"raw-{uuid.uuid4().hex[:12]}"
    replies = [stack.send(sender, text) for text, _ in RAW]
    # Told once, kindly, in the first reply only.
    assert "removed a card number" in texts(replies[0])
    assert not any("I removed" in texts(reply) for reply in replies[1:4])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and _analytics_text(stack).count("[") < len(RAW):
        time.sleep(1)
    export = subprocess.run([str(BIN / "bot"), "export", "--database-url",
                             f"sqlite:///{stack.data / 'analytics.db'}"],
                            capture_output=True, text=True, timeout=120, check=True).stdout
    stored = _tracker_text(stack, sender)
    places = {"tracker store": stored, "analytics": _analytics_text(stack), "export": export,
              "log": stack.log.read_text(errors="replace")}
    assert "[CARD]" in stored and "[NI_NUMBER]" in stored and "[SORT_CODE]" in stored
    for place, content in places.items():
        # Model scores ("confidence": 0.55561...) are decimals the assistant wrote, not text
        # anyone typed: a run of digits inside one is no leak.
        content = re.sub(r"\d+\.\d+(e-?\d+)?", "<score>", content)
        for typed, pieces in RAW:
            for piece in pieces:
                assert piece not in content, f"{piece!r} of {typed!r} is in the {place}"
        assert not re.search(r"\b4111\D?1111\D?1111\D?1111\b", content), place


def test_request_checks_refuse_with_clear_errors(stack: Stack) -> None:
    sender = f"chk-{uuid.uuid4().hex[:12]}"
    plain = _post(stack, None, {"Content-Type": "text/plain"},
                  raw=json.dumps({"sender": sender, "message": "hi"}).encode())
    assert plain.status_code == 415 and "application/json" in plain.json()["error"]
    foreign = _post(stack, {"sender": sender, "message": "hi"}, {"Origin": "https://evil.example"})
    assert foreign.status_code == 403 and "BOT_ALLOWED_ORIGINS" in foreign.json()["error"]
    big = _post(stack, {"sender": sender, "message": "hi", "metadata": {"blob": "x" * 70_000}})
    assert big.status_code == 413
    nested = _post(stack, {"sender": sender, "message": "hi", "metadata": {"page": {"a": [1]}}})
    assert nested.status_code == 400 and "metadata.page" in nested.json()["error"]
    assert _tracker_text(stack, sender) == ""  # none of them reached Rasa


def test_metadata_is_cut_to_the_allow_list_before_it_is_stored(stack: Stack) -> None:
    sender = f"meta-{uuid.uuid4().hex[:12]}"
    answer = _post(stack, {"sender": sender, "message": "hello",
                           "metadata": {"page": "/help", "junk": "y" * 1500}})
    assert answer.status_code == 200
    stored = _tracker_text(stack, sender)
    assert '"page": "/help"' in stored and "yyyy" not in stored


def test_a_sender_id_alone_does_not_continue_a_conversation(stack: Stack) -> None:
    sender = f"tok-{uuid.uuid4().hex[:12]}"
    first_message = {"sender": sender, "message": "how do I back up my files?",
                     "message_id": f"m-{uuid.uuid4().hex}"}
    first = _post(stack, first_message)
    token = first.headers.get("X-Visitor-Token")
    assert first.status_code == 200 and token
    # The first message sent again after its reply (and token) was lost is answered again.
    again = _post(stack, first_message)
    assert again.status_code == 200 and again.json() == first.json()
    assert again.headers.get("X-Visitor-Token") == token
    stolen = _post(stack, {"sender": sender, "message": "what is my plan?"})
    assert stolen.status_code == 403 and "visitor_token" in stolen.json()["error"]
    forged = _post(stack, {"sender": sender, "message": "what is my plan?", "visitor_token": "0" * 32})
    assert forged.status_code == 403
    owner = _post(stack, {"sender": sender, "message": "thanks", "visitor_token": token})
    assert owner.status_code == 200 and texts(owner.json())


def test_a_done_step_never_offered_is_not_recorded(stack: Stack) -> None:
    sender = f"done-{uuid.uuid4().hex[:12]}"
    reply = stack.send(sender, '/report_done{"step_id": "backups_automatic"}')
    assert "Which step do you mean" in texts(reply)
    assert "done_steps" not in _tracker_text(stack, sender) or \
        '"value": ["backups_automatic"]' not in _tracker_text(stack, sender)
