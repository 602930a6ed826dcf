from __future__ import annotations

from pathlib import Path

import pytest

# A real Chromium (Debian's package) driven by Playwright, for the web page tests.
from tests.browser import browser, page  # noqa: F401

# The session's throwaway PostgreSQL cluster, shared by tests/analytics and tests/analytics_metrics.
from tests.postgres import postgres_server  # noqa: F401

STACK_DIR = Path(__file__).parent / "stack"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests under tests/stack need the running servers; mark them so test-fast can skip them."""
    for item in items:
        if STACK_DIR in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.stack)
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
