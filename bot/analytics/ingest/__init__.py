"""Tracker-store events become analytics rows here, and nowhere else.

Three stages, one module each: ``events`` parses one tracker row into a typed event,
``writer`` applies events to analytics rows, and this module runs the loop (batches,
checkpoint, follow mode) and is the package's public face; ``report`` holds the errors
and the run report.

Rasa's SQL tracker store keeps every event of every conversation in its ``events`` table
(auto-increment ``id``). This module reads events with ``id`` above a checkpoint, in id
order and a batch at a time, and turns them into the rows of ``bot/storage/models.py``.
It only ever SELECTs from the tracker store. How each event becomes rows, in one place
(docs/analytics-design.md):

* ``session_started`` opens a conversation (one Rasa session), keyed by an HMAC of the
  sender id and the session's start time; the visitor key is an HMAC of the sender id
  (``bot.privacy.pseudonyms``). A sender's events before any ``session_started`` open
  one at the first event that needs it.
* ``slot`` events for the ten profile slots update the profile snapshot copied onto each
  row; ``profiled`` becomes true once all ten hold a value ("unknown" included).
* ``user`` events become turns: redacted text, intent and confidence, entity *types*
  only, ``fallback`` / ``out_of_scope``. ``feedback_helpful`` / ``feedback_unhelpful``
  also give a feedback row on the conversation's last topic; ``not_done_yet`` /
  ``drop_action`` set a commitment to ``not_yet`` / ``dropped``.
* ``bot`` events carry the reply contract (bot/guidance/replies.py): ``custom.topic`` is added to
  the preceding turn's topics, ``custom.plan`` gives plan items, ``custom.commitment``
  opens a commitment (one per visitor and action) and ``custom.done`` marks it done
  (creating it if the visitor never said they would do it; a done one stays done, until
  ``custom.undone``, an untick, sets it back to open).
  ``custom.check`` records a website or email-domain check in ``check_runs``: its kind,
  outcome and each finding's id and status. The checked address is never stored, and web
  addresses and domains in user turns are masked as ``[WEB_ADDRESS]``. ``custom.incident``
  (the urgent path) records the incident kind, the reporting routes given
  (``custom.reporting``) and ``custom.human`` in ``incident_replies``: ids only.
* Intent and entity names that are not identifiers (users can type ``/anything``) are
  not stored; profile values outside the profile's vocabulary are left blank.
* Anything malformed (bad JSON, missing or wrong-typed fields, unknown event type) is
  skipped with a warning and counted in ``ingest_state.skipped``.

Exactly once: each batch's rows and its new checkpoint commit in one analytics-database
transaction, which starts by updating the ``ingest_state`` row, so concurrent ingesters
queue behind each other instead of both processing a batch. ``turns.event_id`` is unique
as a last line of defence. PostgreSQL can commit a lower id after a higher one, so a gap
in ids followed by events under ``GAP_GRACE_SECONDS`` old ends the batch early, to be
read again once the missing transaction has had time to commit.

Continuing a conversation across batches: a batch can end mid-conversation, so the state
needed to continue is kept in the analytics database itself, in the same transaction as
the checkpoint: the sender's current conversation is its visitor's newest
``conversations`` row, which holds the profile snapshot, ``profile_answered`` (which
profile slots are set) and ``last_topic``; the turn that a reply's topic belongs to is
that conversation's newest turn. We chose this over re-reading the sender's session from
the tracker store because it cannot disagree with what was committed, needs no extra
reads of the (live) tracker database, and still works after ``bot purge`` has deleted
the start of a session.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Union

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import (
    DBAPIError,
    IntegrityError,
    OperationalError,
    ProgrammingError,
    SQLAlchemyError,
)
from sqlalchemy.orm import Session

from bot.analytics.ingest.events import (
    RASA_EVENT_TYPES,
    STEP_ENTITIES,
    BotReply,
    CheckSummary,
    Event,
    IncidentSummary,
    SessionStart,
    SlotChange,
    SlotsReset,
    UserTurn,
    parse,
)
from bot.analytics.ingest.report import (
    AnalyticsUnavailable,
    IngestError,
    IngestReport,
    Malformed,
    SchemaMissing,
    TrackerReset,
    TrackerUnavailable,
)
from bot.analytics.ingest.writer import FEEDBACK_INTENTS, FOLLOW_UP_INTENTS, PROFILE_SLOTS, _Writer, monday
from bot.privacy.pseudonyms import Pseudonyms
from bot.settings import ROLLUP_REFRESH_DEFAULT_SECONDS
from bot.storage.database import create_engine, describe, tracker_engine
from bot.storage.models import IngestState

__all__ = [
    "DEFAULT_BATCH_SIZE", "EVENTS", "FEEDBACK_INTENTS", "FOLLOW_UP_INTENTS", "GAP_GRACE_SECONDS",
    "PREFETCH_CHUNK", "PROFILE_SLOTS", "RASA_EVENT_TYPES", "SOURCE", "STEP_ENTITIES", "AnalyticsUnavailable",
    "BotReply", "CheckSummary", "Event", "IncidentSummary", "IngestError", "IngestReport", "Malformed",
    "SchemaMissing", "SessionStart", "SlotChange", "SlotsReset", "TrackerReset", "TrackerUnavailable",
    "UserTurn", "_Writer", "analytics_errors", "follow", "ingest_once", "monday", "parse",
    "tracker_file_missing", "using_engine",
]

logger = logging.getLogger(__name__)

#: ``ingest_state.source`` of Rasa's tracker store.
SOURCE = "rasa-tracker"
DEFAULT_BATCH_SIZE = 500
#: Visitor keys per IN (...) list when a batch's senders are loaded (SQLite allows 999).
PREFETCH_CHUNK = 400
#: A gap in event ids followed by events this recent may be a transaction still committing
#: (PostgreSQL hands out ids before commit); wait for it rather than skip past it.
GAP_GRACE_SECONDS = 10.0
_BACKOFF_MAX_SECONDS = 10.0

EVENTS = sa.Table(
    "events",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255)),
    sa.Column("type_name", sa.String(255)),
    sa.Column("timestamp", sa.Float),
    sa.Column("intent_name", sa.String(255)),
    sa.Column("action_name", sa.String(255)),
    sa.Column("data", sa.Text),
)



# ---- batches ----------------------------------------------------------------------------


EngineOrUrl = Union[Engine, str]


@contextmanager
def using_engine(value: EngineOrUrl | None, factory: Callable[[str | None], Engine]) -> Iterator[Engine]:
    if isinstance(value, Engine):
        yield value
        return
    engine = factory(value)
    try:
        yield engine
    finally:
        engine.dispose()


@contextmanager
def analytics_errors(engine: Engine) -> Iterator[None]:
    try:
        yield
    except (OperationalError, sa.exc.InterfaceError) as error:
        raise AnalyticsUnavailable(
            f"analytics database unreachable ({describe(engine.url)}): {error.orig}"
        ) from error
    except DBAPIError as error:
        if error.connection_invalidated:
            raise AnalyticsUnavailable(
                f"analytics database connection lost ({describe(engine.url)}): {error.orig}"
            ) from error
        raise


def tracker_file_missing(engine: Engine) -> bool:
    """True for a SQLite tracker store whose file Rasa has not created yet."""
    url = engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return False
    return not Path(url.database).exists()  # connecting would create an empty file


def _read_events(engine: Engine, after: int, limit: int) -> list[Any]:
    if tracker_file_missing(engine):
        return []  # Rasa has not written anything yet
    query = sa.select(EVENTS.c.id, EVENTS.c.sender_id, EVENTS.c.type_name, EVENTS.c.timestamp,
                      EVENTS.c.data).where(EVENTS.c.id > after).order_by(EVENTS.c.id).limit(limit)
    try:
        with engine.connect() as connection:
            rows = list(connection.execute(query))
            if not rows and after > 0:
                newest = connection.execute(sa.select(sa.func.max(EVENTS.c.id))).scalar()
                if newest is None or newest < after:
                    raise TrackerReset(
                        f"the tracker store's newest event id ({newest}) is below the checkpoint "
                        f"({after}): it was reset or replaced, and its new events would never be "
                        "read. Event ids are only unique within one tracker store: give a new "
                        "tracker store a new analytics database (DATABASE_URL)."
                    )
            return rows
    except (OperationalError, ProgrammingError) as error:
        try:
            if not sa.inspect(engine).has_table("events"):
                return []  # Rasa creates the table when it starts
        except SQLAlchemyError:
            pass
        raise TrackerUnavailable(f"tracker store unreadable ({describe(engine.url)}): {error.orig}") \
            from error
    except SQLAlchemyError as error:
        raise TrackerUnavailable(f"tracker store unreadable ({describe(engine.url)}): {error}") \
            from error


def _settled(rows: list[Any], after: int, now: float) -> list[Any]:
    """The rows up to the first recent gap in ids (a transaction that may still commit)."""
    expected = after + 1
    for index, row in enumerate(rows):
        recent = isinstance(row.timestamp, (int, float)) and row.timestamp > now - GAP_GRACE_SECONDS
        if row.id != expected and recent:
            return rows[:index]
        expected = row.id + 1
    return rows


def _state_row(engine: Engine, source: str) -> None:
    """Make sure ``ingest_state`` has this source's row (and that the schema exists)."""
    with analytics_errors(engine):
        if not sa.inspect(engine).has_table(IngestState.__tablename__):
            raise SchemaMissing(
                f"the analytics database ({describe(engine.url)}) has no tables yet: run `bot migrate`"
            )
        try:
            with Session(engine, future=True) as session, session.begin():
                exists = session.execute(
                    sa.select(IngestState.id).where(IngestState.source == source)
                ).first()
                if exists is None:
                    session.add(IngestState(source=source, last_event_id=0, skipped=0))
        except IntegrityError:
            pass  # two first runs at once: the other one created the row


