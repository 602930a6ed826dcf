"""Time limits shared by every probe of one check, so a silent server cannot stall it.

Each connection or DNS query gets at most its own limit and never more than what is left
of the whole check's budget. The owner is told these limits while the check runs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field


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
