"""What the REST channel refuses or removes before Rasa sees a message."""

from __future__ import annotations

import pytest

from bot.channels import request_guard as guard
from bot.channels.secrets_notice import already_told, notice, remove_secrets

#: Every form of card, bank and NI number the security review found kept raw.
RAW_FORMS = [
    "4111 1111 1111 1111", "4111.1111.1111.1111", "4111-1111-1111-1111", "4111_1111_1111_1111",
    "4111\u00a01111\u00a01111\u00a01111", "4111111111111111", "sort code 20-00-00 account 73625841",
    "sort code 20.00.00 account 7362 5841", "IBAN GB29 NWBK 6016 1331 9268 19", "GB29-NWBK-6016-1331-9268-19",
    "QQ 12 34 56 C", "QQ123456C", "qq 12 34 56 c", "AB.12.34.56.C", "my NI is QQ-123456-C",
    "my password is Tr0ub4dor&3",
]


@pytest.mark.parametrize("form", RAW_FORMS)
def test_high_risk_numbers_never_reach_rasa(form: str) -> None:
    text = f"can you check this for me: {form} thanks"
    removed = remove_secrets(text)
    digits = [group for group in form.replace("\u00a0", " ").replace(".", " ").replace("_", " ")
              .replace("-", " ").split() if sum(c.isdigit() for c in group) >= 2]
    assert digits and not any(group in removed.text for group in digits), removed.text
    assert removed.found and removed.text.startswith("can you check this for me: ")


def test_lower_risk_data_is_left_for_ingestion_to_redact() -> None:
    text = "ring me on 07700 900123 or mail sam@example.co.uk"
    assert remove_secrets(text).text == text


def test_the_owner_is_told_once_and_kindly() -> None:
    message = notice(["card", "sort_code", "account_number"])
    assert message.startswith("I removed a card number and bank details from your message")
    assert "never share" in message
    assert already_told(["hello", "card [CARD] please"])
    assert not already_told(["hello", None, "call [PHONE]"])


def test_bodies_over_64_kb_are_refused() -> None:
    assert guard.body_refusal(b"x" * (64 * 1024)) is None
    refusal = guard.body_refusal(b"x" * (64 * 1024 + 1))
    assert refusal is not None and refusal.status == 413 and "64 KB" in refusal.problem


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x"])
def test_only_json_is_handled(content_type: str | None) -> None:
    refusal = guard.content_type_refusal(content_type)
    assert refusal is not None and refusal.status == 415
    assert guard.content_type_refusal("application/json; charset=utf-8") is None


def test_origins_must_be_allowed_when_a_browser_names_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_ALLOWED_ORIGINS", "https://support.example.org http://localhost:8000")
    assert guard.origin_refusal(None) is None  # a server or script: no Origin header
    assert guard.origin_refusal("https://support.example.org") is None
    refusal = guard.origin_refusal("https://evil.example")
    assert refusal is not None and refusal.status == 403 and "BOT_ALLOWED_ORIGINS" in refusal.problem


def test_metadata_keeps_only_short_allow_listed_strings() -> None:
    kept, refusal = guard.bounded_metadata({"page": "/pricing", "language": "en", "junk": "x" * 100})
    assert refusal is None and kept == {"page": "/pricing", "language": "en"}
    assert guard.bounded_metadata({"junk": 1}) == (None, None)
    _, too_big = guard.bounded_metadata({"page": "x" * 3000})
    assert too_big is not None and too_big.status == 400 and "2048 bytes" in too_big.problem
    _, nested = guard.bounded_metadata({"page": {"deep": ["x"]}})
    assert nested is not None and "must be a string" in nested.problem
    _, not_object = guard.bounded_metadata(["x"])
    assert not_object is not None and "JSON object" in not_object.problem
