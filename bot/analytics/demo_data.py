"""Synthetic analytics data: plausible conversations written straight into the tables.

For demonstrations, report development and the scale benchmark (bench/metrics_scale.py),
without running the bot. Proportions follow what a small-business programme expects
(targets in brackets; the test checks them within ranges):

* visitors mostly micro businesses and sole traders, fewer small, few medium; sectors
  spread with retail, professional services and hospitality largest; England most;
* about a fifth of conversations come from returning visitors (~20%);
* ~40% of conversations complete the profile; ~25% get a plan; ~30% of those commit
  to one to three of its steps; ~35% of commitments are later reported done, some
  ``not_yet`` or ``dropped``, the rest still open;
* ~6% of turns fall back, ~5% are out of scope; some guidance turns get feedback.

Texts are the project's NLU training examples (data/nlu), sampled with a long tail so a
few questions are common, passed through the redactor: no personal data, and
placeholders such as ``[EMAIL]`` where a real message would have had some. Keys are
random 64-hex strings shaped like the HMAC pseudonyms.

Rows are written with batched Core inserts (executemany), so a million turns take a
few minutes at most; the follow-up of a commitment is written as a status and
timestamps only (no follow-up conversation is simulated).
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any, Union

import sqlalchemy as sa
import yaml
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session
from tqdm import tqdm

from bot.analytics.rollups.periods import day_start, monday
from bot.guidance.knowledge import TOPIC_IDS, default_knowledge_base
from bot.guidance.profile import CLOUD_SERVICES, IT_SUPPORT, NATIONS, QUESTION_ORDER, SECTORS, SIZES, WEBSITES
from bot.paths import PROJECT_ROOT
from bot.privacy.redaction import redact
from bot.storage.models import (
    Commitment,
    Conversation,
    Feedback,
    IncidentReply,
    StoredPlanStep,
    Turn,
    Visitor,
)

Target = Union[Engine, Connection, Session]

NLU_DIR = PROJECT_ROOT / "data" / "nlu"
BATCH_TURNS = 20_000

SIZE_WEIGHTS = dict(zip(SIZES, (34, 46, 15, 5), strict=True))
SECTOR_WEIGHTS = dict(zip(SECTORS, (18, 14, 16, 7, 12, 8, 6, 4, 5, 10), strict=True))
NATION_WEIGHTS = dict(zip(NATIONS, (84, 8, 5, 3), strict=True))
TOPIC_WEIGHTS = dict(zip(TOPIC_IDS, (8, 6, 6, 5, 9, 10, 6, 5, 3, 5, 4, 4, 5, 4, 3, 3, 3, 4, 2, 6, 3, 3),
                         strict=True))
CONVERSATIONS_PER_VISITOR = {1: 78, 2: 14, 3: 8}
P_COMPLETE_PROFILE = 0.34  # of first attempts; returning visitors keep their profile
P_NO_PROFILE = 0.5  # of those who do not complete it: never start it
P_PLAN_IF_PROFILED = 0.61
P_COMMIT = 0.30
STATUS_WEIGHTS = {"done": 35, "not_yet": 15, "dropped": 10, "open": 40}
P_INCIDENT = 0.05
P_FALLBACK = 0.065
P_OUT_OF_SCOPE = 0.055
P_FEEDBACK = 0.2
P_GREET = 0.5
P_GOODBYE = 0.35
HELPFUL_BASE = 0.78

FALLBACK_TEXTS = (
    "can u do the thing with the box", "hmm", "what about the other one", "asdf", "?",
    "the red light is flashing again", "it says error 0x80070005", "no the other thing",
    "my nephew said something about a vpn thing", "is it the blue one or the green one",
)
#: Questions as they look after redaction, where the owner typed personal data.
REDACTED_QUESTIONS: dict[str, tuple[str, ...]] = {
    "phishing": ("I got an email from [EMAIL] saying our account is locked, is it real",
                 "someone texted from [PHONE] asking for a code, is that a scam"),
    "payment_fraud": ("a supplier emailed new bank details with sort code [SORT_CODE], should I pay",
                      "an invoice from [EMAIL] has a new [IBAN] on it, is it safe"),
    "passwords": ("is [PASSWORD] a strong enough password",),
    "card_payments": ("a customer read their card number [CARD] out on the phone, can I keep it",),
    "personal_data": ("a customer at [POSTCODE] asked what we hold about them, what do I do",),
    "network": ("our router is on [IP], should I change its password",),
}
P_REDACTED_QUESTION = 0.08
_ANNOTATION = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")


@lru_cache(maxsize=1)
def nlu_examples() -> dict[str, tuple[str, ...]]:
    """Training examples per intent, annotations stripped and redacted (cached)."""
    examples: dict[str, list[str]] = {}
    for path in sorted(NLU_DIR.glob("*.yml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in document.get("nlu", []) or []:
            if not isinstance(block, dict) or "intent" not in block:
                continue
            for line in str(block.get("examples", "")).splitlines():
                text = _ANNOTATION.sub(r"\1", line.strip().removeprefix("- ").strip())
                if text:
                    examples.setdefault(block["intent"], []).append(redact(text).text)
    return {intent: tuple(texts) for intent, texts in examples.items()}


@dataclass(frozen=True)
class DemoSummary:
    visitors: int
    conversations: int
    turns: int
    plan_items: int
    commitments: int
    feedback: int
    start: date
    end: date
    incidents: int = 0


@dataclass
class _Rows:
    visitors: list[dict[str, Any]] = field(default_factory=list)
    conversations: list[dict[str, Any]] = field(default_factory=list)
    turns: list[dict[str, Any]] = field(default_factory=list)
    plan_items: list[dict[str, Any]] = field(default_factory=list)
    commitments: list[dict[str, Any]] = field(default_factory=list)
    feedback: list[dict[str, Any]] = field(default_factory=list)
    incidents: list[dict[str, Any]] = field(default_factory=list)

    def tables(self) -> Iterator[tuple[sa.Table, list[dict[str, Any]]]]:
        yield Visitor.__table__, self.visitors
        yield Conversation.__table__, self.conversations
        yield Turn.__table__, self.turns
        yield StoredPlanStep.__table__, self.plan_items
        yield Commitment.__table__, self.commitments
        yield Feedback.__table__, self.feedback
        yield IncidentReply.__table__, self.incidents


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _long_tail(rng: random.Random, options: Sequence[str]) -> str:
    """Earlier options are asked far more often (weight 1 / rank)."""
    index = min(int(len(options) ** rng.random()) - 1, len(options) - 1)
    return options[max(index, 0)]


def _key(rng: random.Random) -> str:
    return f"{rng.getrandbits(256):064x}"


class _Generator:
    """Simulates visitors one at a time and collects their rows."""

    def __init__(self, rng: random.Random, start: date, end: date, next_event_id: int) -> None:
        self.rng = rng
        self.start, self.end = start, end
        self.end_at = day_start(end + timedelta(days=1))
        self.event_id = next_event_id
        self.examples = nlu_examples()
        self.kb = default_knowledge_base()
        self.steps = {topic: [step.id for step in t.steps] for topic, t in self.kb.topics.items()}
        self.helpful = {topic: min(0.97, HELPFUL_BASE + rng.uniform(-0.15, 0.15)) for topic in TOPIC_IDS}
        self.days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
        self.day_weights = [1.0 if d.weekday() < 5 else 0.4 for d in self.days]
        # Incidents draw from their own generator, so adding them left every other row as it was.
        self.incident_rng = random.Random(rng.getstate()[1][0])  # noqa: S311 - synthetic data
        self.incident_ids = itertools.count(next_event_id)
        self.incident_kinds = sorted(self.kb.incidents)
        self.route_ids = [route.id for route in self.kb.reporting]

    # -- pieces --

    def text(self, intent: str, fallback: Sequence[str] = ("ok",)) -> str:
        return self.rng.choice(self.examples.get(intent) or fallback)

    def moment(self) -> datetime:
        day = self.rng.choices(self.days, weights=self.day_weights)[0]
        hour = min(21, max(6, int(self.rng.gauss(13, 3.5))))
        return day_start(day) + timedelta(hours=hour, minutes=self.rng.randrange(60),
                                          seconds=self.rng.randrange(60))

    def profile(self) -> dict[str, Any]:
        rng = self.rng
        cloud = rng.choice(CLOUD_SERVICES)
        return {
            "size": _weighted(rng, SIZE_WEIGHTS), "sector": _weighted(rng, SECTOR_WEIGHTS),
            "nation": _weighted(rng, NATION_WEIGHTS), "cloud": cloud,
            "card_payments": rng.random() < 0.6, "personal_data": rng.random() < 0.7,
            "website": rng.choice(WEBSITES), "remote_working": rng.random() < 0.4,
            "byod": rng.random() < 0.5, "it_support": rng.choice(IT_SUPPORT),
        }

    # -- one visitor --

    def visitor(self, rows: _Rows) -> int:
        rng = self.rng
        visitor_key = _key(rng)
        true_profile = self.profile()
        known: dict[str, Any] = {}
        profiled = False
        count = int(_weighted(rng, {str(k): v for k, v in CONVERSATIONS_PER_VISITOR.items()}))
        starts = [self.moment()]
        for _ in range(count - 1):
            gap = timedelta(days=rng.choice((1, 1, 2, 3, 4, 5, 7, 7, 10, 14, 21, 30)),
                            hours=rng.randrange(-6, 7))
            if starts[-1] + gap < self.end_at - timedelta(hours=2):
                starts.append(starts[-1] + gap)
        committed: set[str] = set()
        turns = 0
        for number, started in enumerate(starts):
            turns_here, profiled = self.conversation(rows, visitor_key, number, started, true_profile,
                                                     known, profiled, committed)
            turns += turns_here
        rows.visitors.append({"visitor_key": visitor_key, "first_seen": starts[0],
                              "last_seen": rows.conversations[-1]["last_at"], "conversations": len(starts)})
        return turns

    def conversation(self, rows: _Rows, visitor_key: str, number: int, started: datetime,
                     truth: dict[str, Any], known: dict[str, Any], profiled: bool,
                     committed: set[str]) -> tuple[int, bool]:
        rng = self.rng
        key = _key(rng)
        at = started
        turns: list[dict[str, Any]] = []

        def say(intent: str, text: str, confidence: float, topics: str | None = None,
                entities: str | None = None) -> dict[str, Any]:
            nonlocal at
            at += timedelta(seconds=rng.randrange(8, 90))
            turn = {"event_id": self.event_id, "conversation_key": key, "visitor_key": visitor_key,
                    "at": at, "week": monday(at.date()), "channel": "rest", "text": text,
                    "intent": intent, "confidence": round(confidence, 3), "entity_types": entities,
                    "topics": topics, "fallback": intent == "nlu_fallback",
                    "out_of_scope": intent == "out_of_scope", **self.snapshot(known)}
            self.event_id += 3  # user, bot and action events in the tracker between turns
            turns.append(turn)
            self.maybe_unanswered(say)
            return turn

        if rng.random() < P_GREET:
            say("greet", self.text("greet", ("hi",)), rng.uniform(0.85, 1.0))
        if not profiled:
            profiled = self.ask_profile(say, truth, known)
        asked = self.ask_topics(rows, say, key)
        self.maybe_incident(rows, key, visitor_key, at, known)
        got_plan = False
        if profiled and rng.random() < P_PLAN_IF_PROFILED:
            got_plan = True
            say("ask_action_plan", self.text("ask_action_plan"), rng.uniform(0.8, 1.0))
            plan = self.plan(asked)
            for position, (topic, step) in enumerate(plan, start=1):
                rows.plan_items.append({"conversation_key": key, "visitor_key": visitor_key,
                                        "at": at + timedelta(seconds=2), "position": position,
                                        "topic": topic, "step": step, **self.snapshot(known)})
            if rng.random() < P_COMMIT:
                for topic, step in plan[:rng.choice((1, 1, 2, 3))]:
                    if step in committed:
                        continue
                    say("commit_step", self.text("commit_step"), rng.uniform(0.75, 1.0))
                    committed.add(step)
                    rows.commitments.append(self.commitment(key, visitor_key, topic, step, at, known))
        if rng.random() < P_GOODBYE:
            say(rng.choice(("goodbye", "thank")), self.text("goodbye", ("bye",)), rng.uniform(0.8, 1.0))
        if not turns:
            say("greet", self.text("greet", ("hi",)), rng.uniform(0.85, 1.0))
        rows.turns.extend(turns)
        rows.conversations.append({
            "conversation_key": key, "visitor_key": visitor_key, "channel": "rest", "started_at": started,
            "last_at": at + timedelta(seconds=3), "is_returning": number > 0, "user_turns": len(turns),
            "profiled": profiled, "got_plan": got_plan, "last_intent": turns[-1]["intent"],
            "last_topic": asked[-1] if asked else None,
            "profile_answered": ",".join(q for q in QUESTION_ORDER if q in known) or None,
            **self.snapshot(known),
        })
        return len(turns), profiled

    @staticmethod
    def snapshot(known: dict[str, Any]) -> dict[str, Any]:
        return {attribute: known.get(attribute) for attribute in QUESTION_ORDER}

    def maybe_incident(self, rows: _Rows, key: str, visitor_key: str, at: datetime,
                       known: dict[str, Any]) -> None:
        """About one conversation in twenty takes the urgent path."""
        rng = self.incident_rng
        if rng.random() >= P_INCIDENT:
            return
        kind = rng.choice(self.incident_kinds)
        routes = list(self.kb.incidents[kind].report_to) or rng.sample(self.route_ids,
                                                                        min(2, len(self.route_ids)))
        rows.incidents.append({"event_id": next(self.incident_ids), "conversation_key": key,
                               "visitor_key": visitor_key, "at": at + timedelta(seconds=1),
                               "week": monday(at.date()), "incident": kind, "routes": ",".join(routes),
                               "human": rng.random() < 0.3, **self.snapshot(known)})

    def maybe_unanswered(self, say: Any) -> None:
        rng = self.rng
        roll = rng.random()
        if roll < P_FALLBACK:
            say("nlu_fallback", rng.choice(FALLBACK_TEXTS), rng.uniform(0.15, 0.45))
        elif roll < P_FALLBACK + P_OUT_OF_SCOPE:
            say("out_of_scope", self.text("out_of_scope"), rng.uniform(0.55, 0.97))

    def ask_profile(self, say: Any, truth: dict[str, Any], known: dict[str, Any]) -> bool:
        rng = self.rng
        if rng.random() < P_COMPLETE_PROFILE:
            answered = len(QUESTION_ORDER)
        elif rng.random() < P_NO_PROFILE:
            return False
        else:
            answered = rng.randrange(1, len(QUESTION_ORDER))
        for attribute in QUESTION_ORDER[:answered]:
            if rng.random() < 0.08 and attribute not in ("size", "sector", "nation"):
                say("not_sure", self.text("not_sure", ("not sure",)), rng.uniform(0.7, 1.0))
                known[attribute] = None
                continue
            say("inform", self.text("inform", ("yes",)), rng.uniform(0.7, 1.0), entities=attribute)
            known[attribute] = truth[attribute]
        return answered == len(QUESTION_ORDER)

    def ask_topics(self, rows: _Rows, say: Any, conversation_key: str) -> list[str]:
        rng = self.rng
        asked: list[str] = []
        for _ in range(rng.choices((0, 1, 2, 3, 4), weights=(10, 40, 28, 14, 8))[0]):
            topic = _weighted(rng, TOPIC_WEIGHTS)
            questions = self.examples.get(f"ask_{topic}") or (f"tell me about {topic}",)
            text = _long_tail(rng, questions)
            if topic in REDACTED_QUESTIONS and rng.random() < P_REDACTED_QUESTION:
                text = rng.choice(REDACTED_QUESTIONS[topic])
            say(f"ask_{topic}", text, rng.uniform(0.6, 0.99), topics=topic)
            asked.append(topic)
            if rng.random() < 0.25:
                say("more_info", self.text("more_info", ("tell me more",)), rng.uniform(0.7, 1.0),
                    topics=topic)
            if rng.random() < P_FEEDBACK:
                helpful = rng.random() < self.helpful[topic]
                intent = "feedback_helpful" if helpful else "feedback_unhelpful"
                reply = say(intent, self.text(intent, ("thanks",)), rng.uniform(0.8, 1.0))
                rows.feedback.append({"conversation_key": conversation_key, "at": reply["at"],
                                      "topic": topic, "helpful": helpful})
        return asked

    def plan(self, asked: list[str]) -> list[tuple[str, str]]:
        rng = self.rng
        topics = list(dict.fromkeys(asked))
        while len(topics) < 6:
            topic = _weighted(rng, TOPIC_WEIGHTS)
            if topic not in topics:
                topics.append(topic)
        size = rng.randrange(3, 7)
        return [(topic, self.steps[topic][0]) for topic in topics[:size]]

    def commitment(self, conversation_key: str, visitor_key: str, topic: str, step: str,
                   at: datetime, known: dict[str, Any]) -> dict[str, Any]:
        rng = self.rng
        status = _weighted(rng, STATUS_WEIGHTS)
        status_at, done_at = at, None
        if status != "open":
            later = at + timedelta(days=rng.choice((0, 1, 2, 3, 5, 7, 10, 14, 21, 30, 45)),
                                   hours=rng.randrange(1, 12))
            remaining = self.end_at - at
            if later >= self.end_at and remaining > timedelta(days=1):
                # Near the end of the data the follow-up comes sooner, or not at all.
                later = at + timedelta(seconds=rng.uniform(3600, remaining.total_seconds() - 3600))
            if later < self.end_at:
                status_at = later
                done_at = later if status == "done" else None
            else:
                status = "open"
        return {"visitor_key": visitor_key, "conversation_key": conversation_key, "topic": topic,
                "step": step, "committed_at": at, "status": status, "status_at": status_at,
                "done_at": done_at, **self.snapshot(known)}


def default_end() -> date:
    """The last Sunday (UTC), so the demo's weeks are all complete."""
    today = datetime.now(timezone.utc).date()
    return monday(today) - timedelta(days=1)


