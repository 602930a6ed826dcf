"""Figures the staff dashboard needs beyond ``bot report``: funnel, trend, steps, lists.

Headline figures, segments, topics and helpfulness come from bot/analytics/metrics.py
(rollups). This module adds what the pages need on top, each a bounded query:

* the uptake funnel, in visitors, over conversations started in the range;
* the trend per week or calendar month, each interval marked whole or partial;
* every headline figure beside the previous equal period, with the change;
* per guidance step, how often it was offered, committed to and reported done;
* a page of the conversation list, and one conversation's redacted transcript.

Definitions are in docs/metrics.md ("Dashboard figures"). Every text leaves redacted
(again), as in ``bot export``.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

import sqlalchemy as sa

from bot.analytics import metrics
from bot.analytics.filters import DIMENSIONS, SEGMENT_VALUES, Filters
from bot.analytics.payloads import shown
from bot.analytics.report_periods import Interval, buckets, change
from bot.analytics.rollups.periods import day_start
from bot.analytics.rollups.refresh import Connectable, as_connection
from bot.guidance.knowledge import default_knowledge_base
from bot.guidance.knowledge.answers import default_answers
from bot.privacy.redaction import redact
from bot.storage.models import (
    CheckRun,
    Commitment,
    Conversation,
    Feedback,
    GuidanceReply,
    IncidentReply,
    StoredPlanStep,
    Turn,
)
from bot.storage.rollups import UNKNOWN

CONVERSATIONS: sa.Table = Conversation.__table__
TURNS: sa.Table = Turn.__table__
PLAN_ITEMS: sa.Table = StoredPlanStep.__table__
COMMITMENTS: sa.Table = Commitment.__table__
FEEDBACK: sa.Table = Feedback.__table__
CHECK_RUNS: sa.Table = CheckRun.__table__
INCIDENTS: sa.Table = IncidentReply.__table__
FUNNEL_STEPS = ("visited", "asked", "profiled", "got a plan", "committed", "reported done")
#: Headline figures that are shares (their change is in percentage points, not per cent).
RATES = frozenset({"plan_rate", "uptake_rate", "helpfulness"})
TREND_SERIES = ("visitors", "conversations", "plans_delivered", "commitments", "reported_done")
#: Longest transcript shown (a conversation is rarely more than a few dozen turns).
TRANSCRIPT_TURNS = 500


@lru_cache(maxsize=50_000)
def redacted(text: str) -> str:
    """Texts were redacted at ingestion; redact again on the way out (cached: texts repeat)."""
    return redact(text).text


def segment_condition(table: sa.Table, dimension: str, value: str) -> Any:
    """Rows of ``table`` in one segment value; ``unknown`` is NULL or anything off-vocabulary."""
    column = table.c[dimension]
    if value == UNKNOWN:
        known = [v for v in SEGMENT_VALUES[dimension] if v != UNKNOWN]
        return sa.or_(column.is_(None), column.notin_(known))
    return column == value


def in_range(table: sa.Table, column: str, filters: Filters) -> list[Any]:
    """Conditions: ``column`` within the filters' days, and the table's snapshot in the segment."""
    conditions = [table.c[column] >= day_start(filters.start),
                  table.c[column] < day_start(filters.end + timedelta(days=1))]
    for dimension in DIMENSIONS:
        value = filters.segment(dimension)
        if value is not None:
            conditions.append(segment_condition(table, dimension, value))
    return conditions


# ---- overview ---------------------------------------------------------------------------


def headline(conn: Connectable, filters: Filters) -> dict[str, Any]:
    """The overview's headline figures, all from the rollup metrics."""
    reach = metrics.reach(conn, filters)[metrics.TOTAL]
    plans = metrics.plans_delivered(conn, filters)[metrics.TOTAL]
    uptake = metrics.uptake(conn, filters)[metrics.TOTAL]
    helpful = metrics.helpfulness(conn, filters)[metrics.TOTAL]
    return {
        "reach": reach["unique_visitors"], "new_visitors": reach["new_visitors"],
        "returning_visitors": reach["returning_visitors"], "conversations": reach["conversations"],
        "plans_delivered": plans["conversations_with_plan"], "plan_rate": plans["plan_rate"],
        "commitments": uptake["commitments_made"], "reported_done": uptake["done"],
        "uptake_rate": uptake["rate"], "feedback": helpful["feedback"], "helpful": helpful["helpful"],
        "helpfulness": helpful["rate"],
    }


