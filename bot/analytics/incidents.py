"""How many came to us after an incident, and what had happened: the urgent path's figures.

Read from ``incident_replies`` (one row per urgent-path reply, written by ingestion from
``custom.incident``): conversations on the urgent path in the range and segment, by
incident kind, nation, size band and week; the reporting routes given; and how many
asked for or were given a human route. A conversation that described two incidents
counts once in the total and once under each kind. Each row is dated and segmented by
the reply's own snapshot, as plan items are.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import sqlalchemy as sa

from bot.analytics.dashboard import in_range
from bot.analytics.filters import SEGMENT_VALUES, Filters
from bot.analytics.rollups.periods import monday
from bot.analytics.rollups.refresh import Connectable, as_connection
from bot.guidance.knowledge import default_knowledge_base
from bot.storage.models import IncidentReply
from bot.storage.rollups import UNKNOWN

INCIDENTS: sa.Table = IncidentReply.__table__


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _ranked(counts: Counter[str], total: int, titles: dict[str, str], order: tuple[str, ...] = ()
            ) -> list[dict[str, Any]]:
    keys = list(order) if order else sorted(counts, key=lambda key: (-counts[key], key))
    return [{"key": key, "title": titles.get(key, key.replace("_", " ")), "conversations": counts[key],
             "share": _share(counts[key], total)} for key in keys if counts[key] or order]


def conversations(conn: Connectable, filters: Filters) -> int:
    """Conversations on the urgent path over ``filters``: ``summary``'s total, counted in SQL
    (the previous period's figure needs nothing else)."""
    i = INCIDENTS
    return int(as_connection(conn).execute(
        sa.select(sa.func.count(sa.distinct(i.c.conversation_key))).where(*in_range(i, "at", filters))
    ).scalar() or 0)


def summary(conn: Connectable, filters: Filters) -> dict[str, Any]:
    """The urgent path over ``filters``: totals and each breakdown, commonest first."""
    i = INCIDENTS
    rows = as_connection(conn).execute(
        sa.select(i.c.conversation_key, i.c.visitor_key, i.c.at, i.c.incident, i.c.routes, i.c.human,
                  i.c.size, i.c.nation).where(*in_range(i, "at", filters)).order_by(i.c.at))
    conversations: dict[str, dict[str, Any]] = {}
    for row in rows:
        found = conversations.setdefault(row.conversation_key, {
            "visitor": row.visitor_key, "week": monday(row.at.date()).isoformat(), "kinds": set(),
            "routes": set(), "human": False, "size": row.size or UNKNOWN, "nation": row.nation or UNKNOWN})
        found["kinds"].add(row.incident)
        found["routes"].update(name for name in (row.routes or "").split(",") if name)
        found["human"] = found["human"] or bool(row.human)
    total = len(conversations)
    kinds: Counter[str] = Counter()
    routes: Counter[str] = Counter()
    nations: Counter[str] = Counter()
    sizes: Counter[str] = Counter()
    weeks: Counter[str] = Counter()
    for found in conversations.values():
        kinds.update(found["kinds"])
        routes.update(found["routes"])
        nations[found["nation"]] += 1
        sizes[found["size"]] += 1
        weeks[found["week"]] += 1
    kb = default_knowledge_base()
    kind_titles = {incident_id: incident.title for incident_id, incident in kb.incidents.items()}
    route_titles = {route.id: route.id.replace("_", " ") for route in kb.reporting}
    human = sum(1 for found in conversations.values() if found["human"])
    plain = {value: value.replace("_", " ") for values in SEGMENT_VALUES.values() for value in values}
    return {
        "conversations": total,
        "businesses": len({found["visitor"] for found in conversations.values()}),
        "human": human, "human_share": _share(human, total),
        "by_kind": _ranked(kinds, total, kind_titles),
        "routes": _ranked(routes, total, route_titles),
        "by_nation": _ranked(nations, total, plain, SEGMENT_VALUES["nation"]),
        "by_size": _ranked(sizes, total, plain, SEGMENT_VALUES["size"]),
        "by_week": [{"key": week, "title": week, "conversations": n, "share": _share(n, total)}
                    for week, n in sorted(weeks.items())],
    }
