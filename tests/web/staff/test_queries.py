"""The dashboard's own figures against the raw rows, on SQLite and on PostgreSQL.

Demo data (fixed seed and end date) is written to a real database; the expected values
are worked out in Python from every row of the tables, not with the dashboard's SQL.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.analytics import dashboard, demo_data
from bot.analytics.filters import Filters
from bot.storage.database import create_engine, upgrade
from bot.storage.models import Commitment, Conversation, StoredPlanStep

END = date(2026, 3, 29)
FIRST = END - timedelta(weeks=6) + timedelta(days=1)
CASES = [Filters(FIRST, END), Filters(FIRST + timedelta(days=9), END - timedelta(days=4), size="micro"),
         Filters(FIRST, END, sector="retail", nation="england")]


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('queries') / 'analytics.db'}"
        schema = None
    else:
        server = request.getfixturevalue("postgres_server")
        schema = server.fresh_name()
        url = server.create_schema(schema)
    engine = create_engine(url)
    upgrade(engine)
    demo_data.generate(engine, turns=3000, seed=11, weeks=6, end=END, progress=False)
    yield engine
    engine.dispose()
    if schema is not None:
        server.drop_schema(schema)


def rows(engine: Engine, model: Any) -> list[Any]:
    with engine.connect() as connection:
        return list(connection.execute(sa.select(model.__table__)))


def in_filters(row: Any, at: datetime, filters: Filters) -> bool:
    inside = filters.start <= at.date() <= filters.end
    return inside and all(getattr(row, d) == filters.segment(d) for d in ("size", "sector", "nation")
                          if filters.segment(d) is not None)


@pytest.mark.parametrize("filters", CASES, ids=["all", "micro-mid-week", "retail-england"])
def test_funnel_counts_visitors_from_the_rows(engine: Engine, filters: Filters) -> None:
    conversations = [c for c in rows(engine, Conversation) if in_filters(c, c.started_at, filters)]
    commitments = rows(engine, Commitment)
    visitors: dict[str, dict[str, Any]] = {}
    for c in conversations:
        v = visitors.setdefault(c.visitor_key, {"asked": False, "profiled": False, "first_plan": None})
        v["asked"] |= c.last_topic is not None
        v["profiled"] |= bool(c.profiled)
        if c.got_plan and (v["first_plan"] is None or c.started_at < v["first_plan"]):
            v["first_plan"] = c.started_at

    def committed(key: str, first_plan: datetime | None, done: bool) -> bool:
        return first_plan is not None and any(
            m.visitor_key == key and m.committed_at >= first_plan and (not done or m.status == "done")
            for m in commitments)

    want = [len(visitors), sum(v["asked"] for v in visitors.values()),
            sum(v["profiled"] for v in visitors.values()),
            sum(v["first_plan"] is not None for v in visitors.values()),
            sum(committed(k, v["first_plan"], False) for k, v in visitors.items()),
            sum(committed(k, v["first_plan"], True) for k, v in visitors.items())]
    with engine.connect() as connection:
        got = dashboard.funnel(connection, filters)
    assert [step["visitors"] for step in got] == want
    assert want[0] > want[3] > want[4] > want[5] > 0


@pytest.mark.parametrize("filters", CASES, ids=["all", "micro-mid-week", "retail-england"])
def test_steps_count_offers_commitments_and_done(engine: Engine, filters: Filters) -> None:
    offered = Counter(p.step for p in rows(engine, StoredPlanStep) if in_filters(p, p.at, filters))
    made = [m for m in rows(engine, Commitment) if in_filters(m, m.committed_at, filters)]
    committed = Counter(m.step for m in made)
    done = Counter(m.step for m in made if m.status == "done")
    with engine.connect() as connection:
        got = dashboard.steps(connection, filters)
    steps = set(offered) | set(committed)
    assert {r["step"]: (r["offered"], r["committed"], r["reported_done"]) for r in got} == {
        step: (offered[step], committed[step], done[step]) for step in steps}


def test_conversation_pages_are_newest_first_and_complete(engine: Engine) -> None:
    filters = CASES[1]
    want = sorted((c for c in rows(engine, Conversation) if in_filters(c, c.started_at, filters)),
                  key=lambda c: (c.started_at, c.id), reverse=True)
    seen: list[int] = []
    with engine.connect() as connection:
        for page in range(0, len(want) + 20, 20):
            found, total = dashboard.conversation_page(connection, filters, page, 20)
            assert total == len(want)
            seen += [row["id"] for row in found]
    assert seen == [c.id for c in want]


def test_transcript_lists_the_stored_turns_in_order(engine: Engine) -> None:
    with engine.connect() as connection:
        conversation = connection.execute(sa.select(Conversation.__table__)
                                          .where(Conversation.__table__.c.user_turns >= 3).limit(1)).one()
        texts = [row.text for row in connection.execute(sa.text(
            "SELECT text FROM turns WHERE conversation_key = :key ORDER BY at, id"),
            {"key": conversation.conversation_key})]
        shown = dashboard.transcript(connection, conversation.id)
        assert dashboard.transcript(connection, -1) is None
    assert shown is not None
    assert [turn["text"] for turn in shown["turns"]] == texts
    assert "conversation_key" not in shown["conversation"]


def test_nothing_is_read_outside_the_range(engine: Engine) -> None:
    later = Filters(END + timedelta(days=1), END + timedelta(days=30))
    with engine.connect() as connection:
        assert [step["visitors"] for step in dashboard.funnel(connection, later)] == [0] * 6
        assert dashboard.steps(connection, later) == []
        assert dashboard.conversation_page(connection, later, 0, 50) == ([], 0)
