"""Rate limits per visitor, per target and for everyone, and a short cache of results.

With one action server the limits live in its memory: a restart forgets them, which is fine
for limits measured in minutes. When the scaled setup shares a Redis (``LOCK_STORE_URL`` is
``redis://`` or ``rediss://``) the limits are kept there instead, so every action server
counts against the same numbers (:class:`SharedRateLimiter`). A cached result is served
without contacting the target, so only real checks count against the target's limit and
the limit for everyone; every request, cached or not, counts against the visitor's.

The visitor is the sender id, which a client can change at will, so the per-visitor limit
alone bounds nothing: the limit for everyone (``BOT_CHECKS_PER_WINDOW`` real checks in a
window, across all visitors) caps how much checking one person inventing ids can cause.
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
PER_WINDOW_ENV = "BOT_CHECKS_PER_WINDOW"
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


# A sliding window in one sorted set per key, checked and recorded in one atomic step.
_SLIDING_WINDOW = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1] - ARGV[2])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('PEXPIRE', KEYS[1], math.ceil(ARGV[2] * 1000))
return 1
"""


class SharedRateLimiter:
    """:class:`RateLimiter` kept in Redis, so several action servers share the counts."""

    def __init__(self, url: str, prefix: str, limit: int, window: float,
                 clock: Callable[[], float] = time.time) -> None:
        import redis

        self.limit, self.window, self.clock, self.prefix = limit, window, clock, prefix
        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._script = self._redis.register_script(_SLIDING_WINDOW)

    def allow(self, key: str) -> bool:
        """Record an attempt for ``key``; False (and not recorded) if over the limit."""
        import secrets

        now = self.clock()
        member = f"{now:.6f}:{secrets.token_hex(4)}"
        allowed = self._script(keys=[self.prefix + key], args=[now, self.window, self.limit, member])
        return bool(allowed)


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
BUSY = ("A lot of checks are running just now, so I can't start another. "
        "Please try again in a few minutes.")


class CheckGate:
    """Runs a check only within the limits, serving recent results from the cache."""

    def __init__(self, per_visitor: int, per_target: int, window: float, cache_seconds: float,
                 clock: Callable[[], float] = time.monotonic, per_window: int = 60,
                 shared_url: str | None = None) -> None:
        limiters: list[RateLimiter | SharedRateLimiter] = []
        for name, limit in (("visitor", per_visitor), ("target", per_target), ("everyone", per_window)):
            if shared_url:
                limiters.append(SharedRateLimiter(shared_url, f"sme:checks:{name}:", limit, window))
            else:
                limiters.append(RateLimiter(limit, window, clock))
        self.visitors, self.targets, self.everyone = limiters
        self.cache = ResultCache(cache_seconds, clock)

    @classmethod
    def from_env(cls) -> CheckGate:
        store = settings.text("LOCK_STORE_URL")
        shared = store if store.startswith(("redis://", "rediss://")) else None
        return cls(per_visitor=_setting(PER_VISITOR_ENV, 5), per_target=_setting(PER_TARGET_ENV, 10),
                   window=_setting(WINDOW_ENV, 600), cache_seconds=_setting(CACHE_ENV, 300),
                   per_window=_setting(PER_WINDOW_ENV, 60), shared_url=shared)

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
        if not self.everyone.allow("all"):
            return CheckResult(kind, "rate_limited", problem=BUSY)
        result = check()
        if result.outcome in ("checked", "refused"):
            self.cache.put(kind, target, result)
        return result
