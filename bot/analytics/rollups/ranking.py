"""Exact "top N questions" without adding up every question text ever asked.

Question texts are open-ended, so summing all of them per group costs as much as there
are distinct texts. A range is a handful of periods (``periods.cover``), and
``rollup_questions`` has an index by count within each period and segment. For each
group of a breakdown:

1. read the ``DEPTH`` most asked texts of every period, plus one more: no text outside a
   period's first ``DEPTH`` was asked more often there than that one (its count is the
   period's ``below``);
2. the candidates are the texts seen in step 1 that could still reach the top N: what
   was seen of them, plus ``below`` of each period where they were not seen, is at least
   the N-th best seen so far. A group of one period needs no more: what was seen is exact;
3. otherwise the candidates' exact counts over the range are summed. A text never seen
   was asked at most ``bound`` = the sum of the periods' ``below`` times, so if the N-th
   best candidate is above ``bound`` (or ``bound`` is 0) the candidates' top N is exact;
4. if not (a small group with many ties), that group is summed in full, which is cheap
   precisely because the group is small.

So the answer is always exact; only the work depends on how skewed the questions are.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.analytics.filters import DIMENSIONS, Breakdown, Filters
from bot.analytics.rollups.cells import group_start, groups, mask_for
from bot.analytics.rollups.periods import SPAN_DAYS, Grain, cover
from bot.storage.rollups import ALL, RollupQuestion

QUESTIONS: sa.Table = RollupQuestion.__table__
#: Texts read per period in step 1, as a multiple of the N asked for.
DEPTH_FACTOR = 3
#: Step 1 subqueries per statement (SQLite allows 500 terms in a compound SELECT).
_PER_STATEMENT = 200

Ranking = list[tuple[str, int]]
Partition = tuple[str, date]


@dataclass
class _Seen:
    """Step 1's view of one group: per period, its best texts and the count just below them."""

    periods: dict[Partition, Ranking] = field(default_factory=dict)
    below: dict[Partition, int] = field(default_factory=dict)


def _segments(filters: Filters) -> dict[str, str | None]:
    return {dimension: filters.segment(dimension) for dimension in DIMENSIONS}


def _group_filters(filters: Filters, by: Breakdown | None, name: str) -> Filters:
    """The filters that select exactly one group of a breakdown."""
    if by in DIMENSIONS:
        return Filters(filters.start, filters.end, **{**_segments(filters), str(by): name})
    if by == "week":
        end = min(filters.end, date.fromisoformat(name) + timedelta(days=6))
        return Filters(group_start(filters, by, name), end, **_segments(filters))
    return filters


def _conditions(filters: Filters) -> list[Any]:
    """One segment cell: every filtered dimension by value, the others summed (``*``)."""
    q = QUESTIONS.c
    conditions = [q.mask == mask_for(filters, None)]
    for dimension in DIMENSIONS:
        value = filters.segment(dimension)
        conditions.append(q[dimension] == (value if value is not None else ALL))
    return conditions


def _partitions(filters: Filters, largest: Grain) -> Iterator[Partition]:
    for piece in cover(filters.start, filters.end, largest):
        period = piece.first
        while period <= piece.last:
            yield piece.grain, period
            period += timedelta(days=SPAN_DAYS[piece.grain])


def _best(counts: Counter[str], top: int) -> Ranking:
    return sorted(((key, n) for key, n in counts.items() if n), key=lambda item: (-item[1], item[0]))[:top]


@lru_cache(maxsize=64)
def _step1_statement(members: int, limit: int) -> Any:
    """``members`` "best texts of one period" subqueries, UNION ALL; values are bound.

    Built once per shape and reused: constructing a few hundred subqueries on every call
    cost more than running them.
    """
    q = QUESTIONS.c
    parts = []
    for i in range(members):
        grain, period = sa.bindparam(f"r{i}", type_=sa.String), sa.bindparam(f"p{i}", type_=sa.Date)
        best = (sa.select(sa.bindparam(f"g{i}", type_=sa.String).label("grp"), grain.label("grain"),
                          period.label("period"), q.key, q.n)
                .where(q.grain == grain, q.period == period,
                       q.mask == sa.bindparam(f"m{i}", type_=sa.Integer),
                       q.size == sa.bindparam(f"s{i}", type_=sa.String),
                       q.sector == sa.bindparam(f"c{i}", type_=sa.String),
                       q.nation == sa.bindparam(f"n{i}", type_=sa.String))
                .order_by(q.n.desc()).limit(limit).subquery())
        parts.append(sa.select(best))
    return parts[0] if members == 1 else sa.union_all(*parts)