def _batch(tracker: Engine, analytics: Engine, pseudonyms: Pseudonyms, batch_size: int, source: str,
           clock: Callable[[], float]) -> tuple[IngestReport, bool]:
    """One batch in one transaction; returns its report and whether more may be waiting."""
    report = IngestReport()
    with analytics_errors(analytics), Session(analytics, future=True) as session, session.begin():
        now = clock()
        wall = datetime.fromtimestamp(now, tz=timezone.utc).replace(tzinfo=None)
        # Writing first takes the lock (row lock on PostgreSQL, write lock on SQLite), so a
        # second ingester waits here and then reads the checkpoint this one commits.
        session.execute(sa.update(IngestState).where(IngestState.source == source)
                        .values(updated_at=wall))
        state = session.execute(
            sa.select(IngestState).where(IngestState.source == source)
        ).scalar_one()
        fetched = _read_events(tracker, state.last_event_id, batch_size)
        rows = _settled(fetched, state.last_event_id, now)
        if not rows:
            report.last_event_id = state.last_event_id
            return report, False
        events: list[Event] = []
        for row in rows:
            try:
                events.append(parse(row))
            except Malformed as problem:
                logger.warning("Skipping tracker event %s (type %r): %s", row.id, row.type_name, problem)
                report.skipped += 1
        writer = _Writer(session, pseudonyms, report, PREFETCH_CHUNK)
        writer.prefetch(event.sender_id for event in events if event.payload is not None)
        for event in events:
            writer.apply(event)
        report.events = len(rows)
        report.batches = 1
        report.last_event_id = rows[-1].id
        state.last_event_id = rows[-1].id
        state.skipped += report.skipped
        state.updated_at = wall
    return report, len(rows) == len(fetched) == batch_size


