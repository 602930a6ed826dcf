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

    def commonest(self, count: int = 3) -> list[tuple[str, int]]:
        return self.problems.most_common(count)


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
            group = groups.setdefault(key, SegmentChecks(*key))
            group.checks += 1
            for item in (row.findings or "").split(","):
                finding, _, status = item.partition(":")
                if status in ("fail", "warning"):
                    group.problems[finding] += 1
    kept = [g for g in groups.values() if g.checks >= min_count]
    return sorted(kept, key=lambda g: (-g.checks, g.segment, g.kind))
