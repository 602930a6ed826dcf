"""Retention: message texts and raw events go after ``RETENTION_DAYS``; counts stay.

``purge`` deletes tracker-store events older than the cutoff, but only those already
ingested (``id <= checkpoint``): deleting one earlier would drop it from the record for
good. It also blanks ``turns.text`` for older turns; every other column stays, so the
uptake figures do not change.

The newest event in the tracker store is never deleted, however old. Rasa's SQLite
``events`` table has no AUTOINCREMENT, so SQLite numbers a new row max(id) + 1: emptying
the table would restart ids at 1, below the checkpoint, and ingestion would never see the
new events. (A conversation's last event is normally ``action_listen``, with no text.)

Stored check results (``check_history``) go by the same age, and also with the profile
they were kept beside: once the events are deleted, the runs of every visitor with no
conversation left in the tracker store go too (``bot.checks.history.forget_gone``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.analytics.ingest import (
    EVENTS,
    SOURCE,
    SchemaMissing,
    TrackerUnavailable,
    analytics_errors,
    tracker_file_missing,
    using_engine,
)
from bot.analytics.rollups.refresh import forget_question_texts
from bot.checks import history as check_history
from bot.plans.links import delete_expired as delete_expired_plan_links
from bot.settings import retention_days
from bot.storage.database import create_engine, describe, tracker_engine
from bot.storage.models import CheckHistory, IngestState, Turn

logger = logging.getLogger(__name__)

#: Tracker events deleted per transaction, so Rasa is never blocked for long.
CHUNK = 5000


@dataclass(frozen=True)
class PurgeReport:
    cutoff: datetime  # UTC
    checkpoint: int
    events_deleted: int
    texts_cleared: int
    checks_forgotten: int = 0  # stored check runs whose conversation had gone


def _utc(moment: datetime) -> datetime:
    """An aware UTC datetime; a naive one is taken to be UTC already, as the tables store it."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def purge(
    tracker_url: sa.engine.Engine | str | None = None,
    analytics_url: sa.engine.Engine | str | None = None,
    days: int | None = None,
    now: datetime | None = None,
    *,
    source: str = SOURCE,
    chunk: int = CHUNK,
    progress: Callable[[int], None] | None = None,
    secret: str | None = None,
) -> PurgeReport:
    """Apply retention; ``days`` defaults to ``RETENTION_DAYS`` (90), ``now`` to the clock,
    ``secret`` (for the visitors' pseudonyms) to ``ANALYTICS_SECRET``."""
    days = retention_days() if days is None else days
    if days < 1:
        raise ValueError("days must be at least 1")
    cutoff = _utc(now or datetime.now(timezone.utc)) - timedelta(days=days)
    cutoff_naive = cutoff.replace(tzinfo=None)
    with using_engine(tracker_url, tracker_engine) as tracker, \
            using_engine(analytics_url, create_engine) as analytics:
        with analytics_errors(analytics):
            if not sa.inspect(analytics).has_table(IngestState.__tablename__):
                raise SchemaMissing(f"the analytics database ({describe(analytics.url)}) has no "
                                    "tables yet: run `bot migrate`")
            with Session(analytics, future=True) as session, session.begin():
                checkpoint = session.execute(
                    sa.select(IngestState.last_event_id).where(IngestState.source == source)
                ).scalar() or 0
                cleared: int = session.execute(
                    sa.update(Turn).where(Turn.at < cutoff_naive, Turn.text.isnot(None))
                    .values(text=None).execution_options(synchronize_session=False)
                ).rowcount
                # Question texts counted in the metric rollups must go with them.
                forget_question_texts(session.connection(), cutoff_naive)
                # Stored check results older than the profile they belong to.
                session.execute(sa.delete(CheckHistory).where(CheckHistory.at < cutoff_naive))
            # Private plan links past their expiry go, with any reminder address (bot/plans).
            delete_expired_plan_links(analytics, clock=lambda: _utc(now or datetime.now(timezone.utc))
                                      .replace(tzinfo=None))
        deleted = _delete_events(tracker, checkpoint, cutoff.timestamp(), chunk, progress)
        senders = _live_senders(tracker)
        forgotten = 0
        if senders is not None:  # no events table at all: leave the runs to the age rule
            with analytics_errors(analytics):
                forgotten = check_history.forget_gone(analytics, senders, secret)
    logger.info("Retention: %d tracker events deleted, %d turn texts cleared, %d check runs "
                "of gone conversations deleted (before %s)", deleted, cleared, forgotten,
                cutoff_naive.isoformat(timespec="seconds"))
    return PurgeReport(cutoff=cutoff, checkpoint=checkpoint, events_deleted=deleted,
                       texts_cleared=cleared, checks_forgotten=forgotten)


def _live_senders(engine: sa.engine.Engine) -> set[str] | None:
    """The conversation ids with events left in the tracker store (``None``: no store yet)."""
    try:
        if tracker_file_missing(engine) or not sa.inspect(engine).has_table("events"):
            return None
        with engine.connect() as connection:
            return {str(sender) for sender in connection.execute(
                sa.select(EVENTS.c.sender_id).distinct()).scalars() if sender is not None}
    except sa.exc.SQLAlchemyError as error:
        raise TrackerUnavailable(
            f"tracker store unreadable ({describe(engine.url)}) while purging check results: {error}"
        ) from error


def _delete_events(engine: sa.engine.Engine, checkpoint: int, cutoff: float, chunk: int,
                   progress: Callable[[int], None] | None) -> int:
    if checkpoint <= 0:
        return 0
    deleted = 0
    try:
        if tracker_file_missing(engine) or not sa.inspect(engine).has_table("events"):
            return 0
        with engine.connect() as connection:
            newest = connection.execute(sa.select(sa.func.max(EVENTS.c.id))).scalar() or 0
        limit = min(checkpoint, newest - 1)
        batch = (sa.select(EVENTS.c.id).where(EVENTS.c.id <= limit, EVENTS.c.timestamp < cutoff)
                 .order_by(EVENTS.c.id).limit(chunk))
        while True:
            with engine.begin() as connection:
                count = int(connection.execute(
                    sa.delete(EVENTS).where(EVENTS.c.id.in_(batch.scalar_subquery()))
                ).rowcount)
            deleted += count
            if progress is not None and count:
                progress(deleted)
            if count < chunk:
                return deleted
    except sa.exc.SQLAlchemyError as error:
        raise TrackerUnavailable(
            f"tracker store purge failed ({describe(engine.url)}) after {deleted} events: {error}"
        ) from error