def _step1(conn: Connection, filters: Filters, by: Breakdown | None, names: list[str],
           depth: int) -> dict[str, _Seen]:
    largest: Grain = "w" if by == "week" else "b"
    wanted: list[dict[str, Any]] = []
    for name in names:
        single = _group_filters(filters, by, name)
        cell = {dimension: single.segment(dimension) or ALL for dimension in DIMENSIONS}
        for grain, period in _partitions(single, largest):
            wanted.append({"g": name, "r": grain, "p": period, "m": mask_for(single, None),
                           "s": cell["size"], "c": cell["sector"], "n": cell["nation"]})
    read: dict[str, dict[Partition, Ranking]] = {name: {} for name in names}
    for start in range(0, len(wanted), _PER_STATEMENT):
        chunk = wanted[start:start + _PER_STATEMENT]
        params = {f"{letter}{i}": value for i, member in enumerate(chunk) for letter, value in member.items()}
        for name, grain, period, key, n in conn.execute(_step1_statement(len(chunk), depth + 1), params):
            read[name].setdefault((grain, period), []).append((key, int(n)))
    seen = {name: _Seen() for name in names}
    for name, periods in read.items():
        for partition, texts in periods.items():
            texts.sort(key=lambda item: -item[1])  # a UNION ALL need not keep each part's order
            seen[name].periods[partition] = texts[:depth]
            if len(texts) > depth:
                seen[name].below[partition] = texts[depth][1]
    return seen


def _candidates(seen: _Seen, top: int) -> set[str]:
    """Step 2: the texts that can still be in the top ``top``, from step 1 alone."""
    low: Counter[str] = Counter()
    present: dict[str, set[Partition]] = {}
    for period, ranking in seen.periods.items():
        for key, n in ranking:
            low[key] += n
            present.setdefault(key, set()).add(period)
    cut = sorted(low.values(), reverse=True)[top - 1] if len(low) >= top else 0
    return {key for key, n in low.items()
            if n + sum(v for period, v in seen.below.items() if period not in present[key]) >= cut}


def _exact(best: Ranking, bound: int, top: int) -> bool:
    return bound == 0 or (len(best) == top and best[-1][1] > bound)


def top_keys(conn: Connection, filters: Filters, by: Breakdown | None, top: int) -> dict[str, Ranking]:
    """Per group of ``by``: the ``top`` most frequent question texts and their counts, exactly."""
    names = groups(filters, by)
    seen = _step1(conn, filters, by, names, DEPTH_FACTOR * top)
    result: dict[str, Ranking] = {}
    pending: dict[str, set[str] | None] = {}
    for name, state in seen.items():
        bound = sum(state.below.values())
        if len(state.periods) <= 1:
            best = _best(Counter(dict(next(iter(state.periods.values()), []))), top)
            if _exact(best, bound, top):
                result[name] = best
            else:
                pending[name] = None
        else:
            pending[name] = _candidates(state, top)
    if any(wanted is not None for wanted in pending.values()):
        exact = _summed(conn, filters, by, {k: v for k, v in pending.items() if v is not None})
        for name, counts in exact.items():
            best = _best(counts, top)
            if _exact(best, sum(seen[name].below.values()), top):
                result[name] = best
                del pending[name]
            else:
                pending[name] = None
    if pending:
        for name, counts in _summed(conn, filters, by, pending).items():
            result[name] = _best(counts, top)
    return {name: result.get(name, []) for name in names}


def _summed(conn: Connection, filters: Filters, by: Breakdown | None,
            keys: dict[str, set[str] | None]) -> dict[str, Counter[str]]:
    """Steps 3 and 4 in one statement: per group, the range's counts of the given texts
    (of all texts, for a group mapped to None)."""
    q = QUESTIONS.c
    counts: dict[str, Counter[str]] = {name: Counter() for name in keys}
    selects = []
    for name, wanted in keys.items():
        single = _group_filters(filters, by, name)
        extra = [] if wanted is None else [q.key.in_(sorted(wanted))]
        for piece in cover(single.start, single.end, "b"):
            selects.append(sa.select(sa.literal(name, sa.String).label("grp"), q.key, q.n)
                           .where(q.grain == piece.grain, q.period >= piece.first, q.period <= piece.last,
                                  *_conditions(single), *extra))
    if not selects:
        return counts
    union = (selects[0] if len(selects) == 1 else sa.union_all(*selects)).subquery()
    statement = sa.select(union.c.grp, union.c.key, sa.func.sum(union.c.n)).group_by(union.c.grp, union.c.key)
    for name, key, n in conn.execute(statement):
        counts[name][key] += int(n)
    return counts
