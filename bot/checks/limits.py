"""Rate limits per visitor and per target, and a short cache of results.

Both live in the memory of the one action-server process: a restart forgets them, which is
fine for limits measured in minutes. A cached result is served without contacting the
target, so only real checks count against the target's limit; every request, cached or
not, counts against the visitor's.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import replace
from typing import Callable

from bot import settings
from bot.checks.findings import CheckResult

PER_VISITOR_ENV = "BOT_CHECKS_PER_VISITOR"
PER_TARGET_ENV = "BOT_CHECKS_PER_TARGET"
WINDOW_ENV = "BOT_CHECKS_WINDOW_SECONDS"
CACHE_ENV = "BOT_CHECKS_CACHE_SECONDS"


def _setting(name: str, default: int) -> int:
    return settings.non_negative_int(name, default)


class RateLimiter:
    """At most ``limit`` events per key in any ``window`` seconds (a sliding window)."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        """Record an attempt for ``key``; False (and not recorded) if over the limit."""
        now = self.clock()
        with self._lock:
            events = self._events.setdefault(key, deque())
            while events and events[0] <= now - self.window:
                events.popleft()
            if len(events) >= self.limit:
                return False
            events.append(now)
            return True


class ResultCache:
    """Results kept for ``seconds`` per (kind, target)."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds, self.clock = seconds, clock
        self._items: dict[tuple[str, str], tuple[float, CheckResult]] = {}
        self._lock = threading.Lock()

    def get(self, kind: str, target: str) -> CheckResult | None:
        with self._lock:
            item = self._items.get((kind, target))
            if item is None or self.clock() - item[0] >= self.seconds:
                self._items.pop((kind, target), None)
                return None
            return replace(item[1], cached=True)

    def put(self, kind: str, target: str, result: CheckResult) -> None:
        with self._lock:
            now = self.clock()
            for key in [k for k, (at, _) in self._items.items() if now - at >= self.seconds]:
                del self._items[key]
            self._items[(kind, target)] = (now, result)


VISITOR_LIMITED = ("You've asked for a lot of checks in a short time. "
                   "Please wait a few minutes and try again.")
TARGET_LIMITED = ("That address has been checked many times in the last few minutes. "
                  "Please wait a few minutes and try again.")


class CheckGate:
    """Runs a check only within the limits, serving recent results from the cache."""

    def __init__(self, per_visitor: int, per_target: int, window: float, cache_seconds: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.visitors = RateLimiter(per_visitor, window, clock)
        self.targets = RateLimiter(per_target, window, clock)
        self.cache = ResultCache(cache_seconds, clock)

    @classmethod
    def from_env(cls) -> CheckGate:
        return cls(per_visitor=_setting(PER_VISITOR_ENV, 5), per_target=_setting(PER_TARGET_ENV, 10),
                   window=_setting(WINDOW_ENV, 600), cache_seconds=_setting(CACHE_ENV, 300))

    def run(self, kind: str, visitor: str, target: str,
            check: Callable[[], CheckResult]) -> CheckResult:
        """The cached or fresh result of ``check``, or a ``rate_limited`` result."""
        if not self.visitors.allow(visitor):
            return CheckResult(kind, "rate_limited", problem=VISITOR_LIMITED)
        cached = self.cache.get(kind, target)
        if cached is not None:
            return cached
        if not self.targets.allow(target):
            return CheckResult(kind, "rate_limited", problem=TARGET_LIMITED)
        result = check()
        if result.outcome in ("checked", "refused"):
            self.cache.put(kind, target, result)
        return result