def funnel(conn: Connectable, filters: Filters) -> list[dict[str, Any]]:
    """Distinct visitors at each step, over conversations started in the range and segment.

    One pass over the conversations index grouped by visitor; "committed" and "reported
    done" then look up (once per visitor) their commitments made at or after the start
    of their first plan conversation in the range (the rule of ``commitment_rate``).
    """
    c, m = CONVERSATIONS, COMMITMENTS
    per_visitor = (
        sa.select(c.c.visitor_key,
                  sa.func.max(sa.case((c.c.last_topic.isnot(None), 1), else_=0)).label("asked"),
                  sa.func.max(sa.case((c.c.profiled.is_(True), 1), else_=0)).label("profiled"),
                  sa.func.min(sa.case((c.c.got_plan.is_(True), c.c.started_at))).label("first_plan"))
        .where(*in_range(c, "started_at", filters)).group_by(c.c.visitor_key).subquery())
    v = per_visitor

    # One look-up per visitor with a plan: NULL if no commitment since their first plan
    # conversation, else 1 if one of them is done, else 0.
    outcome = (sa.select(sa.func.max(sa.case((m.c.status == "done", 1), else_=0)))
               .where(m.c.visitor_key == v.c.visitor_key, m.c.committed_at >= v.c.first_plan)
               .scalar_subquery())
    with_outcome = sa.select(v.c.asked, v.c.profiled, v.c.first_plan,
                             sa.case((v.c.first_plan.isnot(None), outcome)).label("outcome")).subquery()
    w = with_outcome
    statement = sa.select(sa.func.count(), sa.func.sum(w.c.asked), sa.func.sum(w.c.profiled),
                          sa.func.count(w.c.first_plan), sa.func.count(w.c.outcome), sa.func.sum(w.c.outcome))
    counts = as_connection(conn).execute(statement).one()
    first = int(counts[0] or 0)
    return [{"step": step, "visitors": int(n or 0), "share": metrics.rate(int(n or 0), first)}
            for step, n in zip(FUNNEL_STEPS, counts, strict=True)]


