"""How the uptake metrics scale: every metric query and the full report at 10k and 1M turns.

    python -m bench.metrics_scale [--write BENCHMARKS.md] [--check] [--database-url URL] [--note TEXT]

Targets: on SQLite every metric query and the full report answer in under 500 ms at one
million turns, and the full report at 1M turns takes at most 5 times as long as at 10k.

Data is ``bot.analytics.demo_data`` (fixed seed, 26 weeks ending 2025-06-29), written to
``build/bench-metrics/turns-<N>.db`` and reused while the generator and the parameters are
unchanged (a JSON file beside each database records them); rollups are refreshed, and
rebuilt if the rollup code changed. Timings are medians of ``--runs`` runs after one
warm-up, so they are warm-cache figures, as for a reporting server answering staff.

Two scenarios: the whole range with no filter (the programme report), and a range that
starts and ends mid-week with a sector and nation filter (edges come from day cells).

``--database-url`` measures another database (PostgreSQL) the same way. A PostgreSQL
database holds one data set at a time, so each size is generated afresh into it: give a
database of its own, never one with ingested data (the bench refuses). After generating,
the bench runs ``VACUUM ANALYZE`` (what autovacuum would soon do on a server), so the
planner has statistics. Its figures go to their own section of the markdown file
(``<!-- metrics-postgres:start -->``), never over the SQLite one; ``--note`` adds a line
saying how the server was set up.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import shlex
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bench import report_file
from bot.analytics import demo_data, metrics
from bot.analytics.filters import BREAKDOWNS, Filters
from bot.analytics.rollups.refresh import refresh_rollups
from bot.paths import PROJECT_ROOT
from bot.storage.database import create_engine, describe, upgrade
from bot.storage.models import Base, IngestState
from bot.storage.rollups import RollupBase

OUT_DIR = PROJECT_ROOT / "build" / "bench-metrics"
START, END = "<!-- metrics:start -->", "<!-- metrics:end -->"
#: The section of figures measured with --database-url (PostgreSQL).
PG_START, PG_END = "<!-- metrics-postgres:start -->", "<!-- metrics-postgres:end -->"
LIMIT_MS = 500.0
MAX_RATIO = 5.0
SEED, WEEKS, DATA_END = 1, 26, dt.date(2025, 6, 29)
SIZES = (10_000, 1_000_000)
#: Code whose change makes a stored database or its rollups stale.
DATA_CODE = ("bot/analytics/demo_data.py",)
ROLLUP_CODE = ("bot/analytics/rollups/measures.py", "bot/analytics/rollups/refresh.py",
               "bot/analytics/rollups/maintain.py", "bot/storage/rollups.py")


def _fingerprint(paths: tuple[str, ...]) -> str:
    digest = hashlib.sha256()
    for name in paths:
        digest.update((PROJECT_ROOT / name).read_bytes())
    return digest.hexdigest()[:16]


def scenarios() -> dict[str, Filters]:
    first = DATA_END - dt.timedelta(weeks=WEEKS) + dt.timedelta(days=1)
    return {
        "whole range, no filter": Filters(first, DATA_END),
        "mid-week range, sector and nation filter": Filters(
            first + dt.timedelta(days=16), DATA_END - dt.timedelta(days=9), sector="retail",
            nation="england"),
    }


@dataclass
class Measured:
    turns: int
    database: str
    prepared: str  # how the data got there
    report_ms: dict[str, float] = field(default_factory=dict)  # scenario -> full report
    queries_ms: dict[str, dict[str, float]] = field(default_factory=dict)  # scenario -> query -> ms


def _median_ms(action: Callable[[], Any], runs: int) -> float:
    action()  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _measure(engine: Engine, runs: int, into: Measured) -> None:
    with engine.connect() as connection:
        for name, filters in scenarios().items():
            queries: dict[str, float] = {}
            for metric_name, metric in metrics.METRICS.items():
                for by in (None, *BREAKDOWNS):
                    queries[f"{metric_name} {by or 'total'}"] = _median_ms(
                        partial(metric, connection, filters, by), runs)
            queries["unanswered_examples"] = _median_ms(
                partial(metrics.unanswered_examples, connection, filters), runs)
            into.queries_ms[name] = queries
            into.report_ms[name] = _median_ms(partial(metrics.full_report, connection, filters), runs)


def _generate(engine: Engine, turns: int) -> str:
    started = time.perf_counter()
    summary = demo_data.generate(engine, turns=turns, seed=SEED, weeks=WEEKS, end=DATA_END, progress=True)
    return (f"generated {summary.turns:,} turns, {summary.conversations:,} conversations and rollups in "
            f"{time.perf_counter() - started:.0f} s")


def sqlite_dataset(turns: int) -> tuple[Path, Engine, str]:
    """The SQLite database of ``turns`` synthetic turns: reused when its parameters match, else made.

    A reused database is migrated and its rollups refreshed, so it serves every benchmark that
    reads it (this one and the dashboard's). Returns its path, an engine and how it was prepared.
    """
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    path = OUT_DIR / f"turns-{turns}.db"
    params_file = path.with_suffix(".json")
    wanted = {"turns": turns, "seed": SEED, "weeks": WEEKS, "end": DATA_END.isoformat(),
              "data_code": _fingerprint(DATA_CODE)}
    recorded = json.loads(params_file.read_text()) if params_file.exists() else {}
    reuse = path.exists() and {k: recorded.get(k) for k in wanted} == wanted
    if not reuse:
        for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            stale.unlink(missing_ok=True)
    engine = create_engine(f"sqlite:///{path}")
    try:
        started = time.perf_counter()
        upgrade(engine)
        if reuse:
            with engine.begin() as connection:
                refresh_rollups(connection, full=recorded.get("rollup_code") != _fingerprint(ROLLUP_CODE))
            prepared = f"reused, migrated and rollups refreshed in {time.perf_counter() - started:.1f} s"
        else:
            prepared = _generate(engine, turns)
        params_file.write_text(json.dumps({**wanted, "rollup_code": _fingerprint(ROLLUP_CODE)}, indent=2))
    except BaseException:
        engine.dispose()
        raise
    return path, engine, prepared


def _sqlite(turns: int, runs: int) -> Measured:
    path, engine, prepared = sqlite_dataset(turns)
    try:
        measured = Measured(turns, f"SQLite {sqlite3.sqlite_version}, {path.stat().st_size / 2**20:,.0f} MiB",
                            prepared)
        _measure(engine, runs, measured)
    finally:
        engine.dispose()
    return measured


def _other(url: str, turns: int, runs: int) -> Measured:
    engine = create_engine(url)
    try:
        upgrade(engine)
        with engine.begin() as connection:
            if connection.execute(sa.select(sa.func.count()).select_from(IngestState.__table__)).scalar():
                raise SystemExit(f"{describe(url)} holds ingested data; give the bench a database of its own")
            RollupBase.metadata.drop_all(connection)
            tables = list(reversed(Base.metadata.sorted_tables))
            if connection.dialect.name == "postgresql":  # gives the space back, restarts ids
                connection.exec_driver_sql(
                    f"TRUNCATE {', '.join(table.name for table in tables)} RESTART IDENTITY")
            else:
                for table in tables:
                    connection.execute(table.delete())
        prepared = _generate(engine, turns)
        started = time.perf_counter()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql("VACUUM ANALYZE")
                prepared += f"; VACUUM ANALYZE in {time.perf_counter() - started:.0f} s"
            if connection.dialect.name == "postgresql":
                version = connection.execute(sa.text("SELECT version()")).scalar()
                size = connection.execute(sa.text("SELECT pg_database_size(current_database())")).scalar()
                server = f"{str(version).split(' on ')[0]}, {int(size) / 2**20:,.0f} MiB"
            else:
                server = engine.dialect.name
        measured = Measured(turns, f"{server} ({describe(url)})", prepared)
        _measure(engine, runs, measured)
    finally:
        engine.dispose()
    return measured


def _slowest(measured: Measured, scenario: str) -> tuple[str, float]:
    name, ms = max(measured.queries_ms[scenario].items(), key=lambda item: item[1])
    return name, ms


def check(small: Measured, large: Measured) -> list[str]:
    """The targets missed, as sentences (empty when all are met)."""
    failures = []
    for scenario in scenarios():
        for measured in (small, large):
            report = measured.report_ms[scenario]
            if report >= LIMIT_MS:
                failures.append(f"full report at {measured.turns:,} turns ({scenario}) took {report:.0f} ms")
            query, ms = _slowest(measured, scenario)
            if ms >= LIMIT_MS:
                failures.append(f"{query} at {measured.turns:,} turns ({scenario}) took {ms:.0f} ms")
    name = next(iter(scenarios()))
    ratio = large.report_ms[name] / small.report_ms[name]
    if ratio > MAX_RATIO:
        failures.append(f"full report at {large.turns:,} turns is {ratio:.1f}x the {small.turns:,}-turn time")
    return failures


def markdown(small: Measured, large: Measured, failures: list[str], *, other: bool = False,
             command: str = "python -m bench.metrics_scale", note: str = "") -> str:
    start, end = (PG_START, PG_END) if other else (START, END)
    lines = [
        start,
        "## Uptake metrics at scale on PostgreSQL" if other else "## Uptake metrics at scale",
        "",
        f"Measured {dt.date.today().isoformat()} with `{command}` on {os.cpu_count()} "
        f"CPUs ({platform.machine()}, Python {platform.python_version()}), {large.database}. "
        f"Synthetic data from `bot.analytics.demo_data` (seed {SEED}, {WEEKS} weeks to {DATA_END}); "
        "medians of warm runs, in milliseconds. Metrics read the rollup tables "
        "(bot/storage/rollups.py), never `turns`.",
        "",
        *([note, ""] if note else []),
        f"- {small.turns:,} turns: {small.prepared}; {small.database}",
        f"- {large.turns:,} turns: {large.prepared}; {large.database}",
        "",
        f"| scenario | measure | {small.turns:,} turns | {large.turns:,} turns | ratio | target |",
        "|---|---|---|---|---|---|",
    ]
    for scenario in scenarios():
        a, b = small.report_ms[scenario], large.report_ms[scenario]
        target = f"< {LIMIT_MS:.0f} ms, <= {MAX_RATIO:.0f}x" if scenario == next(iter(scenarios())) \
            else f"< {LIMIT_MS:.0f} ms"
        lines.append(f"| {scenario} | full report | {a:.1f} | {b:.1f} | {b / a:.1f}x | {target} |")
        (qa, ma), (qb, mb) = _slowest(small, scenario), _slowest(large, scenario)
        lines.append(f"| {scenario} | slowest metric query | {ma:.1f} ({qa}) | {mb:.1f} ({qb}) | | "
                     f"< {LIMIT_MS:.0f} ms |")
    name = next(iter(scenarios()))
    lines += ["", f"Each metric query at {large.turns:,} turns ({name}; {small.turns:,} turns in brackets):",
              "",
              "| metric | total | by size | by sector | by nation | by week |", "|---|---|---|---|---|---|"]
    for metric in metrics.METRICS:
        cells = []
        for by in ("total", *BREAKDOWNS):
            key = f"{metric} {by}"
            cells.append(f"{large.queries_ms[name][key]:.1f} ({small.queries_ms[name][key]:.1f})")
        lines.append(f"| {metric} | " + " | ".join(cells) + " |")
    examples = "unanswered_examples"
    lines += ["", f"Newest unanswered examples: {large.queries_ms[name][examples]:.1f} ms "
              f"({small.queries_ms[name][examples]:.1f}).", ""]
    lines.append("Targets: all met." if not failures else "Targets missed: " + "; ".join(failures) + ".")
    lines.append(end)
    return "\n".join(lines)


def write_section(path: Path, section: str, *, other: bool = False) -> None:
    report_file.write_section(path, section, *((PG_START, PG_END) if other else (START, END)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", type=Path, help="update this markdown file's metrics section")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--database-url",
                        help="measure this database (e.g. PostgreSQL) instead of SQLite files")
    parser.add_argument("--note", default="",
                        help="a line for the section saying how the database server was set up")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per measurement (median)")
    parser.add_argument("--sizes", type=int, nargs=2, default=SIZES, metavar=("SMALL", "LARGE"),
                        help="turns in the two data sets (default 10000 1000000)")
    args = parser.parse_args(argv)
    measured = []
    for turns in args.sizes:
        print(f"Preparing {turns:,} turns...", file=sys.stderr)
        measured.append(_other(args.database_url, turns, args.runs) if args.database_url
                        else _sqlite(turns, args.runs))
    small, large = measured
    failures = check(small, large)
    other = bool(args.database_url)
    given = list(argv if argv is not None else sys.argv[1:])
    shown = [describe(a) if "://" in a else a for a in given]
    command = shlex.join([".venv/bin/python", "-m", "bench.metrics_scale", *shown])
    if args.note:  # the note is printed as a paragraph of its own, not again in the command
        command = command.replace(shlex.quote(args.note), "<the paragraph below>")
    section = markdown(small, large, failures, other=other, command=command, note=args.note)
    print(section)
    if args.write:
        write_section(args.write, section, other=other)
    if failures:
        print("Metric targets missed: " + "; ".join(failures), file=sys.stderr)
        return 1 if args.check else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
