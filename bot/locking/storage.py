"""Where conversation locks are kept, chosen by ``LOCK_STORE_URL``.

Rasa's own Redis lock store reads a lock, changes it and writes it back in three separate
steps. Two servers that get a message for the same conversation at the same moment can
then both be handed ticket 0 and process the two messages at once, and the second save of
the conversation overwrites part of the first. Every change here is one atomic
read-modify-write instead: a Redis WATCH/MULTI transaction that is retried if another
server changed the lock in between. The in-memory store needs no such care, since one
process runs one change at a time.

Plain Python, no Rasa imports: ``bot/locking/rasa_store.py`` adapts it to Rasa.
"""

from __future__ import annotations

from typing import Callable, Protocol
from urllib.parse import urlsplit

#: Rasa's own key prefix for locks in Redis.
KEY_PREFIX = "lock:"
#: A lock nobody has touched for this long was left by a server that died; Redis drops it.
ABANDONED_LOCK_SECONDS = 3600
MEMORY_SCHEMES = ("memory", "in-memory", "in_memory")
REDIS_SCHEMES = ("redis", "rediss", "unix")

Change = Callable[[str | None], str | None]


class LockStorageError(ValueError):
    """``LOCK_STORE_URL`` names no store we know."""


class LockStorage(Protocol):
    def get(self, key: str) -> str | None: ...

    def set(self, key: str, value: str) -> None: ...

    def delete(self, key: str) -> None: ...

    def update(self, key: str, change: Change) -> str | None:
        """Apply ``change`` to the stored value atomically; ``None`` from it deletes the key.

        ``change`` may be called more than once (after a conflict), so it must not have
        side effects that matter; returns the value stored.
        """
        ...


class MemoryStorage:
    """Locks for one Rasa process, in a dict."""

    def __init__(self) -> None:
        self._values: dict[str, str] = {}

    def get(self, key: str) -> str | None:
        return self._values.get(key)

    def set(self, key: str, value: str) -> None:
        self._values[key] = value

    def delete(self, key: str) -> None:
        self._values.pop(key, None)

    def update(self, key: str, change: Change) -> str | None:
        new = change(self._values.get(key))
        if new is None:
            self._values.pop(key, None)
        else:
            self._values[key] = new
        return new


class RedisStorage:
    """Locks shared by every Rasa server through one Redis database."""

    def __init__(self, url: str, key_prefix: str = KEY_PREFIX) -> None:
        import redis

        self.client = redis.Redis.from_url(url, decode_responses=True, socket_timeout=10,
                                           socket_connect_timeout=10, health_check_interval=30)
        self.key_prefix = key_prefix

    def _key(self, key: str) -> str:
        return self.key_prefix + key

    def get(self, key: str) -> str | None:
        value = self.client.get(self._key(key))
        return None if value is None else str(value)

    def set(self, key: str, value: str) -> None:
        self.client.set(self._key(key), value, ex=ABANDONED_LOCK_SECONDS)

    def delete(self, key: str) -> None:
        self.client.delete(self._key(key))

    def update(self, key: str, change: Change) -> str | None:
        from redis.exceptions import WatchError

        name = self._key(key)
        with self.client.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(name)
                    old = pipe.get(name)
                    new = change(None if old is None else str(old))
                    pipe.multi()
                    if new is None:
                        pipe.delete(name)
                    else:
                        pipe.set(name, new, ex=ABANDONED_LOCK_SECONDS)
                    pipe.execute()
                    return new
                except WatchError:
                    continue  # another server changed this lock first: read it again


def storage_from_url(url: str | None) -> LockStorage:
    """``memory://`` (or nothing) keeps locks in this process; ``redis://`` shares them.

    Redis URLs are redis-py's: ``redis://[:password@]host:port/db``, ``rediss://`` for TLS,
    ``unix:///path/to/redis.sock``.
    """
    text = (url or "").strip()
    scheme = urlsplit(text).scheme.lower() if "://" in text else text.lower()
    if not text or scheme in MEMORY_SCHEMES:
        return MemoryStorage()
    if scheme in REDIS_SCHEMES:
        return RedisStorage(text)
    raise LockStorageError(
        f"LOCK_STORE_URL must start with memory:// or redis:// (rediss:// for TLS), got {scheme}://"
    )