def ingest_once(
    tracker_url: EngineOrUrl | None = None,
    analytics_url: EngineOrUrl | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    *,
    secret: str | None = None,
    source: str = SOURCE,
    max_batches: int | None = None,
    progress: Callable[[IngestReport], None] | None = None,
    clock: Callable[[], float] = time.time,
) -> IngestReport:
    """Ingest every event past the checkpoint, one committed batch at a time.

    URLs default to ``TRACKER_STORE_URL`` and ``DATABASE_URL`` (bot.storage.database);
    engines may be passed instead, to reuse their connection pools. ``max_batches`` stops
    early (a crash between batches looks the same). Raises :class:`AnalyticsUnavailable`,
    :class:`TrackerUnavailable`, :class:`SchemaMissing` or :class:`TrackerReset`; a failed
    batch commits nothing, so calling again later loses and repeats nothing.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    pseudonyms = Pseudonyms(secret) if secret else Pseudonyms.from_environment()
    total = IngestReport()
    with using_engine(tracker_url, tracker_engine) as tracker, \
            using_engine(analytics_url, create_engine) as analytics:
        _state_row(analytics, source)
        while max_batches is None or total.batches < max_batches:
            report, more = _batch(tracker, analytics, pseudonyms, batch_size, source, clock)
            total.add(report)
            if report.events and progress is not None:
                progress(total)
            if not more:
                break
    return total


def follow(
    tracker_url: EngineOrUrl | None = None,
    analytics_url: EngineOrUrl | None = None,
    *,
    interval: float = 2.0,
    batch_size: int = DEFAULT_BATCH_SIZE,
    secret: str | None = None,
    migrate: bool = False,
    refresh_every: float = ROLLUP_REFRESH_DEFAULT_SECONDS,
    stop: Callable[[], bool] = lambda: False,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    progress: Callable[[IngestReport], None] | None = None,
) -> None:
    """Ingest every ``interval`` seconds until ``stop()``; never gives up on errors.

    When a database is unreachable the error is logged and retried after 1, 2, 4, 8 and
    then every 10 seconds; since a failed batch commits nothing, nothing is lost. Any other
    error is logged with its traceback and retried the same way: ingestion must not take
    the assistant down (``make run`` stops every process when one exits).

    The metric rollups are refreshed once new events are in, but at most once every
    ``refresh_every`` seconds: a refresh recomputes each changed day whole, so on a busy
    day refreshing after every pass cost more CPU than the ingestion itself. The staff
    dashboard, which reads the rollups, is at most about ``refresh_every + interval``
    seconds behind; ``bot report`` refreshes before it reads.
    """
    from bot.storage.database import upgrade

    if refresh_every < 0:
        raise ValueError("refresh_every must not be negative")
    resolved_secret = secret or Pseudonyms.from_environment().secret
    failures = 0
    stale, refreshed_at = False, -math.inf
    with using_engine(tracker_url, tracker_engine) as tracker, \
            using_engine(analytics_url, create_engine) as analytics:
        migrated = not migrate
        while not stop():
            try:
                if not migrated:
                    with analytics_errors(analytics):
                        upgrade(analytics)
                    migrated = True
                report = ingest_once(tracker, analytics, batch_size, secret=resolved_secret,
                                     progress=progress)
                stale = stale or report.events > 0
                if stale and clock() - refreshed_at >= refresh_every:
                    from bot.analytics.rollups.refresh import refresh_rollups

                    with analytics_errors(analytics), analytics.begin() as connection:
                        refresh_rollups(connection)
                    stale, refreshed_at = False, clock()
            except Exception as error:  # noqa: BLE001 - see docstring
                failures += 1
                delay = min(_BACKOFF_MAX_SECONDS, 2.0 ** (failures - 1))
                if isinstance(error, IngestError):
                    logger.error("Ingestion paused: %s. Retrying in %.0f s.", error, delay)
                else:
                    logger.exception("Ingestion failed unexpectedly; retrying in %.0f s.", delay)
                sleep(delay)
                continue
            if failures:
                logger.info("Ingestion resumed after %d failed attempts (up to event %s).", failures,
                            report.last_event_id)
                failures = 0
            sleep(interval)
