"""A deliberately naive second implementation of docs/metrics.md, for cross-checking.

It reads every row into Python and applies each definition literally, per group, with
no rollups, no shared code with bot/analytics (except the profile vocabulary and topic
ids, which are data), and no attempt at speed.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.guidance.knowledge import TOPIC_IDS
from bot.guidance.profile import NATIONS, SECTORS, SIZES

VALUES = {"size": (*SIZES, "unknown"), "sector": (*SECTORS, "unknown"), "nation": (*NATIONS, "unknown")}
DIMS = ("size", "sector", "nation")


class Oracle:
    def __init__(self, conn: Connection) -> None:
        def rows(table: str) -> list[dict[str, Any]]:
            return [dict(r._mapping) for r in conn.execute(sa.text(f"SELECT * FROM {table}"))]  # noqa: S608

        self.conversations = rows("conversations")
        self.turns = rows("turns")
        self.plan_items = rows("plan_items")
        self.commitments = rows("commitments")
        self.feedback = rows("feedback")
        for collection in (self.conversations, self.turns, self.plan_items, self.commitments, self.feedback):
            for row in collection:
                for name, value in row.items():
                    if isinstance(value, str) and name in ("at", "started_at", "last_at", "committed_at",
                                                            "status_at", "done_at"):
                        row[name] = datetime.fromisoformat(value)
        self.by_key = {c["conversation_key"]: c for c in self.conversations}

    # -- helpers --

    @staticmethod
    def seg(row: dict[str, Any] | None, dim: str) -> str:
        value = None if row is None else row.get(dim)
        return value if value in VALUES[dim][:-1] else "unknown"

    @staticmethod
    def groups(f: Any, by: str | None) -> list[str]:
        if by is None:
            return ["all"]
        if by == "week":
            weeks, week = [], f.start - timedelta(days=f.start.weekday())
            while week <= f.end:
                weeks.append(week.isoformat())
                week += timedelta(days=7)
            return weeks
        chosen = getattr(f, by)
        return [chosen] if chosen else list(VALUES[by])

    @staticmethod
    def span(f: Any, by: str | None, group: str) -> tuple[date, date]:
        if by == "week":
            monday = date.fromisoformat(group)
            return max(f.start, monday), min(f.end, monday + timedelta(days=6))
        return f.start, f.end

    def matches(self, f: Any, by: str | None, group: str, segment_row: dict[str, Any] | None,
                moment: datetime) -> bool:
        start, end = self.span(f, by, group)
        if not start <= moment.date() <= end:
            return False
        for dim in DIMS:
            wanted = getattr(f, dim) or (group if by == dim else None)
            if wanted is not None and self.seg(segment_row, dim) != wanted:
                return False
        return True

    def table(self, f: Any, by: str | None, row: Any) -> dict[str, Any]:
        return {group: row(f, by, group) for group in self.groups(f, by)}

    @staticmethod
    def rate(part: int, whole: int) -> float | None:
        return part / whole if whole else None

    def first_in_span(self, f: Any, by: str | None, group: str, only_plans: bool) -> list[dict[str, Any]]:
        """Each visitor's first (plan) conversation in the group's days, any segment."""
        start, end = self.span(f, by, group)
        firsts: dict[str, dict[str, Any]] = {}
        for c in sorted(self.conversations, key=lambda c: (c["started_at"], c["id"])):
            if only_plans and not c["got_plan"]:
                continue
            if start <= c["started_at"].date() <= end:
                firsts.setdefault(c["visitor_key"], c)
        return [c for c in firsts.values() if self.matches(f, by, group, c, c["started_at"])]

    # -- metrics --

    def reach(self, f: Any, by: str | None) -> dict[str, Any]:
        def row(f: Any, by: str | None, group: str) -> dict[str, Any]:
            start, _ = self.span(f, by, group)
            firsts = self.first_in_span(f, by, group, only_plans=False)
            returning = sum(1 for c in firsts if any(
                o["visitor_key"] == c["visitor_key"] and o["started_at"].date() < start
                for o in self.conversations))
            conversations = len(self.convs(f, by, group))
            return {"unique_visitors": len(firsts), "new_visitors": len(firsts) - returning,
                    "returning_visitors": returning, "conversations": conversations}
        return self.table(f, by, row)

    def convs(self, f: Any, by: str | None, group: str) -> list[dict[str, Any]]:
        return [c for c in self.conversations if self.matches(f, by, group, c, c["started_at"])]

    def profile_completion(self, f: Any, by: str | None) -> dict[str, Any]:
        def row(f: Any, by: str | None, group: str) -> dict[str, Any]:
            cs = self.convs(f, by, group)
            profiled = sum(1 for c in cs if c["profiled"])
            return {"conversations": len(cs), "profiled": profiled, "rate": self.rate(profiled, len(cs))}
        return self.table(f, by, row)

    def plans_delivered(self, f: Any, by: str | None) -> dict[str, Any]:
        def row(f: Any, by: str | None, group: str) -> dict[str, Any]:
            cs = self.convs(f, by, group)
            with_plan = sum(1 for c in cs if c["got_plan"])
            items = Counter(p["topic"] for p in self.plan_items if self.matches(f, by, group, p, p["at"]))
            return {"conversations": len(cs), "conversations_with_plan": with_plan,
                    "plan_rate": self.rate(with_plan, len(cs)), "plan_items": sum(items.values()),
                    "plan_items_by_topic": dict(sorted(items.items()))}
        return self.table(f, by, row)

    def commitment_rate(self, f: Any, by: str | None) -> dict[str, Any]:
        def row(f: Any, by: str | None, group: str) -> dict[str, Any]:
            firsts = self.first_in_span(f, by, group, only_plans=True)
            committed = sum(1 for c in firsts if any(
                k["visitor_key"] == c["visitor_key"] and k["committed_at"] >= c["started_at"]
                for k in self.commitments))
            return {"visitors_with_plan": len(firsts), "visitors_committed": committed,
                    "rate": self.rate(committed, len(firsts))}
        return self.table(f, by, row)

    def made(self, f: Any, by: str | None, group: str) -> list[dict[str, Any]]:
        return [k for k in self.commitments if self.matches(f, by, group, k, k["committed_at"])]

    def uptake(self, f: Any, by: str | None) -> dict[str, Any]:
        def row(f: Any, by: str | None, group: str) -> dict[str, Any]:
            ks = self.made(f, by, group)
            statuses = Counter(k["status"] for k in ks)
            out: dict[str, Any] = {"commitments_made": len(ks)}
            out.update({s: statuses[s] for s in ("open", "done", "not_yet", "dropped")})
            out["rate"] = self.rate(statuses["done"], len(ks))
            return out
        return self.table(f, by, row)

    def time_to_done(self, f: Any, by: str | None) -> dict[str, Any]:
        def row(f: Any, by: str | None, group: str) -> dict[str, Any]:
            days = [int((k["done_at"] - k["committed_at"]).total_seconds() // 86400)
                    for k in self.made(f, by, group) if k["status"] == "done" and k["done_at"]]
            return {"done": len(days), "median_days": float(statistics.median(days)) if days else None}
        return self.table(f, by, row)

    def helpfulness(self, f: Any, by: str | None) -> dict[str, Any]:
        def row(f: Any, by: str | None, group: str) -> dict[str, Any]:
            given = [x for x in self.feedback
                     if self.matches(f, by, group, self.by_key.get(x["conversation_key"]), x["at"])]
            topics: dict[str, dict[str, Any]] = {}
            for topic in sorted({x["topic"] or "unknown" for x in given}):
                mine = [x for x in given if (x["topic"] or "unknown") == topic]
                up = sum(1 for x in mine if x["helpful"])
                topics[topic] = {"feedback": len(mine), "helpful": up, "rate": self.rate(up, len(mine))}
            up = sum(1 for x in given if x["helpful"])
            return {"feedback": len(given), "helpful": up, "rate": self.rate(up, len(given)),
                    "topics": topics}
        return self.table(f, by, row)

    def turns_in(self, f: Any, by: str | None, group: str) -> list[dict[str, Any]]:
        return [t for t in self.turns if self.matches(f, by, group, t, t["at"])]

    @staticmethod
    def ranked(counts: Counter[str], total: int, label: str, top: int | None) -> list[dict[str, Any]]:
        ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        chosen = ordered if top is None else ordered[:top]
        return [{label: k, "count": n, "share": n / total} for k, n in chosen]

    def top_topics(self, f: Any, by: str | None) -> dict[str, Any]:
        def row(f: Any, by: str | None, group: str) -> dict[str, Any]:
            counts: Counter[str] = Counter()
            with_topic = 0
            for t in self.turns_in(f, by, group):
                topics = {x.strip() for x in (t["topics"] or "").split(",") if x.strip()}
                with_topic += bool(topics)
                counts.update(topics)
            return {"turns_with_topic": with_topic, "topics": self.ranked(counts, with_topic, "topic", 10)}
        return self.table(f, by, row)

    @staticmethod
    def normalise(text: str) -> str:
        text = re.sub(r"\s+", " ", text).strip()
        text = re.sub(r"[?!. ]+$", "", text).lower()
        return re.sub(r"\[[a-z_]+\]", lambda m: m.group(0).upper(), text)[:200]

    def top_questions(self, f: Any, by: str | None) -> dict[str, Any]:
        intents = {f"ask_{topic}" for topic in TOPIC_IDS}

        def row(f: Any, by: str | None, group: str) -> dict[str, Any]:
            counts = Counter(self.normalise(t["text"]) for t in self.turns_in(f, by, group)
                             if t["intent"] in intents and t["text"] and self.normalise(t["text"]))
            total = sum(counts.values())
            return {"questions": total, "top": self.ranked(counts, total, "text", 10)}
        return self.table(f, by, row)

    def unanswered(self, f: Any, by: str | None) -> dict[str, Any]:
        def row(f: Any, by: str | None, group: str) -> dict[str, Any]:
            ts = self.turns_in(f, by, group)
            fb = sum(1 for t in ts if t["fallback"])
            oos = sum(1 for t in ts if t["out_of_scope"])
            return {"turns": len(ts), "fallback": fb, "out_of_scope": oos,
                    "fallback_rate": self.rate(fb, len(ts)), "out_of_scope_rate": self.rate(oos, len(ts))}
        return self.table(f, by, row)

    def drop_off(self, f: Any, by: str | None) -> dict[str, Any]:
        def row(f: Any, by: str | None, group: str) -> dict[str, Any]:
            counts = Counter(c["last_intent"] or "none" for c in self.convs(f, by, group)
                             if not c["got_plan"])
            total = sum(counts.values())
            return {"conversations_without_plan": total,
                    "last_intents": self.ranked(counts, total, "intent", None)}
        return self.table(f, by, row)
