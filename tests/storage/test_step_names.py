"""Migration 0004_step_names keeps every stored step id while renaming its columns, both ways."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from bot.storage.database import downgrade, upgrade

ROW = {"visitor_key": "v" * 64, "conversation_key": "c" * 64, "topic": "backups",
       "committed_at": "2025-03-04 09:00:00", "status": "open", "status_at": "2025-03-04 09:00:00"}


def _columns(engine: sa.engine.Engine, table: str) -> set[str]:
    return {column["name"] for column in sa.inspect(engine).get_columns(table)}


def test_step_ids_survive_the_rename_and_back(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'analytics.db'}"
    upgrade(url, "0008_plan_links")
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO commitments (visitor_key, conversation_key, topic, action, committed_at, "
                "status, status_at) VALUES (:visitor_key, :conversation_key, :topic, 'backups_automatic', "
                ":committed_at, :status, :status_at)"), ROW)
            conn.execute(sa.text("INSERT INTO plan_items (conversation_key, visitor_key, at, position, "
                                 "topic, action) VALUES (:c, :v, '2025-03-04 09:00:00', 1, 'backups', "
                                 "'backups_automatic')"), {"c": "c" * 64, "v": "v" * 64})
        upgrade(url, "0004_step_names")
        assert "step" in _columns(engine, "commitments") and "action" not in _columns(engine, "plan_items")
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT step FROM commitments")).scalar() == "backups_automatic"
            assert conn.execute(sa.text("SELECT step FROM plan_items")).scalar() == "backups_automatic"
        # The unique constraint came along: the same visitor cannot commit to a step twice.
        with engine.begin() as conn:
            duplicate = sa.text("INSERT INTO commitments (visitor_key, conversation_key, topic, step, "
                                "committed_at, status, status_at) VALUES (:visitor_key, :conversation_key, "
                                ":topic, 'backups_automatic', :committed_at, :status, :status_at)")
            try:
                conn.execute(duplicate, ROW)
            except sa.exc.IntegrityError:
                pass
            else:
                raise AssertionError("a second commitment to the same step was accepted")
        downgrade(url, "0008_plan_links")
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT action FROM commitments")).scalar() == "backups_automatic"
    finally:
        engine.dispose()
