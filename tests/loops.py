"""Run a coroutine to completion from a test, whatever the test process is doing.

Playwright's sync API (the browser tests) keeps an event loop running in the main thread
for the whole session, and ``asyncio.run`` refuses to start inside a running loop. A
fresh thread has no loop, so the coroutine gets one of its own there.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(coroutine)`` in a new thread; returns its result or raises its error."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