def generate(target: Target, turns: int = 10_000, seed: int = 0, weeks: int = 12, *,
             end: date | None = None, progress: bool = True, refresh: bool = True) -> DemoSummary:
    """Write about ``turns`` synthetic turns over ``weeks`` weeks ending on ``end``.

    ``target`` is an Engine (one transaction, committed here), or a Connection or
    Session (the caller commits). The same seed and end date give the same data. With
    ``refresh`` the rollups are brought up to date afterwards, as ingestion would.
    """
    if turns < 1 or weeks < 1:
        raise ValueError("turns and weeks must be at least 1")
    end = end or default_end()
    start = end - timedelta(days=7 * weeks - 1)
    if isinstance(target, Engine):
        with target.begin() as conn:
            return _generate(conn, turns, seed, start, end, progress, refresh)
    conn = target.connection() if isinstance(target, Session) else target
    return _generate(conn, turns, seed, start, end, progress, refresh)


def _generate(conn: Connection, turns: int, seed: int, start: date, end: date, progress: bool,
              refresh: bool) -> DemoSummary:
    rng = random.Random(seed)  # noqa: S311 - synthetic data, nothing secret
    summary = _write(conn, rng, turns, start, end, progress)
    if refresh:
        from bot.analytics.rollups.refresh import refresh_rollups

        refresh_rollups(conn)
    return summary


def _write(conn: Connection, rng: random.Random, target_turns: int, start: date, end: date,
           progress: bool) -> DemoSummary:
    first_event = (conn.execute(sa.select(sa.func.max(Turn.event_id))).scalar() or 0) + 1
    generator = _Generator(rng, start, end, first_event)
    totals = dict.fromkeys(("visitors", "conversations", "turns", "plan_items", "commitments", "feedback",
                            "incident_replies"), 0)
    rows = _Rows()
    written = 0
    with tqdm(total=target_turns, unit="turn", disable=not progress, desc="demo data") as bar:
        while written < target_turns:
            made = generator.visitor(rows)
            written += made
            bar.update(made)
            if len(rows.turns) >= BATCH_TURNS or written >= target_turns:
                for table, batch in rows.tables():
                    if batch:
                        conn.execute(table.insert(), batch)
                        totals[table.name] += len(batch)
                rows = _Rows()
    incidents = totals.pop("incident_replies")
    return DemoSummary(start=start, end=end, incidents=incidents, **totals)
