from __future__ import annotations

import pytest

from bot.channels.input_guard import check_message


@pytest.mark.parametrize("text", ["", "   ", "\n\t", None, 42])
def test_empty_or_missing_messages_are_refused_with_help(text):
    result = check_message(text, limit=1000)
    assert not result.accepted and result.reason == "empty"
    assert "question" in (result.reply or "")


def test_long_messages_are_refused_and_the_limit_is_stated():
    result = check_message("a" * 1001, limit=1000)
    assert not result.accepted and result.reason == "too_long"
    assert "1000 characters" in (result.reply or "")


def test_limit_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("BOT_MAX_MESSAGE_CHARS", "50")
    assert not check_message("x" * 51).accepted
    assert check_message("x" * 50).accepted


def test_bad_environment_value_is_explained(monkeypatch):
    monkeypatch.setenv("BOT_MAX_MESSAGE_CHARS", "lots")
    with pytest.raises(ValueError, match="BOT_MAX_MESSAGE_CHARS must be a whole number"):
        check_message("hello")
