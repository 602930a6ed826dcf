"""Every metric and breakdown on synthetic data, against the naive oracle (oracle.py).

Random ranges (most not starting on a Monday, some reaching outside the data) and random
segment filters, so day, week and block cells, masks and visitor counting all get used.
"""

from __future__ import annotations

import io
import random
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Connection

from bot.analytics import metrics as m
from bot.analytics.demo_data import generate
from bot.analytics.export import export_turns
from bot.analytics.filters import BREAKDOWNS, SEGMENT_VALUES, Filters
from bot.storage.database import create_engine
from tests.analytics.metrics.conftest import databases
from tests.analytics.metrics.oracle import Oracle

END = date(2025, 6, 29)  # a Sunday
WEEKS = 10


@pytest.fixture(scope="module")
def demo(module_database: str) -> Iterator[tuple[Connection, Oracle]]:
    engine = create_engine(module_database)
    generate(engine, turns=4000, seed=7, weeks=WEEKS, end=END, progress=False)
    with engine.connect() as connection:
        yield connection, Oracle(connection)
    engine.dispose()


def _cases() -> list[Filters]:
    rng = random.Random(2024)
    first = END - timedelta(weeks=WEEKS) + timedelta(days=1)
    cases = [Filters(first, END), Filters(first - timedelta(days=9), END + timedelta(days=3))]
    for _ in range(6):
        start = first + timedelta(days=rng.randrange(-5, 60))
        end = start + timedelta(days=rng.randrange(0, 45))
        segments = {dim: rng.choice(values) for dim, values in SEGMENT_VALUES.items() if rng.random() < 0.3}
        cases.append(Filters(start, end, **segments))
    return cases


@pytest.mark.parametrize("filters", _cases(),
                         ids=lambda f: f"{f.start}..{f.end}-{f.size}-{f.sector}-{f.nation}")
def test_every_metric_matches_the_oracle(demo: tuple[Connection, Oracle], filters: Filters) -> None:
    conn, oracle = demo
    for name, metric in m.METRICS.items():
        for by in (None, *BREAKDOWNS):
            got = metric(conn, filters, by)
            expected = getattr(oracle, name)(filters, by)
            if by is None:
                expected = {m.TOTAL: expected["all"]}
            assert got == expected, (name, by)


def test_a_breakdown_group_equals_the_same_filter(demo: tuple[Connection, Oracle]) -> None:
    conn, _ = demo
    filters = Filters(END - timedelta(days=40), END - timedelta(days=3), nation="england")
    for name, metric in m.METRICS.items():
        for by in ("size", "sector"):
            for group, row in metric(conn, filters, by).items():
                narrowed = Filters(filters.start, filters.end, nation="england", **{by: group})
                assert metric(conn, narrowed, None)[m.TOTAL] == row, (name, by, group)


def test_visitor_counts_of_a_breakdown_add_up(demo: tuple[Connection, Oracle]) -> None:
    conn, _ = demo
    filters = Filters(END - timedelta(days=50), END)
    total = m.reach(conn, filters)[m.TOTAL]
    for by in ("size", "sector", "nation"):
        rows = m.reach(conn, filters, by).values()
        for measure in ("unique_visitors", "new_visitors", "returning_visitors", "conversations"):
            assert sum(row[measure] for row in rows) == total[measure]
    plans = m.commitment_rate(conn, filters)[m.TOTAL]
    assert sum(r["visitors_with_plan"] for r in m.commitment_rate(conn, filters, "sector").values()) == \
        plans["visitors_with_plan"]


@pytest.mark.postgres
def test_sqlite_and_postgresql_give_identical_results(request: pytest.FixtureRequest, tmp_path: Path,
                                                      migrated_template: Path) -> None:
    """The same demo data on both databases: the same report, examples and export, to the byte."""
    first = END - timedelta(weeks=6) + timedelta(days=1)
    cases = [Filters(first, END),
             Filters(first + timedelta(days=9), END - timedelta(days=4), sector="retail")]
    results: dict[str, tuple[list[dict[str, Any]], str]] = {}
    for kind in ("sqlite", "postgresql"):
        for new in databases(kind, request, tmp_path / kind, migrated_template):
            engine = create_engine(new())
            try:
                generate(engine, turns=3000, seed=11, weeks=6, end=END, progress=False)
                with engine.connect() as conn:
                    reports = [m.full_report(conn, filters) for filters in cases]
                    exported = io.StringIO()
                    export_turns(conn, cases[1], exported)
                results[kind] = (reports, exported.getvalue())
            finally:
                engine.dispose()
    assert results["sqlite"][0] == results["postgresql"][0]
    assert results["sqlite"][1] == results["postgresql"][1]
    assert results["sqlite"][0][0]["unanswered_examples"]  # something was compared
