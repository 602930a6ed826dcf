"""A small hand-built analytics record whose metrics are worked out by hand in the tests.

Range used by the tests: 2025-03-03 (Mon) to 2025-03-16 (Sun), two ISO weeks.

visitor conv. started           segment                          profiled plan last intent
V1      A     2025-02-20 10:00  micro/retail/england            yes      yes   commit_step  (before)
V1      B     2025-03-04 09:00  micro/retail/england            yes      yes   commit_step
V2      C     2025-03-05 14:00  sole_trader/hospitality/wales   no       no    ask_phishing
V2      D     2025-03-12 11:00  sole_trader/hospitality/wales   yes      yes   thank
V3      E     2025-03-10 16:00  unknown                         no       no    out_of_scope
V4      F     2025-03-14 13:00  small/retail/scotland           yes      yes   commit_step
V5      H     2025-01-10 10:00  medium/manufacturing/n. ireland yes      yes   commit_step  (before)
V5      G     2025-03-15 10:00  medium/manufacturing/n. ireland yes      yes   goodbye
V6      I     2025-03-16 23:30  unknown                         no       no    nlu_fallback
V3      J     2025-03-20 09:00  unknown                         no       no    greet          (after)
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Connection

from bot.storage.models import Commitment, Conversation, Feedback, StoredPlanStep, Turn, Visitor

START, END = date(2025, 3, 3), date(2025, 3, 16)
MICRO = ("micro", "retail", "england")
SOLE = ("sole_trader", "hospitality", "wales")
SMALL = ("small", "retail", "scotland")
MEDIUM = ("medium", "manufacturing", "northern_ireland")
NONE: tuple[None, None, None] = (None, None, None)


def key(name: str) -> str:
    """A 64-hex key like the HMAC pseudonyms."""
    return hashlib.sha256(name.encode()).hexdigest()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


# conversation -> visitor, started, segment, profiled, got_plan, last_intent
CONVERSATIONS: dict[str, tuple[str, str, tuple[Any, Any, Any], bool, bool, str | None]] = {
    "A": ("V1", "2025-02-20 10:00", MICRO, True, True, "commit_step"),
    "B": ("V1", "2025-03-04 09:00", MICRO, True, True, "commit_step"),
    "C": ("V2", "2025-03-05 14:00", SOLE, False, False, "ask_phishing"),
    "D": ("V2", "2025-03-12 11:00", SOLE, True, True, "thank"),
    "E": ("V3", "2025-03-10 16:00", NONE, False, False, "out_of_scope"),
    "F": ("V4", "2025-03-14 13:00", SMALL, True, True, "commit_step"),
    "H": ("V5", "2025-01-10 10:00", MEDIUM, True, True, "commit_step"),
    "G": ("V5", "2025-03-15 10:00", MEDIUM, True, True, "goodbye"),
    "I": ("V6", "2025-03-16 23:30", NONE, False, False, "nlu_fallback"),
    "J": ("V3", "2025-03-20 09:00", NONE, False, False, "greet"),
}

# conversation, at, intent, text, topics, segment of the turn's own snapshot
TURNS: list[tuple[str, str, str, str | None, str | None, tuple[Any, Any, Any]]] = [
    ("A", "2025-02-20 10:01", "ask_backups", "How do I back up?", "backups", MICRO),
    ("A", "2025-02-20 10:04", "commit_step", "I'll do it", None, MICRO),
    ("B", "2025-03-04 09:01", "greet", "hi", None, MICRO),
    ("B", "2025-03-04 09:02", "ask_backups", "How do I back up?", "backups", MICRO),
    ("B", "2025-03-04 09:03", "ask_phishing", "is this email from [EMAIL] a scam?", "phishing,email_security",
     MICRO),
    ("B", "2025-03-04 09:04", "nlu_fallback", "the box is blinking", None, MICRO),
    ("B", "2025-03-04 09:05", "ask_action_plan", "make me a plan", None, MICRO),
    ("B", "2025-03-04 09:06", "commit_step", "I'll do it", None, MICRO),
    ("C", "2025-03-05 14:01", "ask_phishing", "what is phishing", "phishing", NONE),
    ("C", "2025-03-05 14:02", "inform", "just me", None, NONE),
    ("C", "2025-03-05 14:03", "out_of_scope", "how do I register for VAT", None, SOLE),
    ("C", "2025-03-05 14:04", "ask_phishing", "What is phishing?", "phishing", SOLE),
    ("D", "2025-03-12 11:01", "ask_backups", "how do i  back up", "backups", SOLE),
    ("D", "2025-03-12 11:02", "ask_action_plan", "plan please", None, SOLE),
    ("D", "2025-03-12 11:03", "thank", "thanks", None, SOLE),
    ("E", "2025-03-10 16:01", "out_of_scope", "tell me a joke", None, NONE),
    ("E", "2025-03-10 16:02", "nlu_fallback", None, None, NONE),  # text blanked by retention
    ("F", "2025-03-14 13:01", "ask_ransomware", "what is ransomware", "ransomware", SMALL),
    ("F", "2025-03-14 13:02", "ask_action_plan", "a plan please", None, SMALL),
    ("F", "2025-03-14 13:03", "commit_step", "will do", None, SMALL),
    ("H", "2025-01-10 10:01", "ask_backups", "how do I back up", "backups", MEDIUM),
    ("G", "2025-03-15 10:01", "ask_backups", "How do I back up", "backups", MEDIUM),
    ("G", "2025-03-15 10:02", "goodbye", "bye", None, MEDIUM),
    ("I", "2025-03-16 23:31", "nlu_fallback", "hmm", None, NONE),
    ("J", "2025-03-20 09:01", "greet", "hello", None, NONE),
]

# conversation, at, topic, step
PLAN_ITEMS = [
    ("A", "2025-02-20 10:03", "backups", "backups_identify"),
    ("A", "2025-02-20 10:03", "passwords", "passwords_two_step"),
    ("B", "2025-03-04 09:05", "backups", "backups_identify"),
    ("B", "2025-03-04 09:05", "phishing", "phishing_spot_signs"),
    ("B", "2025-03-04 09:05", "passwords", "passwords_two_step"),
    ("D", "2025-03-12 11:02", "backups", "backups_identify"),
    ("D", "2025-03-12 11:02", "malware", "malware_antivirus"),
    ("F", "2025-03-14 13:02", "ransomware", "ransomware_offline_backup"),
    ("F", "2025-03-14 13:02", "backups", "backups_identify"),
    ("G", "2025-03-15 10:01", "backups", "backups_automatic"),
    ("H", "2025-01-10 10:03", "backups", "backups_identify"),
]

# conversation, step, committed_at, status, status_at, done_at
COMMITMENTS = [
    ("B", "backups_identify", "2025-03-04 09:06", "done", "2025-03-07 14:06", "2025-03-07 14:06"),
    ("B", "phishing_spot_signs", "2025-03-04 09:06:30", "open", "2025-03-04 09:06:30", None),
    ("F", "ransomware_offline_backup", "2025-03-14 13:03", "done", "2025-03-14 23:00", "2025-03-14 23:00"),
    ("F", "backups_identify", "2025-03-14 13:03:30", "dropped", "2025-03-20 10:00", None),
    ("A", "passwords_two_step", "2025-02-20 10:05", "done", "2025-02-25 10:00", "2025-02-25 10:00"),
    ("H", "backups_identify", "2025-01-10 10:05", "not_yet", "2025-02-01 10:00", None),
]

# conversation, at, topic, helpful
FEEDBACK = [
    ("B", "2025-03-04 09:02:30", "backups", True),
    ("B", "2025-03-04 09:03:30", "phishing", False),
    ("C", "2025-03-05 14:01:30", "phishing", True),
    ("F", "2025-03-14 13:01:30", "ransomware", True),
    ("A", "2025-02-20 10:02", "backups", False),
]


def _segment(values: tuple[Any, Any, Any]) -> dict[str, Any]:
    return dict(zip(("size", "sector", "nation"), values, strict=True))


def load(conn: Connection) -> None:
    """Write the dataset; ``last_at`` of each conversation is its last turn plus a minute."""
    last: dict[str, datetime] = {}
    for conversation, moment, *_ in TURNS:
        last[conversation] = max(last.get(conversation, at(moment)), at(moment))
    visitors: dict[str, list[datetime]] = {}
    conversation_rows = []
    for name, (visitor, started, segment, profiled, got_plan, last_intent) in CONVERSATIONS.items():
        starts = sorted(at(s) for v, s, *_ in CONVERSATIONS.values() if v == visitor)
        visitors.setdefault(visitor, []).append(at(started))
        conversation_rows.append({
            "conversation_key": key(name), "visitor_key": key(visitor), "channel": "rest",
            "started_at": at(started), "last_at": last[name] + timedelta(minutes=1),
            "is_returning": starts.index(at(started)) > 0,
            "user_turns": sum(1 for t in TURNS if t[0] == name), "profiled": profiled,
            "got_plan": got_plan, "last_intent": last_intent, **_segment(segment)})
    conn.execute(Visitor.__table__.insert(), [
        {"visitor_key": key(v), "first_seen": min(s), "last_seen": max(s), "conversations": len(s)}
        for v, s in visitors.items()])
    conn.execute(Conversation.__table__.insert(), conversation_rows)
    visitor_of = {name: row[0] for name, row in CONVERSATIONS.items()}
    conn.execute(Turn.__table__.insert(), [
        {"event_id": i, "conversation_key": key(c), "visitor_key": key(visitor_of[c]), "at": at(m),
         "week": at(m).date() - timedelta(days=at(m).weekday()), "channel": "rest", "text": text,
         "intent": intent, "confidence": 0.9, "topics": topics, "fallback": intent == "nlu_fallback",
         "out_of_scope": intent == "out_of_scope", **_segment(segment)}
        for i, (c, m, intent, text, topics, segment) in enumerate(TURNS, start=1)])
    conn.execute(StoredPlanStep.__table__.insert(), [
        {"conversation_key": key(c), "visitor_key": key(visitor_of[c]), "at": at(m), "position": i,
         "topic": topic, "step": step, **_segment(CONVERSATIONS[c][2])}
        for i, (c, m, topic, step) in enumerate(PLAN_ITEMS, start=1)])
    conn.execute(Commitment.__table__.insert(), [
        {"visitor_key": key(visitor_of[c]), "conversation_key": key(c), "topic": step.split("_")[0],
         "step": step, "committed_at": at(committed), "status": status, "status_at": at(status_at),
         "done_at": at(done) if done else None, **_segment(CONVERSATIONS[c][2])}
        for c, step, committed, status, status_at, done in COMMITMENTS])
    conn.execute(Feedback.__table__.insert(), [
        {"conversation_key": key(c), "at": at(m), "topic": topic, "helpful": helpful}
        for c, m, topic, helpful in FEEDBACK])
