"""The lock store Rasa uses (``endpoints.yml``), backed by ``bot/locking/storage.py``.

Rasa processes one message per conversation at a time by handing out numbered tickets
per conversation; a message waits until its ticket is the lowest. This class keeps those
tickets where ``LOCK_STORE_URL`` says, changes them atomically, and keeps a ticket alive
while its server is working on it. A ticket expires ``HOLDER_TIMEOUT_SECONDS`` after its
server last renewed it, so a server that is killed holds a conversation up for at most that
long, instead of Rasa's fixed 60-second lifetime.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Any, AsyncIterator, Callable

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LockError, LockStore
from redis.exceptions import RedisError

from bot.locking.storage import LockStorage, storage_from_url

HOLDER_TIMEOUT_SECONDS = 15.0
RENEW_EVERY_SECONDS = 3.0
#: How often a waiting message checks whether its turn has come.
POLL_SECONDS = 0.05


class SharedLockStore(LockStore):
    """Rasa's ticket lock, in memory or in Redis, with atomic changes."""

    def __init__(self, endpoint_config: Any = None, url: str | None = None,
                 storage: LockStorage | None = None) -> None:
        if storage is None:
            storage = storage_from_url(url or getattr(endpoint_config, "url", None))
        self.storage = storage

    # -- storage ----------------------------------------------------------------------

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        raw = self.storage.get(conversation_id)
        return TicketLock.from_dict(json.loads(raw)) if raw else None

    def save_lock(self, lock: TicketLock) -> None:
        self.storage.set(lock.conversation_id, lock.dumps())

    def delete_lock(self, conversation_id: str) -> None:
        self.storage.delete(conversation_id)

    def _change(self, conversation_id: str,
                change: Callable[[TicketLock | None], TicketLock | None]) -> TicketLock | None:
        def on_text(raw: str | None) -> str | None:
            lock = change(TicketLock.from_dict(json.loads(raw)) if raw else None)
            return None if lock is None or not lock.tickets else lock.dumps()

        raw = self.storage.update(conversation_id, on_text)
        return TicketLock.from_dict(json.loads(raw)) if raw else None

    # -- Rasa's read-modify-write steps, each made atomic -------------------------------

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = HOLDER_TIMEOUT_SECONDS) -> int:
        def add(lock: TicketLock | None) -> TicketLock:
            lock = lock or self.create_lock(conversation_id)
            lock.issue_ticket(lock_lifetime)
            return lock

        try:
            lock = self._change(conversation_id, add)
        except (RedisError, OSError) as error:  # Redis unreachable: Rasa answers with an error
            raise LockError(f"Could not take a ticket for conversation {conversation_id}: {error}") \
                from error
        assert lock is not None
        return int(lock.last_issued)

    def update_lock(self, conversation_id: str) -> None:
        def prune(lock: TicketLock | None) -> TicketLock | None:
            if lock is not None:
                lock.remove_expired_tickets()
            return lock

        self._change(conversation_id, prune)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        def remove(lock: TicketLock | None) -> TicketLock | None:
            if lock is not None:
                lock.remove_ticket_for(ticket_number)
            return lock

        self._change(conversation_id, remove)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        # Removing the ticket and deleting an empty lock are one step, so a ticket another
        # server issues in between is never deleted with it.
        self.finish_serving(conversation_id, ticket_number)

    def renew(self, conversation_id: str, ticket_number: int, lifetime: float) -> None:
        def extend(lock: TicketLock | None) -> TicketLock | None:
            for ticket in lock.tickets if lock is not None else ():
                if ticket.number == ticket_number:
                    ticket.expires = time.time() + lifetime
            return lock

        self._change(conversation_id, extend)

    async def _keep_alive(self, conversation_id: str, ticket: int, lifetime: float) -> None:
        while True:
            await asyncio.sleep(min(RENEW_EVERY_SECONDS, lifetime / 3))
            self.renew(conversation_id, ticket, lifetime)

    @contextlib.asynccontextmanager
    async def lock(self, conversation_id: str, lock_lifetime: float = HOLDER_TIMEOUT_SECONDS,
                   wait_time_in_seconds: float = POLL_SECONDS) -> AsyncIterator[TicketLock]:
        """Wait for this conversation's turn, hold it while working, then hand it on."""
        lifetime = min(lock_lifetime, HOLDER_TIMEOUT_SECONDS)
        ticket = self.issue_ticket(conversation_id, lifetime)
        keeper = asyncio.ensure_future(self._keep_alive(conversation_id, ticket, lifetime))
        try:
            yield await self._acquire_lock(conversation_id, ticket,
                                           min(wait_time_in_seconds, POLL_SECONDS))
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper
            self.cleanup(conversation_id, ticket)
