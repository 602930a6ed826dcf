"""Visitor tokens: only the server can make one, and each fits one sender id."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from bot.channels import visitor_token


def test_a_token_fits_only_its_own_sender() -> None:
    token = visitor_token.token_for("w-" + "a" * 32, key="k1")
    assert visitor_token.matches("w-" + "a" * 32, token, key="k1")
    assert not visitor_token.matches("w-" + "b" * 32, token, key="k1")
    assert not visitor_token.matches("w-" + "a" * 32, token, key="another secret")
    assert not visitor_token.matches("w-" + "a" * 32, None, key="k1")
    assert not visitor_token.matches("w-" + "a" * 32, 12345, key="k1")


def test_the_generated_secret_is_kept_owner_only_and_reused(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BOT_VISITOR_SECRET", raising=False)
    previous = os.umask(0)
    try:
        path = tmp_path / "var" / "visitor-secret"
        first = visitor_token.secret(path)
    finally:
        os.umask(previous)
    assert len(first) == 64
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    visitor_token.secret.cache_clear()
    assert visitor_token.secret(path) == first


def test_the_check_can_be_turned_off_only_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    assert visitor_token.required()
    monkeypatch.setenv("BOT_VISITOR_TOKENS", "off")
    assert not visitor_token.required()
    monkeypatch.setenv("BOT_VISITOR_TOKENS", "no")
    with pytest.raises(ValueError, match="required or off"):
        visitor_token.required()
