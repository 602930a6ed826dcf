"""Uptake against the UK business population: reach, plans and steps per 1,000 businesses.

The population comes from ``data/population/business_population.yml``, the Department
for Business and Trade's business population estimates, with the release's name, date
and address in the file. A newer year replaces the file; no code changes. Each entry
names the assistant's segment values it covers (``bands``, or ``values``), because the
official groups are not always the assistant's own (the headline release gives "0 to 49
employees" as one figure, which covers sole traders, micro and small firms). A group the
file does not hold (sectors and nations until their counts are copied in) shows no ratio
rather than a made-up one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.analytics import dashboard
from bot.analytics.filters import Filters
from bot.analytics.rollups.refresh import Connectable
from bot.paths import PROJECT_ROOT

POPULATION_FILE = PROJECT_ROOT / "data" / "population" / "business_population.yml"
DIMENSIONS = ("size", "sector", "nation")
#: Figures given per 1,000 businesses of the population.
MEASURES = ("reach", "plans_delivered", "commitments", "reported_done")
PER = 1000


@dataclass(frozen=True)
class Group:
    label: str
    values: tuple[str, ...]  # the segment values it covers
    businesses: int
    rounded: bool


@dataclass(frozen=True)
class Population:
    source: str
    publisher: str
    url: str
    published: str
    counted_at: str
    groups: dict[str, tuple[Group, ...]]


def load(path: Path = POPULATION_FILE) -> Population:
    """The population file, checked: every group has a label, values and a positive count."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    groups: dict[str, tuple[Group, ...]] = {}
    for dimension in DIMENSIONS:
        entries = []
        for entry in raw.get(dimension) or []:
            values = tuple(entry.get("bands") or entry.get("values") or ())
            businesses = entry.get("businesses")
            if not entry.get("label") or not values or not isinstance(businesses, int) or businesses <= 0:
                raise ValueError(f"{path}: a {dimension} entry needs a label, its values and a count")
            entries.append(Group(str(entry["label"]), tuple(str(v) for v in values), businesses,
                                 bool(entry.get("rounded"))))
        groups[dimension] = tuple(entries)
    for key in ("source", "publisher", "url", "published", "counted_at"):
        if not raw.get(key):
            raise ValueError(f"{path}: {key} is missing")
    return Population(str(raw["source"]), str(raw["publisher"]), str(raw["url"]), str(raw["published"]),
                      str(raw["counted_at"]), groups)


@lru_cache(maxsize=1)
def default_population() -> Population:
    return load()


def ratios(conn: Connectable, filters: Filters, population: Population | None = None,
           segments: Mapping[str, list[dict[str, Any]]] | None = None) -> dict[str, list[dict[str, Any]]]:
    """Per dimension, per population group: the counts and each per 1,000 businesses.

    The group with the lowest reach per 1,000 is flagged ``lowest``. ``segments`` are
    :func:`bot.analytics.dashboard.segments` rows already read for these filters (the
    Segments page has them), so they are not read twice.
    """
    population = population or default_population()
    out: dict[str, list[dict[str, Any]]] = {}
    for dimension in DIMENSIONS:
        groups = population.groups.get(dimension, ())
        if not groups:
            out[dimension] = []
            continue
        rows_read = (segments or {}).get(dimension)
        if rows_read is None:
            rows_read = dashboard.segments(conn, filters, dimension)
        by_value = {row["segment"]: row for row in rows_read}
        rows = []
        for group in groups:
            counts = {measure: sum(by_value.get(value, {}).get(measure) or 0 for value in group.values)
                      for measure in MEASURES}
            row: dict[str, Any] = {"group": group.label, "values": ", ".join(group.values),
                                   "businesses": group.businesses, "rounded": group.rounded, **counts}
            for measure in MEASURES:
                row[f"{measure}_per_1000"] = PER * counts[measure] / group.businesses
            rows.append(row)
        lowest = min(rows, key=lambda row: row["reach_per_1000"])
        for row in rows:
            row["lowest"] = row is lowest and len(rows) > 1
        out[dimension] = rows
    return out
