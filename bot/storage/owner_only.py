"""Owner-only files: databases, their WAL/SHM companions and ``var/`` itself.

The SQLite files hold raw messages (the tracker store), staff password hashes and CSRF
tokens. Created under the usual umask (022) they would be 0644 in a 0755 folder, readable
by every local account. Here the folder is made 0700 and each file is created (or fixed)
as 0600 before SQLite opens it; SQLite gives its ``-wal`` and ``-shm`` files the main
file's mode, and any that already exist are fixed too. This holds whatever the umask.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine.url import make_url

from bot.paths import VAR_DIR

FILE_MODE = 0o600
DIR_MODE = 0o700
_COMPANIONS = ("", "-wal", "-shm", "-journal")


def owner_only_dir(path: Path) -> Path:
    """Create ``path`` (and parents) if missing and make it 0700."""
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, DIR_MODE)
    return path


def owner_only_file(path: Path) -> Path:
    """Create ``path`` empty as 0600 if missing, and make it (and SQLite's companions) 0600."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE)
    os.close(descriptor)
    for suffix in _COMPANIONS:
        companion = Path(f"{path}{suffix}")
        if companion.exists():
            os.chmod(companion, FILE_MODE)
    return path


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL, or None (another database, or an in-memory one)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    if parsed.database.startswith("file:"):
        return None  # a URI filename (tests' read-only connections): leave it as it is
    return Path(parsed.database)


def prepare_sqlite(url: str) -> None:
    """Before SQLite opens ``url``: the project's ``var/`` exists and is 0700, the file is 0600.

    Only the project's own ``var/`` is created or has its mode changed: a file placed in some
    other folder must not change that folder, and a folder that does not exist stays missing,
    so SQLite reports it as before.
    """
    path = sqlite_file(url)
    if path is None:
        return
    folder = path.parent.resolve()
    if folder == VAR_DIR.resolve():
        owner_only_dir(folder)
    elif not folder.is_dir():
        return
    owner_only_file(path)
