"""The demo page's security policy and the settings the web process gives the widget."""

from __future__ import annotations

import gzip
import json
import re

import pytest

from bot import settings
from bot.web.site import demo_page_csp, origin_of, widget_script


def test_csp_allows_the_bot_origin_for_fetch_only_and_no_inline_code():
    csp = demo_page_csp("https://bot.example.org:8443/some/path")
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["connect-src"] == "'self' https://bot.example.org:8443"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp


@pytest.mark.parametrize("bad", ["javascript:alert(1)", "http://bot.example.org; script-src *",
                                 "ftp://bot.example.org", "http://"])
def test_a_bot_url_that_could_bend_the_policy_is_refused(bad):
    with pytest.raises(ValueError):
        origin_of(bad)


def test_widget_script_carries_the_bot_url_and_message_limit():
    script = widget_script("http://127.0.0.1:5005", 280)
    line = re.search(r"var SERVER = (\{.*\});", script)
    assert line is not None
    assert json.loads(line.group(1)) == {"botUrl": "http://127.0.0.1:5005", "maxChars": 280}


def test_bot_public_url_defaults_to_the_local_rasa_port(monkeypatch):
    monkeypatch.delenv("BOT_PUBLIC_URL", raising=False)
    monkeypatch.setenv("RASA_PORT", "5099")
    assert settings.bot_public_url() == "http://127.0.0.1:5099"
    monkeypatch.setenv("BOT_PUBLIC_URL", "https://chat.example.org/")
    assert settings.bot_public_url() == "https://chat.example.org"
    monkeypatch.setenv("BOT_PUBLIC_URL", "chat.example.org")
    with pytest.raises(ValueError, match="BOT_PUBLIC_URL"):
        settings.bot_public_url()


def test_widget_stays_small():
    """The size budget for the embeddable script: under 30 KB gzipped (README states the figure)."""
    script = widget_script("https://bot.example.org", 1000).encode()
    assert len(gzip.compress(script, compresslevel=9)) < 30 * 1024
