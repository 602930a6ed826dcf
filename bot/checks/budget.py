"""Time limits shared by every probe of one check, so a silent server cannot stall it.

Each connection or DNS query gets at most its own limit and never more than what is left
of the whole check's budget. The owner is told these limits while the check runs.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Callable, Mapping, TypeVar


@dataclass(frozen=True)
class Limits:
    """Per-step and total time limits in seconds."""

    connect: float = 5.0
    read: float = 5.0
    dns: float = 4.0
    total: float = 20.0


DEFAULT_LIMITS = Limits()


@dataclass
class Budget:
    """What is left of one check's time; created when the check starts."""

    limits: Limits = DEFAULT_LIMITS
    deadline: float = field(default=0.0)

    def __post_init__(self) -> None:
        if not self.deadline:
            self.deadline = time.monotonic() + self.limits.total

    def remaining(self) -> float:
        return max(0.0, self.deadline - time.monotonic())

    def expired(self) -> bool:
        return self.remaining() <= 0.0

    def connect_timeout(self) -> float:
        return max(0.05, min(self.limits.connect, self.remaining()))

    def read_timeout(self) -> float:
        return max(0.05, min(self.limits.read, self.remaining()))

    def dns_timeout(self) -> float:
        return max(0.05, min(self.limits.dns, self.remaining()))


T = TypeVar("T")


@dataclass(frozen=True)
class Raised:
    """A job that ended in an exception (kept apart from results that are exceptions)."""

    error: BaseException


def run_side_by_side(jobs: Mapping[str, Callable[[], T]], budget: Budget,
                     grace: float = 0.5) -> dict[str, T | Raised | None]:
    """Run ``jobs`` in threads; each name maps to its result, :class:`Raised`, or None when
    it was still running when the budget (plus ``grace``) ran out.

    A job left running is abandoned, not waited for: its own time limits end it soon
    after, and the owner gets an answer within the budget whatever a server does.
    """
    pool = ThreadPoolExecutor(max_workers=max(1, len(jobs)))
    futures = {name: pool.submit(job) for name, job in jobs.items()}
    results: dict[str, T | Raised | None] = {}
    for name, future in futures.items():
        try:
            results[name] = future.result(timeout=budget.remaining() + grace)
        except FutureTimeout:
            results[name] = None
        except Exception as error:  # noqa: BLE001 - handed back to the caller to judge
            results[name] = Raised(error)
    pool.shutdown(wait=False, cancel_futures=True)
    return results
