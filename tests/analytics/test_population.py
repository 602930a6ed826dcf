"""Uptake per 1,000 businesses against the population file, on a real database."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.analytics.filters import Filters
from bot.analytics.population import POPULATION_FILE, load, ratios
from bot.analytics.rollups.refresh import refresh_rollups
from bot.storage.database import create_engine
from bot.storage.models import Conversation

DAY = date(2025, 3, 4)


def test_the_shipped_file_is_the_official_release() -> None:
    population = load(POPULATION_FILE)
    assert population.url.startswith("https://www.gov.uk/government/statistics/business-population-estimates-2025")
    assert population.publisher == "Department for Business and Trade"
    sizes = {group.label: group for group in population.groups["size"]}
    assert [group.businesses for group in sizes.values()] == [5_640_000, 38_435]
    assert next(iter(sizes.values())).rounded


def test_reach_per_thousand_and_the_lowest_group(analytics_url: str, tmp_path: Path) -> None:
    file = tmp_path / "population.yml"
    file.write_text(POPULATION_FILE.read_text(encoding="utf-8").replace("nation: []", (
        "nation:\n  - label: Scotland\n    values: [scotland]\n    businesses: 2000\n"
        "  - label: Wales\n    values: [wales]\n    businesses: 1000\n")), encoding="utf-8")
    engine = create_engine(analytics_url)
    businesses = [("micro", "scotland"), ("micro", "scotland"), ("small", "wales"), ("medium", "wales")]
    with engine.begin() as conn:
        for number, (size, nation) in enumerate(businesses):
            conn.execute(sa.insert(Conversation.__table__).values(
                conversation_key=f"{number:064d}", visitor_key=f"{number:064x}", channel="rest",
                started_at=datetime(2025, 3, 4, 9 + number), last_at=datetime(2025, 3, 4, 10 + number),
                user_turns=1, got_plan=number == 0, size=size, nation=nation))
        refresh_rollups(conn, full=True)
    try:
        with engine.connect() as conn:
            found = ratios(conn, Filters(DAY, DAY), load(file))
    finally:
        engine.dispose()
    small, medium = found["size"]
    assert (small["reach"], medium["reach"]) == (3, 1)
    assert small["reach_per_1000"] == pytest.approx(3 * 1000 / 5_640_000)
    assert medium["reach_per_1000"] == pytest.approx(1000 / 38_435)
    assert small["lowest"] and not medium["lowest"]
    assert small["plans_delivered"] == 1 and medium["plans_delivered"] == 0
    scotland, wales = found["nation"]
    assert scotland["reach_per_1000"] == pytest.approx(1.0) and wales["reach_per_1000"] == pytest.approx(2.0)
    assert scotland["lowest"]
    assert found["sector"] == []  # not in the file: no ratio is made up
