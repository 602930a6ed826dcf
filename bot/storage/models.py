"""Analytics tables: the pseudonymous, redacted record of conversations.

See docs/analytics-design.md. Rows are written only by ``bot.analytics.ingest``.
No column holds a name, email, raw sender id or unredacted message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import declarative_base

if TYPE_CHECKING:
    # SQLAlchemy 1.4 ships no type hints: this stand-in lets strict mypy check the models'
    # users (keyword constructors, attribute access) instead of rejecting an Any base class.
    class Base:
        metadata: MetaData
        __table__: Any

        def __init__(self, **columns: Any) -> None: ...

else:
    Base = declarative_base()

KEY = String(64)  # hex HMAC-SHA256


class ProfileSnapshot:
    """The business profile at the time of the row, for segmenting."""

    size = Column(String(16))
    sector = Column(String(32))
    nation = Column(String(24))
    card_payments = Column(Boolean)
    personal_data = Column(Boolean)
    cloud = Column(String(80))  # comma-separated values
    remote_working = Column(Boolean)
    it_support = Column(String(16))
    website = Column(String(16))
    byod = Column(Boolean)


class Visitor(Base):
    __tablename__ = "visitors"

    id = Column(Integer, primary_key=True)
    visitor_key = Column(KEY, nullable=False, unique=True)
    first_seen = Column(DateTime, nullable=False)
    last_seen = Column(DateTime, nullable=False)
    conversations = Column(Integer, nullable=False, default=0)


class Conversation(ProfileSnapshot, Base):
    __tablename__ = "conversations"

    id = Column(Integer, primary_key=True)
    conversation_key = Column(KEY, nullable=False, unique=True)
    visitor_key = Column(KEY, nullable=False, index=True)
    channel = Column(String(32))
    started_at = Column(DateTime, nullable=False, index=True)
    last_at = Column(DateTime, nullable=False)
    is_returning = Column(Boolean, nullable=False, default=False)
    user_turns = Column(Integer, nullable=False, default=0)
    profiled = Column(Boolean, nullable=False, default=False)
    got_plan = Column(Boolean, nullable=False, default=False)
    last_intent = Column(String(64))
    # Added for ingestion (it continues a conversation from these across batches), and
    # useful on their own: the topic of the last guidance reply (what feedback refers to,
    # and where a visitor dropped off), and which profile questions have an answer, in
    # this session ("unknown" counts), comma-separated; `profiled` is all ten of them.
    last_topic = Column(String(32))
    last_answer = Column(String(80))
    profile_answered = Column(String(120))


class Turn(ProfileSnapshot, Base):
    __tablename__ = "turns"
    __table_args__ = (
        Index("ix_turns_week_segment", "week", "size", "sector", "nation"),
        Index("ix_turns_at", "at"),
        Index("ix_turns_intent_at", "intent", "at"),
    )

    id = Column(Integer, primary_key=True)
    event_id = Column(Integer, nullable=False, unique=True)
    conversation_key = Column(KEY, nullable=False, index=True)
    visitor_key = Column(KEY, nullable=False)
    at = Column(DateTime, nullable=False)
    week = Column(Date, nullable=False)
    channel = Column(String(32))
    text = Column(Text)  # redacted; NULL once past retention
    intent = Column(String(64))
    confidence = Column(Float)
    entity_types = Column(String(255))
    topics = Column(String(255))
    fallback = Column(Boolean, nullable=False, default=False)
    out_of_scope = Column(Boolean, nullable=False, default=False)


class StoredPlanStep(ProfileSnapshot, Base):
    """A guidance step offered in a plan, as recorded (``tailoring.StoredPlanStep`` is the plan itself)."""

    __tablename__ = "plan_items"
    __table_args__ = (Index("ix_plan_items_at", "at"),)

    id = Column(Integer, primary_key=True)
    conversation_key = Column(KEY, nullable=False, index=True)
    visitor_key = Column(KEY, nullable=False)
    at = Column(DateTime, nullable=False)
    position = Column(Integer, nullable=False)
    topic = Column(String(32), nullable=False)
    step = Column(String(80), nullable=False)


class Commitment(ProfileSnapshot, Base):
    __tablename__ = "commitments"
    __table_args__ = (
        UniqueConstraint("visitor_key", "step", name="uq_commitment_visitor_step"),
        Index("ix_commitments_committed_at", "committed_at"),
    )

    id = Column(Integer, primary_key=True)
    visitor_key = Column(KEY, nullable=False)
    conversation_key = Column(KEY, nullable=False)
    topic = Column(String(32), nullable=False)
    step = Column(String(80), nullable=False)
    committed_at = Column(DateTime, nullable=False)
    status = Column(String(12), nullable=False, default="open")  # open, done, not_yet, dropped
    status_at = Column(DateTime, nullable=False)
    done_at = Column(DateTime)


class Feedback(Base):
    __tablename__ = "feedback"

    id = Column(Integer, primary_key=True)
    conversation_key = Column(KEY, nullable=False, index=True)
    at = Column(DateTime, nullable=False, index=True)
    topic = Column(String(32))
    answer = Column(String(80))  # the conversation's last specific answer, if any
    helpful = Column(Boolean, nullable=False)


class IngestState(Base):
    __tablename__ = "ingest_state"

    id = Column(Integer, primary_key=True)
    source = Column(String(64), nullable=False, unique=True)
    last_event_id = Column(Integer, nullable=False, default=0)
    skipped = Column(Integer, nullable=False, default=0)
    updated_at = Column(DateTime)


# ---- staff dashboard (bot/web/staff): accounts, sessions, login attempts, audit log ----------


class StaffUser(Base):
    """A programme staff login. ``role`` is ``analyst`` or ``admin``; passwords are Argon2 hashes."""

    __tablename__ = "staff_users"

    id = Column(Integer, primary_key=True)
    username = Column(String(64), nullable=False, unique=True)
    role = Column(String(12), nullable=False)
    password_hash = Column(String(255), nullable=False)
    active = Column(Boolean, nullable=False, default=True)
    created_at = Column(DateTime, nullable=False)
    password_changed_at = Column(DateTime, nullable=False)
    last_login_at = Column(DateTime)


class StaffSession(Base):
    """A signed-in browser. Only a SHA-256 of the cookie's token is stored."""

    __tablename__ = "staff_sessions"

    id = Column(Integer, primary_key=True)
    token_hash = Column(String(64), nullable=False, unique=True)
    staff_id = Column(Integer, nullable=False, index=True)
    csrf_token = Column(String(64), nullable=False)
    created_at = Column(DateTime, nullable=False)
    last_seen_at = Column(DateTime, nullable=False)


