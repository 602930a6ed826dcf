"""The audit log: who viewed which transcript, exported what, or changed an account."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.storage.models import StaffAudit

AUDIT: sa.Table = StaffAudit.__table__
DETAIL_CHARS = 500


def record(conn: Connection, at: datetime, username: str, action: str, detail: str = "") -> None:
    conn.execute(sa.insert(AUDIT).values(at=at, username=username, action=action,
                                         detail=detail[:DETAIL_CHARS]))


def page(conn: Connection, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    """Newest first: one page of entries and the total number."""
    total = int(conn.execute(sa.select(sa.func.count()).select_from(AUDIT)).scalar() or 0)
    rows = conn.execute(sa.select(AUDIT.c.at, AUDIT.c.username, AUDIT.c.action, AUDIT.c.detail)
                        .order_by(AUDIT.c.at.desc(), AUDIT.c.id.desc()).offset(offset).limit(limit))
    return [dict(row._mapping) for row in rows], total
