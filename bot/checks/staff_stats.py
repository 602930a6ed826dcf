"""For staff: how many checks ran, and the commonest problems, by segment of business.

Built from ``check_runs`` (what ingestion records: kind, outcome, each finding's id and
status) joined to the conversation's profile snapshot. No checked address exists in the
analytics database, so none can be shown; a segment with fewer than ``min_count`` checks
is left out so a single business can't be picked out.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.storage.models import CheckRun, Conversation

Segment = Literal["size", "sector", "nation", "website"]
MIN_COUNT = 5


@dataclass
class SegmentChecks:
    segment: str  # the segment's value, or "unknown"
    kind: str
    checks: int = 0
    problems: Counter[str] = field(default_factory=Counter)  # finding id -> fails and warnings

    def add(self, findings: str | None) -> None:
        """Count one checked run and its fails and warnings."""
        self.checks += 1
        for finding, status in parse(findings):
            if status in ("fail", "warning"):
                self.problems[finding] += 1

    def commonest(self, count: int = 3) -> list[tuple[str, int]]:
        """The ``count`` commonest problems, most first (ties by finding id)."""
        return sorted(self.problems.items(), key=lambda item: (-item[1], item[0]))[:count]


def parse(findings: str | None) -> list[tuple[str, str]]:
    """``"https:pass,hsts:warning"`` (as ingestion writes it) as (finding id, status) pairs."""
    pairs = (item.partition(":") for item in (findings or "").split(","))
    return [(finding, status) for finding, _, status in pairs if finding and status]


def check_summary(engine: Engine, by: Segment = "size",
                  min_count: int = MIN_COUNT) -> list[SegmentChecks]:
    """Checked runs per segment and kind, with their problems counted; busiest first."""
    runs, conversations = CheckRun.__table__, Conversation.__table__
    column = conversations.c[by]
    query = (sa.select(column.label("segment"), runs.c.kind, runs.c.findings)
             .select_from(runs.outerjoin(conversations,
                                         runs.c.conversation_key == conversations.c.conversation_key))
             .where(runs.c.outcome == "checked"))
    groups: dict[tuple[str, str], SegmentChecks] = {}
    with engine.connect() as connection:
        for row in connection.execute(query):
            key = (row.segment or "unknown", row.kind)
            groups.setdefault(key, SegmentChecks(*key)).add(row.findings)
    kept = [g for g in groups.values() if g.checks >= min_count]
    return sorted(kept, key=lambda g: (-g.checks, g.segment, g.kind))