class StaffLoginAttempt(Base):
    """Failed sign-ins per username (known or not), for slowing down and locking out."""

    __tablename__ = "staff_login_attempts"

    username = Column(String(64), primary_key=True)
    failures = Column(Integer, nullable=False, default=0)
    last_failed_at = Column(DateTime, nullable=False)
    locked_until = Column(DateTime)


class StaffAudit(Base):
    """Who did what in the dashboard: transcripts viewed, exports, account changes, sign-ins."""

    __tablename__ = "staff_audit"

    id = Column(Integer, primary_key=True)
    at = Column(DateTime, nullable=False, index=True)
    username = Column(String(64), nullable=False)
    action = Column(String(32), nullable=False)
    detail = Column(String(500), nullable=False, default="")


# Covering indexes for the dashboard's funnel, conversation list and per-step counts: each
# reads a date range and segment without touching the table rows (see bot/analytics/dashboard.py).
Index("ix_conversations_dashboard", Conversation.started_at, Conversation.visitor_key, Conversation.got_plan,
      Conversation.profiled, Conversation.last_topic, Conversation.size, Conversation.sector,
      Conversation.nation)
Index("ix_plan_items_dashboard", StoredPlanStep.at, StoredPlanStep.topic, StoredPlanStep.step,
      StoredPlanStep.size, StoredPlanStep.sector, StoredPlanStep.nation)
Index("ix_commitments_dashboard", Commitment.committed_at, Commitment.topic, Commitment.step,
      Commitment.status, Commitment.size, Commitment.sector, Commitment.nation)
class CheckRun(Base):
    """A website or email-domain check that ran: its outcome categories, never the address."""

    __tablename__ = "check_runs"

    id = Column(Integer, primary_key=True)
    event_id = Column(Integer, nullable=False, unique=True)
    conversation_key = Column(KEY, nullable=False, index=True)
    visitor_key = Column(KEY, nullable=False)
    at = Column(DateTime, nullable=False)
    week = Column(Date, nullable=False, index=True)
    kind = Column(String(16), nullable=False)  # website, email_domain
    outcome = Column(String(16), nullable=False)  # checked, refused, unreachable, rate_limited
    passes = Column(Integer, nullable=False, default=0)
    warnings = Column(Integer, nullable=False, default=0)
    fails = Column(Integer, nullable=False, default=0)
    findings = Column(String(1024))  # "https:pass,hsts:warning,..."


