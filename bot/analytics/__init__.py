"""The interaction record: tracker-store events become pseudonymous, redacted rows.

``ingest`` is the only writer of the analytics tables; ``retention`` enforces
``RETENTION_DAYS``. See docs/analytics-design.md.
"""

from __future__ import annotations

from bot.analytics.ingest import (
    AnalyticsUnavailable,
    IngestError,
    IngestReport,
    SchemaMissing,
    TrackerReset,
    TrackerUnavailable,
    follow,
    ingest_once,
)
from bot.analytics.retention import PurgeReport, purge

__all__ = [
    "AnalyticsUnavailable",
    "IngestError",
    "IngestReport",
    "PurgeReport",
    "SchemaMissing",
    "TrackerReset",
    "TrackerUnavailable",
    "follow",
    "ingest_once",
    "purge",
]
