"""The shared lock store: one message per conversation at a time, across Rasa servers."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid

import pytest

from bot.locking.rasa_store import SharedLockStore
from bot.locking.storage import LockStorageError, MemoryStorage, RedisStorage, storage_from_url
from tests.loops import run


def _conversation() -> str:
    return f"conv-{uuid.uuid4().hex[:8]}"


def test_url_picks_the_store(redis_url):
    assert isinstance(storage_from_url("memory://"), MemoryStorage)
    assert isinstance(storage_from_url(""), MemoryStorage)
    assert isinstance(storage_from_url(redis_url), RedisStorage)
    with pytest.raises(LockStorageError, match="memory:// or redis://"):
        storage_from_url("mongodb://somewhere")


def test_tickets_issued_at_once_by_two_servers_are_all_different(redis_url):
    """Rasa's own Redis lock store can hand the same ticket to two servers; this one cannot."""
    servers = [SharedLockStore(url=redis_url), SharedLockStore(url=redis_url)]
    conversation = _conversation()
    tickets: list[int] = []
    start = threading.Barrier(16)

    def take(store: SharedLockStore) -> None:
        start.wait()
        for _ in range(25):
            tickets.append(store.issue_ticket(conversation, 60))

    threads = [threading.Thread(target=take, args=(servers[i % 2],)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(tickets) == list(range(400))


def test_holders_on_two_servers_never_overlap_and_all_get_their_turn(redis_url):
    servers = [SharedLockStore(url=redis_url), SharedLockStore(url=redis_url)]
    conversation = _conversation()
    inside: list[str] = []
    spans: list[tuple[float, float]] = []

    async def handle(store: SharedLockStore, name: str) -> None:
        async with store.lock(conversation):
            inside.append(name)
            assert len(inside) == 1, f"{inside} hold the same conversation at once"
            began = time.monotonic()
            await asyncio.sleep(0.02)
            spans.append((began, time.monotonic()))
            inside.remove(name)

    async def main() -> None:
        await asyncio.gather(*(handle(servers[i % 2], f"message-{i}") for i in range(20)))

    run(main())
    assert len(spans) == 20
    spans.sort()
    assert all(end <= next_start for (_, end), (next_start, _) in zip(spans, spans[1:], strict=False))
    assert servers[0].get_lock(conversation) is None  # the last holder removed the lock


def test_ticket_of_a_dead_server_expires_and_the_conversation_goes_on(redis_url):
    dead, alive = SharedLockStore(url=redis_url), SharedLockStore(url=redis_url)
    conversation = _conversation()
    dead.issue_ticket(conversation, 1.0)  # taken, then never renewed nor handed back

    async def next_message() -> float:
        began = time.monotonic()
        async with alive.lock(conversation, lock_lifetime=1.0):
            return time.monotonic() - began

    waited = run(next_message())
    assert 0.5 < waited < 5


def test_a_ticket_is_kept_alive_while_its_holder_works(redis_url, monkeypatch):
    monkeypatch.setattr("bot.locking.rasa_store.RENEW_EVERY_SECONDS", 0.2)
    first, second = SharedLockStore(url=redis_url), SharedLockStore(url=redis_url)
    conversation = _conversation()
    order: list[str] = []

    async def slow() -> None:
        async with first.lock(conversation, lock_lifetime=1.0):
            order.append("slow starts")
            await asyncio.sleep(2.5)  # longer than the ticket's lifetime
            order.append("slow ends")

    async def quick() -> None:
        await asyncio.sleep(0.2)
        async with second.lock(conversation, lock_lifetime=1.0):
            order.append("quick")

    async def main() -> None:
        await asyncio.gather(slow(), quick())

    run(main())
    assert order == ["slow starts", "slow ends", "quick"]


def test_in_memory_store_serialises_too():
    store = SharedLockStore(url="memory://")
    conversation = _conversation()
    inside: list[int] = []
    finished: list[int] = []

    async def handle(number: int) -> None:
        async with store.lock(conversation):
            inside.append(number)
            assert len(inside) == 1
            await asyncio.sleep(0.01)
            inside.remove(number)
            finished.append(number)

    async def main() -> None:
        await asyncio.gather(*(handle(i) for i in range(10)))

    run(main())
    assert sorted(finished) == list(range(10))


def test_unreachable_redis_is_a_lock_error_not_a_hang():
    from rasa.core.lock_store import LockError

    from bench.procs import free_port

    store = SharedLockStore(url=f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    with pytest.raises(LockError, match="Could not take a ticket"):
        store.issue_ticket(_conversation(), 10)