class IncidentReply(ProfileSnapshot, Base):
    """A reply on the urgent path: which incident the owner described and the routes given.

    Only ids from the knowledge base (incident kind, reporting route) are kept, never what
    the owner wrote about it. ``human`` is set when the reply gave or was asked for a
    human route (``custom.human``).
    """

    __tablename__ = "incident_replies"
    __table_args__ = (Index("ix_incident_replies_at", "at"),)

    id = Column(Integer, primary_key=True)
    event_id = Column(Integer, nullable=False, unique=True)
    conversation_key = Column(KEY, nullable=False, index=True)
    visitor_key = Column(KEY, nullable=False)
    at = Column(DateTime, nullable=False)
    week = Column(Date, nullable=False)
    incident = Column(String(40), nullable=False)
    routes = Column(String(255))  # comma-separated reporting route ids
    human = Column(Boolean, nullable=False, default=False)


class GuidanceReply(ProfileSnapshot, Base):
    """A reply with guidance: the specific answer it gave, or none when it gave only the topic.

    Staff see from these which answers are used, which questions got only a topic's
    overview, how often a person was asked for and how many messages came in a language the
    assistant does not answer in. Knowledge-base ids and a language code only.
    """

    __tablename__ = "guidance_replies"
    __table_args__ = (Index("ix_guidance_replies_at", "at"),)

    id = Column(Integer, primary_key=True)
    event_id = Column(Integer, nullable=False, unique=True)
    conversation_key = Column(KEY, nullable=False, index=True)
    visitor_key = Column(KEY, nullable=False)
    at = Column(DateTime, nullable=False)
    week = Column(Date, nullable=False)
    intent = Column(String(64))  # of the message replied to: ask_* is a question
    topic = Column(String(32))
    answer = Column(String(80))  # NULL: the topic's overview only
    human = Column(Boolean, nullable=False, default=False)
    language = Column(String(8))  # set only for a language the assistant does not answer in


# ---- the owner's plan to take away (bot/plans) -----------------------------------------
# Not analytics: these rows let a private link open one conversation's plan. The link's
# token is stored only as a hash, so the table alone opens nothing.


class PlanLink(Base):
    """A private, expiring link to one conversation's plan (its printable page and PDF)."""

    __tablename__ = "plan_links"

    id = Column(Integer, primary_key=True)
    token_hash = Column(KEY, nullable=False, unique=True)  # SHA-256 of the token, hex
    sender_id = Column(String(128), nullable=False, index=True)  # the widget's random visitor id
    created_at = Column(DateTime, nullable=False)
    expires_at = Column(DateTime, nullable=False, index=True)
    opened_at = Column(DateTime)


class ReminderSubscription(Base):
    """An owner's request for their plan by email and up to two reminders.

    The address is personal data: it is kept only here, encrypted with ``PLAN_EMAIL_KEY``,
    and only until the last reminder has gone, the owner stops them, or the link expires.
    """

    __tablename__ = "reminder_subscriptions"

    id = Column(Integer, primary_key=True)
    link_id = Column(Integer, nullable=False, index=True)  # plan_links.id
    email_encrypted = Column(Text, nullable=False)
    token_encrypted = Column(Text, nullable=False)  # the plan link's token, for the link back
    unsubscribe_hash = Column(KEY, nullable=False, unique=True)
    created_at = Column(DateTime, nullable=False)
    next_due_at = Column(DateTime, index=True)
    reminders_sent = Column(Integer, nullable=False, default=0)


class PlanFollowThrough(Base):
    """One follow-through event of a kept plan, counted per week and segment: a link made or
    opened, the plan emailed, a reminder sent, a step ticked on the plan page after a
    reminder, reminders stopped. No visitor key, token or address: counts only."""

    __tablename__ = "plan_follow_through"

    id = Column(Integer, primary_key=True)
    at = Column(DateTime, nullable=False)
    week = Column(Date, nullable=False, index=True)
    kind = Column(String(24), nullable=False)
    size = Column(String(16))
    sector = Column(String(32))
    nation = Column(String(24))


class CheckHistory(Base):
    """One stored check result, so a return visit can show what changed since last time.

    Keyed by the visitor's pseudonym and a keyed hash of the checked host (``target_key``):
    the address itself stays in the conversation's profile, so the two are purged together.
    """

    __tablename__ = "check_history"

    id = Column(Integer, primary_key=True)
    visitor_key = Column(KEY, nullable=False)
    target_key = Column(KEY, nullable=False)
    kind = Column(String(16), nullable=False)  # website, email_domain
    at = Column(DateTime, nullable=False)
    score = Column(Integer, nullable=True)
    findings = Column(Text, nullable=False)  # JSON {"finding id": "status"}


Index("ix_check_history_visitor", CheckHistory.visitor_key, CheckHistory.kind, CheckHistory.at)
