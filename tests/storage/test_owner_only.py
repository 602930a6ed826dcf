"""Databases are owner-only (0600 files in a 0700 folder) whatever the umask."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Iterator

import pytest
import sqlalchemy as sa

from bot.storage import owner_only
from bot.storage.database import create_engine
from bot.storage.rasa_tracker_store import OffLoopSQLTrackerStore


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture()
def open_umask() -> Iterator[None]:
    """The most permissive usual umask: files 0666, folders 0777 unless the code says otherwise."""
    previous = os.umask(0o000)
    try:
        yield
    finally:
        os.umask(previous)


def test_the_analytics_database_and_its_wal_files_are_owner_only(tmp_path: Path, open_umask: None,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "var"
    monkeypatch.setattr(owner_only, "VAR_DIR", folder)  # stands in for the project's var/
    database = folder / "analytics.db"
    engine = create_engine(f"sqlite:///{database}")
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE t (x TEXT)"))
        connection.execute(sa.text("INSERT INTO t VALUES ('a raw message')"))
    with engine.connect() as connection:  # WAL and SHM exist while a connection is open
        connection.execute(sa.text("SELECT * FROM t")).all()
        wal, shm = Path(f"{database}-wal"), Path(f"{database}-shm")
        assert wal.exists() and shm.exists()
        assert (mode(database), mode(wal), mode(shm)) == (0o600, 0o600, 0o600)
    engine.dispose()
    assert mode(folder) == 0o700


def test_an_existing_world_readable_database_is_made_owner_only(tmp_path: Path) -> None:
    database = tmp_path / "old.db"
    database.touch()
    os.chmod(database, 0o644)
    create_engine(f"sqlite:///{database}").dispose()
    assert mode(database) == 0o600


def test_the_rasa_tracker_store_file_is_owner_only(tmp_path: Path, open_umask: None,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(owner_only, "VAR_DIR", tmp_path / "var")
    database = tmp_path / "var" / "tracker.db"
    store = OffLoopSQLTrackerStore(host=f"sqlite:///{database}")
    store.engine.dispose()
    assert mode(database) == 0o600
    assert mode(database.parent) == 0o700


def test_a_database_in_a_missing_folder_elsewhere_is_left_to_fail(tmp_path: Path) -> None:
    missing = tmp_path / "missing" / "a.db"
    with pytest.raises(sa.exc.OperationalError), create_engine(f"sqlite:///{missing}").connect():
        pass
    assert not missing.parent.exists()