def compared(current: dict[str, Any], previous: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each headline figure beside its value in the previous period, with the change.

    Rates change in percentage points (``change``); ``percent`` is the relative change
    of a count (None when the previous value is 0 or unknown, or for a rate).
    """
    out: dict[str, dict[str, Any]] = {}
    for key, value in current.items():
        before = previous.get(key)
        row = {"value": value, **change(value, before)}
        if key in RATES:
            row["percent"] = None
        out[key] = row
    return out


def weekly_trend(conn: Connectable, filters: Filters) -> list[dict[str, Any]]:
    """Per ISO week in the range: visitors, conversations, plans, commitments and done."""
    reach = metrics.reach(conn, filters, "week")
    plans = metrics.plans_delivered(conn, filters, "week")
    uptake = metrics.uptake(conn, filters, "week")
    return [{"week": week, "visitors": reach[week]["unique_visitors"],
             "conversations": reach[week]["conversations"],
             "plans_delivered": plans[week]["conversations_with_plan"],
             "commitments": uptake[week]["commitments_made"], "reported_done": uptake[week]["done"]}
            for week in reach]


def _totals(conn: Connectable, filters: Filters) -> dict[str, Any]:
    reach = metrics.reach(conn, filters)[metrics.TOTAL]
    plans = metrics.plans_delivered(conn, filters)[metrics.TOTAL]
    uptake = metrics.uptake(conn, filters)[metrics.TOTAL]
    return {"visitors": reach["unique_visitors"], "conversations": reach["conversations"],
            "plans_delivered": plans["conversations_with_plan"], "commitments": uptake["commitments_made"],
            "reported_done": uptake["done"]}


def trend(conn: Connectable, filters: Filters, interval: Interval, today: date,
          range_end: date | None = None) -> list[dict[str, Any]]:
    """Per week or calendar month of the range: the trend's figures and whether it is whole.

    An interval that is not over yet, or that the range cuts, is marked ``partial`` with
    a note ("unfinished: 3 of 7 days so far"), so the chart can show it without a fall.
    """
    parts = buckets(filters.start, filters.end, interval, today, range_end)
    if interval == "week":
        figures = {row["week"]: row for row in weekly_trend(conn, filters)}
    else:
        figures = {}
        for part in parts:
            within = Filters(part.first, part.last, size=filters.size, sector=filters.sector,
                             nation=filters.nation)
            figures[part.first.isoformat()] = _totals(conn, within)
    rows: list[dict[str, Any]] = []
    for part in parts:
        found = figures.get(part.first.isoformat() if interval == "month" else part.label, {})
        rows.append({"period": part.label, "first_day": part.first, "last_day": part.last,
                     "partial": part.partial, "note": part.note,
                     **{key: found.get(key, 0) for key in TREND_SERIES}})
    return rows


# ---- segments ---------------------------------------------------------------------------


def segments(conn: Connectable, filters: Filters, by: str) -> list[dict[str, Any]]:
    """Every headline figure for each value of ``by`` (size, sector or nation)."""
    breakdown: Any = by
    reach = metrics.reach(conn, filters, breakdown)
    plans = metrics.plans_delivered(conn, filters, breakdown)
    commit = metrics.commitment_rate(conn, filters, breakdown)
    uptake = metrics.uptake(conn, filters, breakdown)
    helpful = metrics.helpfulness(conn, filters, breakdown)
    return [{"segment": group, "reach": reach[group]["unique_visitors"],
             "conversations": reach[group]["conversations"],
             "plans_delivered": plans[group]["conversations_with_plan"],
             "commitment_rate": commit[group]["rate"], "commitments": uptake[group]["commitments_made"],
             "reported_done": uptake[group]["done"], "uptake_rate": uptake[group]["rate"],
             "helpfulness": helpful[group]["rate"], "feedback": helpful[group]["feedback"]}
            for group in reach]


# ---- topics and steps -------------------------------------------------------------------


def topics(conn: Connectable, filters: Filters) -> list[dict[str, Any]]:
    """Per knowledge-base topic: turns answered on it, feedback and the helpful share."""
    kb = default_knowledge_base()
    ranked = metrics.top_topics(conn, filters, None, top=len(kb.topics) + 10)[metrics.TOTAL]["topics"]
    answered = {row["topic"]: row["count"] for row in ranked}
    feedback = metrics.helpfulness(conn, filters)[metrics.TOTAL]["topics"]
    rows: list[dict[str, Any]] = []
    for topic_id, topic in kb.topics.items():
        given = feedback.get(topic_id, {})
        rows.append({"topic": topic_id, "title": topic.title, "questions": answered.get(topic_id, 0),
                     "feedback": given.get("feedback", 0), "helpful": given.get("helpful", 0),
                     "helpfulness": given.get("rate")})
    rows.sort(key=lambda row: (-row["questions"], row["topic"]))
    return rows


def _step_titles() -> dict[str, str]:
    return {step.id: step.title for step in default_knowledge_base().all_steps()}


def steps(conn: Connectable, filters: Filters) -> list[dict[str, Any]]:
    """Per guidance step: plan items offering it (by ``at``), commitments made (by ``committed_at``)
    and how many of those are now reported done."""
    p, m = PLAN_ITEMS, COMMITMENTS
    connection = as_connection(conn)
    offered = dict(((row.topic, row.step), int(row.n)) for row in connection.execute(
        sa.select(p.c.topic, p.c.step, sa.func.count().label("n"))
        .where(*in_range(p, "at", filters)).group_by(p.c.topic, p.c.step)))
    made: dict[tuple[str, str], tuple[int, int]] = {}
    for row in connection.execute(
            sa.select(m.c.topic, m.c.step, sa.func.count().label("n"),
                      sa.func.sum(sa.case((m.c.status == "done", 1), else_=0)).label("done"))
            .where(*in_range(m, "committed_at", filters)).group_by(m.c.topic, m.c.step)):
        made[(row.topic, row.step)] = (int(row.n), int(row.done or 0))
    titles = _step_titles()
    rows: list[dict[str, Any]] = []
    for topic, step in sorted(set(offered) | set(made)):
        committed, done = made.get((topic, step), (0, 0))
        rows.append({"step": step, "title": titles.get(step, step), "topic": topic,
                     "offered": offered.get((topic, step), 0), "committed": committed,
                     "commit_rate": metrics.rate(committed, offered.get((topic, step), 0)),
                     "reported_done": done, "done_rate": metrics.rate(done, committed)})
    rows.sort(key=lambda row: (-row["offered"], -row["committed"], row["step"]))
    return rows


# ---- conversations ----------------------------------------------------------------------


def conversation_page(conn: Connectable, filters: Filters, offset: int, limit: int
                      ) -> tuple[list[dict[str, Any]], int]:
    """Conversations started in the range and segment, newest first: one page and the total."""
    c = CONVERSATIONS
    conditions = in_range(c, "started_at", filters)
    connection = as_connection(conn)
    counted = sa.select(sa.func.count()).select_from(c).where(*conditions)
    total = int(connection.execute(counted).scalar() or 0)
    rows = connection.execute(
        sa.select(c.c.id, c.c.started_at, c.c.last_at, c.c.channel, c.c.user_turns, c.c.profiled,
                  c.c.got_plan, c.c.is_returning, c.c.last_intent, c.c.last_topic, c.c.size, c.c.sector,
                  c.c.nation)
        .where(*conditions).order_by(c.c.started_at.desc(), c.c.id.desc()).offset(offset).limit(limit))
    return [_conversation_row(row) for row in rows], total


def _conversation_row(row: Any) -> dict[str, Any]:
    return {"id": row.id, "started_at": row.started_at, "last_at": row.last_at, "channel": row.channel or "",
            "user_turns": row.user_turns, "profiled": bool(row.profiled), "got_plan": bool(row.got_plan),
            "returning": bool(row.is_returning), "last_intent": row.last_intent or "",
            "last_topic": row.last_topic or "", "size": row.size or UNKNOWN,
            "sector": row.sector or UNKNOWN, "nation": row.nation or UNKNOWN}


def transcript(conn: Connectable, conversation_id: int) -> dict[str, Any] | None:
    """One conversation: its summary, redacted turns, plan and commitments; None if unknown.

    Each turn shows what the business saw: a pressed button's label, not its payload
    (bot/analytics/payloads.py). After each turn comes the assistant's side as the
    record holds it: the topics it answered on, the plan it gave, the commitments and
    done steps it recorded, the checks it ran and, on the urgent path, the incident and
    the reporting routes it gave. Turns whose text retention has cleared are listed
    without text.
    """
    c, t, p, m, f = CONVERSATIONS, TURNS, PLAN_ITEMS, COMMITMENTS, FEEDBACK
    connection = as_connection(conn)
    row = connection.execute(
        sa.select(c.c.id, c.c.conversation_key, c.c.started_at, c.c.last_at, c.c.channel, c.c.user_turns,
                  c.c.profiled, c.c.got_plan, c.c.is_returning, c.c.last_intent, c.c.last_topic,
                  c.c.size, c.c.sector, c.c.nation).where(c.c.id == conversation_id)).first()
    if row is None:
        return None
    key = row.conversation_key
    topic_titles = {topic_id: topic.title for topic_id, topic in default_knowledge_base().topics.items()}
    turns = []
    for turn in connection.execute(
            sa.select(t.c.at, t.c.intent, t.c.confidence, t.c.topics, t.c.fallback, t.c.out_of_scope,
                      t.c.text).where(t.c.conversation_key == key)
            .order_by(t.c.at, t.c.id).limit(TRANSCRIPT_TURNS)):
        seen = shown(redacted(turn.text)) if turn.text else None
        topics = [name for name in (turn.topics or "").split(",") if name]
        turns.append({"at": turn.at, "intent": turn.intent or "", "confidence": turn.confidence,
                      "topics": turn.topics or "", "fallback": bool(turn.fallback),
                      "out_of_scope": bool(turn.out_of_scope), "text": seen.text if seen else None,
                      "button": bool(seen and seen.button),
                      "answered": [topic_titles.get(name, name.replace("_", " ")) for name in topics],
                      "replies": []})
    plan = [dict(item._mapping) for item in connection.execute(
        sa.select(p.c.position, p.c.topic, p.c.step, p.c.at).where(p.c.conversation_key == key)
        .order_by(p.c.at, p.c.position))]
    commitments = [dict(item._mapping) for item in connection.execute(
        sa.select(m.c.step, m.c.topic, m.c.committed_at, m.c.status, m.c.done_at)
        .where(m.c.conversation_key == key).order_by(m.c.committed_at))]
    feedback = [dict(item._mapping) for item in connection.execute(
        sa.select(f.c.at, f.c.topic, f.c.helpful).where(f.c.conversation_key == key).order_by(f.c.at))]
    checks = [dict(item._mapping) for item in connection.execute(
        sa.select(CHECK_RUNS.c.at, CHECK_RUNS.c.kind, CHECK_RUNS.c.outcome, CHECK_RUNS.c.passes,
                  CHECK_RUNS.c.warnings, CHECK_RUNS.c.fails)
        .where(CHECK_RUNS.c.conversation_key == key).order_by(CHECK_RUNS.c.at))]
    titles = _step_titles()
    for item in (*plan, *commitments):
        item["title"] = titles.get(item["step"], item["step"])
    _attach_replies(turns, plan, commitments, checks,
                    incident_replies(connection, key) + guidance_replies(connection, key))
    return {"conversation": _conversation_row(row), "turns": turns, "plan": plan,
            "commitments": commitments, "feedback": feedback, "checks": checks}


Rows = list[dict[str, Any]]


def _attach_replies(turns: Rows, plan: Rows, commitments: Rows, checks: Rows,
                    incidents: list[tuple[Any, str]]) -> None:
    """Put each recorded reply after the business's message it answered (the last one before it)."""
    events: list[tuple[Any, str]] = []
    plans: dict[Any, list[str]] = {}
    for item in plan:
        plans.setdefault(item["at"], []).append(item["title"])
    events += [(at, "Gave a plan: " + "; ".join(steps)) for at, steps in plans.items()]
    events += [(item["committed_at"], f"Recorded a commitment: {item['title']}") for item in commitments]
    events += [(item["done_at"], f"Recorded as done: {item['title']}")
               for item in commitments if item["done_at"]]
    events += [(item["at"], f"Ran the {item['kind'].replace('_', ' ')} check: {item['outcome']}, "
                            f"{item['passes']} passed, {item['warnings']} warnings, {item['fails']} failed")
               for item in checks]
    events += incidents
    if not turns:
        return
    times = [turn["at"] for turn in turns]
    for at, text in sorted(events, key=lambda event: event[0]):
        index = max(0, bisect_right(times, at) - 1)
        turns[index]["replies"].append(text)


def guidance_replies(conn: Connectable, conversation_key: str) -> list[tuple[Any, str]]:
    """The specific answers one conversation was given (by their first example question), and
    the people asked for and languages noted, so staff can judge an answer."""
    answers, g = default_answers(), GuidanceReply.__table__
    out: list[tuple[Any, str]] = []
    for row in as_connection(conn).execute(
            sa.select(g.c.at, g.c.answer, g.c.human, g.c.language)
            .where(g.c.conversation_key == conversation_key).order_by(g.c.at)):
        if row.answer:
            found = answers.get(row.answer)
            named = f'"{found.questions[0]}"' if found else row.answer
            out.append((row.at, f"Answered: {named}"))
        if row.human:
            out.append((row.at, "A person was asked for: human routes given."))
        if row.language:
            out.append((row.at, f"Said it answers in English (message in {row.language})."))
    return out


def incident_replies(conn: Connectable, conversation_key: str) -> list[tuple[Any, str]]:
    """The urgent-path replies of one conversation: the incident and the routes given."""
    kb = default_knowledge_base()
    i = INCIDENTS
    out: list[tuple[Any, str]] = []
    for row in as_connection(conn).execute(
            sa.select(i.c.at, i.c.incident, i.c.routes, i.c.human)
            .where(i.c.conversation_key == conversation_key).order_by(i.c.at)):
        found = kb.incidents.get(row.incident)
        title = found.title if found else row.incident.replace("_", " ")
        routes = ", ".join(name.replace("_", " ") for name in (row.routes or "").split(",") if name)
        text = f"Urgent help: {title}." + (f" Reporting routes given: {routes}." if routes else "")
        if row.human:
            text += " A human route was asked for or given."
        out.append((row.at, text))
    return out
