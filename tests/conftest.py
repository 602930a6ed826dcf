"""Fixtures every test folder can use, and the markers that say where a test runs.

Tests are laid out to mirror ``bot/`` (and ``actions/``, ``bench/``); the markers, not
the folders, say what a test needs: ``stack`` (the real Rasa, action and web servers),
``browser`` (Chromium), ``postgres`` and ``scaled``. ``make test-fast`` leaves out all
but the plain ones.
"""

from __future__ import annotations

import pytest

# A real Chromium (Debian's package) driven by Playwright, for the web page tests.
from tests.browser import browser, page  # noqa: F401

# The session's throwaway PostgreSQL cluster, shared by the analytics and storage tests.
from tests.postgres import postgres_server  # noqa: F401

# The real stack (Rasa, action server, web), started once per session for the tests
# that talk to it over HTTP.
from tests.stack import say, sender, stack  # noqa: F401


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test by what its fixtures start, so test-fast can leave the slow ones out."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if fixtures & {"stack", "widget_stack"}:
            item.add_marker(pytest.mark.stack)
        if "browser" in fixtures:
            item.add_marker(pytest.mark.browser)
