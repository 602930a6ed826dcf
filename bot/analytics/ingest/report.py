"""Ingestion's errors and the report of what one run did."""

from __future__ import annotations

from dataclasses import dataclass, fields


class IngestError(RuntimeError):
    """Ingestion cannot run now; nothing was committed for the failed batch."""


class AnalyticsUnavailable(IngestError):
    """The analytics database cannot be reached (or stays locked)."""


class TrackerUnavailable(IngestError):
    """Rasa's tracker store cannot be read."""


class SchemaMissing(IngestError):
    """The analytics tables do not exist yet: run ``bot migrate``."""


class TrackerReset(IngestError):
    """The tracker store's event ids are below the checkpoint: it was reset or replaced."""


class Malformed(ValueError):
    """One tracker event that cannot be understood; it is skipped and counted."""


@dataclass
class IngestReport:
    """What one ``ingest_once`` call did."""

    events: int = 0  # tracker events read (skipped ones included)
    skipped: int = 0
    turns: int = 0
    conversations: int = 0  # new conversations
    plan_items: int = 0
    commitments: int = 0  # commitments opened or changed
    feedback: int = 0
    checks: int = 0  # website and email-domain checks recorded
    incidents: int = 0  # urgent-path replies recorded
    guidance: int = 0  # guidance replies recorded (answer or topic only, person asked, language)
    batches: int = 0
    last_event_id: int = 0

    def add(self, other: IngestReport) -> None:
        for item in fields(self):
            if item.name != "last_event_id":
                setattr(self, item.name, getattr(self, item.name) + getattr(other, item.name))
        self.last_event_id = max(self.last_event_id, other.last_event_id)

    def summary(self) -> str:
        return (f"{self.events} events up to id {self.last_event_id}: {self.turns} turns, "
                f"{self.conversations} new conversations, {self.plan_items} plan items, "
                f"{self.commitments} commitment changes, {self.feedback} feedback, "
                f"{self.checks} checks, {self.incidents} incident replies, "
                f"{self.guidance} guidance replies, "
                f"{self.skipped} skipped")


