"""Helpers for the analytics tests: Rasa conversations, raw tracker rows, table dumps."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from bot.storage.models import Base
from tests.loops import run

SECRET = "test-secret-for-analytics"
#: All test conversations happen around here (2025-01-06 is a Monday), far from "now".
T0 = 1_736_157_600.0  # 2025-01-06 10:00:00 UTC


class Conversation:
    """Builds one visitor's events with Rasa's event classes and saves them as Rasa does.

    ``save`` retrieves the sender's latest session from the store, appends the new events
    and calls ``SQLTrackerStore.save``, as Rasa's message processor does per message.
    Each event is one second after the previous one unless ``at`` moves the clock.
    """

    def __init__(self, store: Any, sender_id: str, start: float = T0) -> None:
        self.store = store
        self.sender_id = sender_id
        self.clock = start
        self.pending: list[Any] = []
        self.session_starts: list[float] = []

    def _tick(self) -> float:
        self.clock += 1.0
        return self.clock

    def at(self, timestamp: float) -> Conversation:
        self.clock = timestamp
        return self

    def session(self, **carried: Any) -> Conversation:
        from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet

        start = self._tick()
        self.session_starts.append(start)
        self.pending += [ActionExecuted("action_session_start", timestamp=start),
                         SessionStarted(timestamp=start)]
        self.pending += [SlotSet(name, value, timestamp=start) for name, value in carried.items()]
        self.pending.append(ActionExecuted("action_listen", timestamp=start))
        return self

    def user(self, text: str | None, intent: str | None, confidence: float = 0.95,
             entities: dict[str, str] | None = None) -> Conversation:
        from rasa.shared.core.events import UserUttered

        entity_list = [{"entity": name, "value": value, "start": 0, "end": 1,
                        "extractor": "RegexEntityExtractor"} for name, value in (entities or {}).items()]
        intent_data = {"name": intent, "confidence": confidence} if intent else {}
        self.pending.append(UserUttered(text, intent=intent_data, entities=entity_list,
                                        timestamp=self._tick(), input_channel="rest"))
        return self

    def bot(self, text: str = "...", **custom: Any) -> Conversation:
        from rasa.shared.core.events import ActionExecuted, BotUttered

        stamp = self._tick()
        self.pending.append(BotUttered(text, data={"custom": custom} if custom else {}, timestamp=stamp))
        self.pending.append(ActionExecuted("action_listen", timestamp=stamp))
        return self

    def slot(self, name: str, value: Any) -> Conversation:
        from rasa.shared.core.events import SlotSet

        self.pending.append(SlotSet(name, value, timestamp=self._tick()))
        return self

    def save(self) -> Conversation:
        from rasa.shared.core.trackers import DialogueStateTracker

        async def store() -> None:
            tracker = await self.store.retrieve(self.sender_id)
            if tracker is None:
                tracker = DialogueStateTracker(self.sender_id, self.store.domain.slots)
            for event in self.pending:
                tracker.update(event)
            await self.store.save(tracker)

        run(store())
        self.pending = []
        return self


def insert_raw_event(tracker_url: str, sender_id: str, type_name: str, data: str | None,
                     timestamp: float | None = T0, event_id: int | None = None) -> None:
    """Write a row straight into Rasa's ``events`` table, as a broken writer might."""
    from bot.analytics.ingest import EVENTS

    engine = sa.create_engine(tracker_url, future=True)
    try:
        with engine.begin() as connection:
            values: dict[str, Any] = {"sender_id": sender_id, "type_name": type_name,
                                      "timestamp": timestamp, "data": data}
            if event_id is not None:
                values["id"] = event_id
            connection.execute(EVENTS.insert().values(**values))
    finally:
        engine.dispose()


def table_rows(url: str, table: str, exclude: tuple[str, ...] = ("id",)) -> list[dict[str, Any]]:
    """Every row of ``table`` without its surrogate id, in a stable order."""
    engine = sa.create_engine(url, future=True)
    try:
        with engine.connect() as connection:
            result = connection.execute(sa.select(Base.metadata.tables[table]))  # typed values
            rows = [{k: v for k, v in row._mapping.items() if k not in exclude} for row in result]
    finally:
        engine.dispose()
    return sorted(rows, key=repr)


ANALYTICS_TABLES = ("visitors", "conversations", "turns", "plan_items", "commitments", "feedback",
                    "ingest_state", "check_runs")


def head_revision() -> str:
    """The newest revision in migrations/ (so adding a migration needs no test edit)."""
    from alembic.script import ScriptDirectory

    from bot.storage.database import MIGRATIONS

    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head is not None
    return head
