"""The tracker store Rasa uses (``endpoints.yml``): Rasa's SQL store, its database calls off the loop.

Rasa 3.6's ``SQLTrackerStore`` declares ``retrieve`` and ``save`` as coroutines but runs its
SQL inside them. While PostgreSQL answers, or writes a commit to disk, the Rasa server's
event loop stands still and no other conversation moves. Sampling a Rasa server under the
scaled benchmark (py-spy) found it waiting there for about a tenth of its time with one
server and a sixth with two, when the database shared a busy machine; a database one network
hop away makes every wait longer.

This store runs the same queries, on the same table, in a worker thread, so the loop serves
other conversations meanwhile. Loading a conversation is one SELECT outside a transaction
(a single statement sees one snapshot), which saves two round trips to the database per
message. One conversation's retrieve and save still happen in order: Rasa holds the
conversation's lock around both. With SQLite the same code runs on the loop: SQLite takes
one writer at a time, and the embedded setup that uses it has one Rasa process. Saving a
conversation this store loaded skips Rasa's count of the stored rows (``STORED``).

A SQLite tracker store is put in WAL mode with ``synchronous = NORMAL``: a commit then
appends to the write-ahead log without waiting for the disk, so the loop no longer stands
still for an fsync on every message (the latency benchmark found commits a tenth of the Rasa
server's time), and the ingestion process reads while Rasa writes. A crash of the process
loses nothing; a power cut can lose the last messages, never the file.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import json
from typing import Any, Iterable

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy import func
from sqlalchemy.orm import Session

from bot.storage.owner_only import prepare_sqlite

SQLITE_BUSY_TIMEOUT_MS = 5000
#: The attribute that holds how many of a loaded tracker's events the table holds.
STORED = "_stored_event_count"


def _write_ahead(engine: Any) -> None:
    """WAL mode (kept by the file) now, and on every new connection a commit that does not wait
    for the disk and a wait, not an error, while the ingestion process holds the file."""

    def pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        finally:
            cursor.close()

    sqlalchemy_event.listen(engine, "connect", pragmas)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA journal_mode = WAL")


class OffLoopSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` whose queries run in a thread unless the database is SQLite.

    A SQLite file is created owner-only (0600 in a 0700 ``var/``) before Rasa opens it:
    it holds every message as typed (``bot/storage/owner_only.py``).
    """

    def __init__(self, domain: Any = None, dialect: str = "sqlite", host: str | None = None,
                 port: int | None = None, db: str = "rasa.db", username: Any = None,
                 password: Any = None, event_broker: Any = None, login_db: str | None = None,
                 query: dict[str, Any] | None = None, **kwargs: Any) -> None:
        url = self.get_db_url(dialect, host, port, db, username, password, login_db, query)
        prepare_sqlite(url if isinstance(url, str) else url.render_as_string(hide_password=False))
        super().__init__(domain, dialect, host, port, db, username, password, event_broker,
                         login_db, query, **kwargs)
        if self.engine.dialect.name == "sqlite":
            _write_ahead(self.engine)

    @property
    def off_loop(self) -> bool:
        return bool(self.engine.dialect.name != "sqlite")

    # -- reading ---------------------------------------------------------------------------

    @functools.cached_property
    def _reader(self) -> Any:
        # One SELECT sees one snapshot by itself, so reading needs no transaction: without
        # one, a load is one round trip to the database instead of three (BEGIN, the
        # query, ROLLBACK). The engine's pool is shared.
        return self.engine.execution_options(isolation_level="AUTOCOMMIT")

    def stored_events(self, sender_id: str, all_sessions: bool) -> list[dict[str, Any]]:
        """The conversation's stored events, oldest first (its latest session only, by default)."""
        with Session(bind=self._reader) as session:
            rows = self._event_query(session, sender_id,
                                     fetch_events_from_all_sessions=all_sessions).all()
            return [json.loads(row.data) for row in rows]

    def recent_events(self, sender_id: str, user_messages: int) -> list[dict[str, Any]]:
        """The events from the conversation's ``user_messages``-th latest user message on, oldest first.

        Finding a message sent again (``bot/channels/redelivery.py``) needs only the end of the
        conversation; this reads that end with one indexed query, not the whole conversation.
        """
        event = self.SQLEvent
        with Session(bind=self._reader) as session:
            latest_user_ids = (
                session.query(event.id)
                .filter(event.sender_id == sender_id, event.type_name == "user")
                .order_by(event.id.desc()).limit(user_messages).subquery()
            )
            first = session.query(func.min(latest_user_ids.c.id)).scalar_subquery()
            rows = (session.query(event.data)
                    .filter(event.sender_id == sender_id, event.id >= first)
                    .order_by(event.id).all())
            return [json.loads(row.data) for row in rows]

    async def recent_events_async(self, sender_id: str, user_messages: int) -> list[dict[str, Any]]:
        if not self.off_loop:
            return self.recent_events(sender_id, user_messages)
        return await asyncio.to_thread(self.recent_events, sender_id, user_messages)

    async def _retrieve(self, sender_id: str,
                        fetch_events_from_all_sessions: bool) -> DialogueStateTracker | None:
        if self.off_loop:
            events = await asyncio.to_thread(self.stored_events, sender_id,
                                             fetch_events_from_all_sessions)
        else:
            events = self.stored_events(sender_id, fetch_events_from_all_sessions)
        if not self.domain or not events:
            return None
        tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        if not fetch_events_from_all_sessions:
            setattr(tracker, STORED, len(events))
        return tracker

    # -- writing ---------------------------------------------------------------------------

    def _row(self, sender_id: str, event: Event) -> Any:
        data = event.as_dict()
        return self.SQLEvent(
            sender_id=sender_id,
            type_name=event.type_name,
            timestamp=data.get("timestamp"),
            intent_name=data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            action_name=data.get("name"),
            data=json.dumps(data),
        )

    def store_new_events(self, tracker: DialogueStateTracker) -> None:
        """Append the events the table does not have yet, in one transaction.

        Rasa counts the conversation's stored rows (its latest session) to find them. A
        tracker this store loaded already knows that count (``STORED``): Rasa holds the
        conversation's lock from loading to saving, so no other process has added rows since.
        """
        with self.session_scope() as session:
            stored = getattr(tracker, STORED, None)
            new: Iterable[Event] = (self._additional_events(session, tracker) if stored is None
                                    else itertools.islice(tracker.events, stored, None))
            session.add_all([self._row(tracker.sender_id, event) for event in new])
            session.commit()
        setattr(tracker, STORED, len(tracker.events))

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        if self.off_loop:
            await asyncio.to_thread(self.store_new_events, tracker)
        else:
            self.store_new_events(tracker)
