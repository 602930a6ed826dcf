"""A real SQLite analytics database per test, migrated once and copied (fast)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bot.storage.database import create_engine, upgrade


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "analytics.db"
    engine = create_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # the last connection closing checkpoints the WAL into the file
    return path


@pytest.fixture()
def db_path(tmp_path: Path, migrated_template: Path) -> Path:
    path = tmp_path / "analytics.db"
    shutil.copy(migrated_template, path)
    return path


@pytest.fixture()
def engine(db_path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{db_path}")
    yield engine
    engine.dispose()
