"""Pseudonymous keys: stable under one secret, different under another, secret kept safe."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from bot.privacy import pseudonyms
from bot.privacy.pseudonyms import Pseudonyms, SecretError, conversation_key, load_secret, visitor_key


@pytest.fixture(autouse=True)
def _config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("ANALYTICS_SECRET", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return tmp_path / "config"


def test_keys_are_stable_hex_and_differ_by_secret_and_purpose() -> None:
    one, two = Pseudonyms("secret-one"), Pseudonyms("secret-two")
    assert one.visitor_key("sender-1") == one.visitor_key("sender-1") == visitor_key("sender-1", "secret-one")
    assert len(one.visitor_key("sender-1")) == 64 and int(one.visitor_key("sender-1"), 16) >= 0
    assert one.visitor_key("sender-1") != two.visitor_key("sender-1")
    assert one.visitor_key("sender-1") != one.visitor_key("sender-2")
    assert one.conversation_key("sender-1", 1700000000.25) == conversation_key(
        "sender-1", 1700000000.25, "secret-one")
    assert one.conversation_key("sender-1", 1700000000.25) != one.conversation_key("sender-1", 1700000001.0)
    assert one.conversation_key("sender-1", 1.0) != two.conversation_key("sender-1", 1.0)
    assert "secret-one" not in repr(one)


def test_keys_follow_the_documented_formula() -> None:
    import hashlib
    import hmac

    expected = hmac.new(b"k", b"conversation:abc:1700000000.5", hashlib.sha256).hexdigest()
    assert Pseudonyms("k").conversation_key("abc", 1700000000.5) == expected
    assert Pseudonyms("k").visitor_key("abc") == hmac.new(b"k", b"visitor:abc", hashlib.sha256).hexdigest()


def test_a_generated_secret_is_stored_privately_and_reused(_config_home: Path) -> None:
    first = load_secret()
    path = _config_home / "sme-cyber-assistant" / "analytics-secret"
    assert path.read_text().strip() == first and len(first) == 64
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_secret() == first


def test_the_environment_secret_wins(monkeypatch: pytest.MonkeyPatch, _config_home: Path) -> None:
    monkeypatch.setenv("ANALYTICS_SECRET", "from-the-environment")
    assert load_secret() == "from-the-environment"
    assert not (_config_home / "sme-cyber-assistant").exists()


def test_a_readable_secret_file_is_made_private(_config_home: Path) -> None:
    path = _config_home / "sme-cyber-assistant" / "analytics-secret"
    path.parent.mkdir(parents=True)
    path.write_text("kept\n")
    path.chmod(0o644)
    assert load_secret() == "kept"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_secret_is_never_kept_inside_the_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(pseudonyms.PROJECT_ROOT / "var" / "config"))
    with pytest.raises(SecretError, match="inside the repository"):
        load_secret()
    assert not (pseudonyms.PROJECT_ROOT / "var" / "config").exists()
