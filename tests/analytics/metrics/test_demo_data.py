"""Synthetic data has the documented proportions, counted straight from the tables."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.analytics.demo_data import generate
from bot.storage.database import create_engine
from tests.analytics.metrics.conftest import NewDatabase

END = date(2025, 6, 29)


def _count(conn: sa.engine.Connection, sql: str) -> int:
    return int(conn.execute(sa.text(sql)).scalar() or 0)


@pytest.fixture(scope="module")
def counts(module_database: str) -> Iterator[dict[str, Any]]:
    engine = create_engine(module_database)
    try:
        yield _counts(engine)
    finally:
        engine.dispose()


def _counts(engine: Engine) -> dict[str, Any]:
    summary = generate(engine, turns=10_000, seed=5, weeks=8, end=END, progress=False, refresh=False)
    assert summary.turns >= 10_000
    with engine.connect() as conn:
        queries = {
            "turns": "SELECT count(*) FROM turns",
            "fallback": "SELECT count(*) FROM turns WHERE fallback",
            "out_of_scope": "SELECT count(*) FROM turns WHERE out_of_scope",
            "conversations": "SELECT count(*) FROM conversations",
            "returning": "SELECT count(*) FROM conversations WHERE is_returning",
            "profiled": "SELECT count(*) FROM conversations WHERE profiled",
            "plan": "SELECT count(*) FROM conversations WHERE got_plan",
            "plan_committed": "SELECT count(DISTINCT conversation_key) FROM commitments",
            "commitments": "SELECT count(*) FROM commitments",
            "done": "SELECT count(*) FROM commitments WHERE status = 'done'",
            "not_yet": "SELECT count(*) FROM commitments WHERE status = 'not_yet'",
            "dropped": "SELECT count(*) FROM commitments WHERE status = 'dropped'",
            "feedback": "SELECT count(*) FROM feedback",
            "sizes_known": "SELECT count(*) FROM conversations WHERE size IS NOT NULL",
            "micro_or_sole": "SELECT count(*) FROM conversations WHERE size IN ('micro', 'sole_trader')",
            "medium": "SELECT count(*) FROM conversations WHERE size = 'medium'",
            "small": "SELECT count(*) FROM conversations WHERE size = 'small'",
            "nations_known": "SELECT count(*) FROM conversations WHERE nation IS NOT NULL",
            "england": "SELECT count(*) FROM conversations WHERE nation = 'england'",
            "other_nations": "SELECT count(DISTINCT nation) FROM conversations WHERE nation != 'england'",
            "sectors": "SELECT count(DISTINCT sector) FROM conversations",
            "weeks": "SELECT count(DISTINCT week) FROM turns",
            "outside": "SELECT count(*) FROM turns WHERE at < '2025-05-05' OR at >= '2025-06-30'",
            "topics": "SELECT count(DISTINCT topics) FROM turns WHERE topics IS NOT NULL",
        }
        result: dict[str, Any] = {name: _count(conn, sql) for name, sql in queries.items()}
        result["texts"] = [t for (t,) in conn.execute(sa.text("SELECT DISTINCT text FROM turns"))]
    return result


def test_proportions(counts: dict[str, Any]) -> None:
    def share(part: str, whole: str) -> float:
        return float(counts[part] / counts[whole])

    assert 0.05 <= share("fallback", "turns") <= 0.08
    assert 0.04 <= share("out_of_scope", "turns") <= 0.07
    assert 0.34 <= share("profiled", "conversations") <= 0.46
    assert 0.20 <= share("plan", "conversations") <= 0.30
    assert 0.22 <= share("plan_committed", "plan") <= 0.38
    assert 0.27 <= share("done", "commitments") <= 0.43
    assert counts["not_yet"] > 0 and counts["dropped"] > 0
    assert 0.14 <= share("returning", "conversations") <= 0.26
    assert counts["feedback"] > 0
    # Mostly micro businesses and sole traders, fewer small, few medium; England most.
    assert share("micro_or_sole", "sizes_known") >= 0.7
    assert counts["small"] > counts["medium"] > 0
    assert share("medium", "sizes_known") <= 0.1
    assert share("england", "nations_known") >= 0.75
    assert counts["other_nations"] == 3
    assert counts["sectors"] == 10  # every sector (count DISTINCT leaves NULL out)
    assert counts["weeks"] == 8 and counts["outside"] == 0
    assert counts["topics"] == 22


def test_texts_look_redacted(counts: dict[str, Any]) -> None:
    texts = [t for t in counts["texts"] if t]
    assert not any(re.search(r"[\w.+-]+@[\w-]+\.\w+", t) for t in texts)
    assert not any(re.search(r"\b\d{11}\b|\b07\d{3} ?\d{6}\b", t) for t in texts)
    assert any("[" in t and "]" in t for t in texts)  # placeholders where data was


def test_same_seed_same_data(engine: Engine, new_database: NewDatabase) -> None:
    other = create_engine(new_database())
    for target in (engine, other):
        generate(target, turns=300, seed=9, weeks=2, end=END, progress=False, refresh=False)
    query = sa.text("SELECT at, intent, text, topics FROM turns ORDER BY event_id")
    with engine.connect() as a, other.connect() as b:
        assert a.execute(query).all() == b.execute(query).all()
    other.dispose()
