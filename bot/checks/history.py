"""Stored check results: what changed since last time, and which checks are due again.

A result is kept per visitor (their pseudonym) and per checked host (a keyed hash of it),
with each finding's id and status and the score: nothing that names the business. The
address itself is kept only in the conversation's profile, so deleting the profile and
:func:`forget` together remove every trace. The retention purge (``bot purge``) calls
:func:`forget_gone` once it has deleted tracker events, so a visitor's runs go when their
conversation (and so their profile) has gone from the tracker store, however that happened.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Iterable, Literal, cast

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot import reply_contract as contract
from bot.checks.findings import CheckResult
from bot.privacy.pseudonyms import load_secret, visitor_key
from bot.storage.models import CheckHistory

RECHECK_DAYS = 30
_TABLE = CheckHistory.__table__


@dataclass(frozen=True)
class StoredRun:
    kind: str
    at: datetime
    score: int | None
    statuses: dict[str, str]


def target_key(kind: str, target: str, secret: str | None = None) -> str:
    """A keyed hash of the checked host, so runs of one site can be compared without it."""
    key = (secret or load_secret()).encode()
    return hmac.new(key, f"target:{kind}:{target.lower()}".encode(), hashlib.sha256).hexdigest()


def record(engine: Engine, visitor: str, target: str, result: CheckResult,
           at: datetime | None = None) -> None:
    """Keep a checked result (refusals and failures to connect are not worth keeping)."""
    if result.outcome != "checked":
        return
    with engine.begin() as connection:
        connection.execute(_TABLE.insert().values(
            visitor_key=visitor, target_key=target, kind=result.kind,
            at=(at or datetime.now(timezone.utc)).replace(tzinfo=None), score=result.score(),
            findings=json.dumps({f.id: f.status for f in result.findings}, sort_keys=True)))


def _run(row: sa.engine.Row) -> StoredRun:
    return StoredRun(kind=row.kind, at=row.at, score=row.score, statuses=json.loads(row.findings))


def last_run(engine: Engine, visitor: str, target: str, kind: str) -> StoredRun | None:
    """The newest stored run of this check of this host for this visitor."""
    query = (sa.select(_TABLE).where(_TABLE.c.visitor_key == visitor, _TABLE.c.target_key == target,
                                     _TABLE.c.kind == kind)
             .order_by(_TABLE.c.at.desc(), _TABLE.c.id.desc()).limit(1))
    with engine.connect() as connection:
        row = connection.execute(query).first()
    return _run(row) if row is not None else None


def latest_runs(engine: Engine, visitor: str) -> list[StoredRun]:
    """The newest run of each kind for a visitor, for the welcome-back message."""
    newest = (sa.select(_TABLE.c.kind, sa.func.max(_TABLE.c.id).label("id"))
              .where(_TABLE.c.visitor_key == visitor).group_by(_TABLE.c.kind).subquery())
    query = sa.select(_TABLE).join(newest, _TABLE.c.id == newest.c.id).order_by(_TABLE.c.kind)
    with engine.connect() as connection:
        return [_run(row) for row in connection.execute(query)]


def latest_for_conversation(engine: Engine, sender_id: str) -> list[StoredRun]:
    """The newest run of each kind for the visitor behind a conversation id (pseudonymised
    here, so callers outside the checks never handle the key)."""
    return latest_runs(engine, visitor_key(sender_id))


def _differences(before: dict[str, str], now: dict[str, str]) -> list[contract.CheckChange]:
    found: list[contract.CheckChange] = []
    for finding_id, status in now.items():
        old = before.get(finding_id, "new")
        if old != status:
            found.append({"id": finding_id,
                          "before": cast(Literal["pass", "warning", "fail", "new"], old),
                          "after": cast(Literal["pass", "warning", "fail"], status)})
    for finding_id, old in before.items():
        if finding_id not in now:
            found.append({"id": finding_id,
                          "before": cast(Literal["pass", "warning", "fail", "new"], old),
                          "after": "gone"})
    return found


def changes(before: StoredRun | None, after: CheckResult) -> list[contract.CheckChange]:
    """Each finding whose status differs from the stored run, in the new result's order."""
    if before is None:
        return []
    return _differences(before.statuses, {f.id: f.status for f in after.findings})


def run_changes(before: StoredRun, after: StoredRun) -> list[contract.CheckChange]:
    """Each finding whose status differs between two stored runs, in the later run's order."""
    return _differences(before.statuses, after.statuses)


def newest_with_previous(engine: Engine, visitor: str) -> list[tuple[StoredRun, StoredRun | None]]:
    """For the welcome-back message: the newest run of each kind for a visitor, each with the
    run before it of the same check of the same host (``None`` if it was the first)."""
    pairs: list[tuple[StoredRun, StoredRun | None]] = []
    with engine.connect() as connection:
        for kind in sorted(set(connection.execute(
                sa.select(_TABLE.c.kind).where(_TABLE.c.visitor_key == visitor).distinct()).scalars())):
            query = (sa.select(_TABLE).where(_TABLE.c.visitor_key == visitor, _TABLE.c.kind == kind)
                     .order_by(_TABLE.c.at.desc(), _TABLE.c.id.desc()))
            newest = connection.execute(query.limit(1)).first()
            if newest is None:
                continue
            previous = connection.execute(
                query.where(_TABLE.c.target_key == newest.target_key, _TABLE.c.id != newest.id)
                .limit(1)).first()
            pairs.append((_run(newest), _run(previous) if previous is not None else None))
    return pairs


def due(run: StoredRun, now: datetime | None = None, days: int = RECHECK_DAYS) -> bool:
    """Is a monthly re-check of this stored run due?"""
    current = (now or datetime.now(timezone.utc)).replace(tzinfo=None)
    return current - run.at >= timedelta(days=days)


def forget(engine: Engine, visitor: str) -> int:
    """Delete every stored run of a visitor (with their profile); returns how many."""
    with engine.begin() as connection:
        return int(connection.execute(_TABLE.delete().where(_TABLE.c.visitor_key == visitor)).rowcount)


def forget_gone(engine: Engine, live_senders: Iterable[str], secret: str | None = None) -> int:
    """Delete the runs of every visitor whose conversation is gone: ``live_senders`` are the
    conversation ids still in the tracker store. Returns how many runs went."""
    secret = secret or load_secret()
    live = {visitor_key(sender, secret) for sender in live_senders}
    with engine.connect() as connection:
        stored = set(connection.execute(sa.select(_TABLE.c.visitor_key).distinct()).scalars())
    return sum(forget(engine, visitor) for visitor in sorted(stored - live))
