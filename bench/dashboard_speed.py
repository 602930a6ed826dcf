"""How fast the staff dashboard renders every page with one million recorded turns on SQLite.

    python -m bench.dashboard_speed [--write BENCHMARKS.md] [--check] [--turns N] [--runs N]

Targets at 1M turns: every page's median server time under 500 ms, and the 95th
percentile under 300 ms for the overview (with the previous-period comparison), the
population ratios (Segments), the incidents view and the unanswered groups (issue 20).

Data is the metric-scale data set of ``bench.metrics_scale`` (``bot.analytics.demo_data``,
seed 1, 26 weeks ending 2025-06-29), in the same file ``build/bench-metrics/turns-<N>.db``,
reused while its parameters and the generator are unchanged and generated otherwise. The
bench migrates it (staff tables and the dashboard's indexes), refreshes the rollups, adds
a throwaway admin account, starts the real web process (``bot web``) on a free port,
signs in through the form and requests every page, for the two scenarios of
``bench.metrics_scale``. Server time is the ``Server-Timing`` header the dashboard adds
(request in to response out: queries and template rendering); client time adds HTTP on
loopback. Medians and 95th percentiles of ``--runs`` requests after one warm-up each.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import sqlite3
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import requests

from bench import report_file
from bench.metrics_scale import DATA_END, SEED, WEEKS, scenarios, sqlite_dataset
from bench.procs import start_web
from bot.analytics.filters import Filters
from bot.web.staff import accounts

START, END = "<!-- dashboard:start -->", "<!-- dashboard:end -->"
LIMIT_MS = 500.0
P95_LIMIT_MS = 300.0
TURNS = 1_000_000
USER, PASSWORD = "bench.admin", "bench password only for this run"  # noqa: S105 - throwaway account
BIN = Path(sys.executable).parent
#: Pages (path, label); ``{conversation}`` is filled with a conversation in the range.
PAGES = (
    ("/staff/", "Overview"),
    ("/staff/?interval=month", "Overview, monthly trend"),
    ("/staff/segments", "Segments and population ratios"),
    ("/staff/topics", "Topics and steps"),
    ("/staff/incidents", "Incidents"),
    ("/staff/unanswered", "Unanswered (page 1)"),
    ("/staff/unanswered?view=training", "Unanswered, training examples"),
    ("/staff/unanswered?page=5", "Unanswered (page 5)"),
    ("/staff/conversations", "Conversations (page 1)"),
    ("/staff/conversations?page=100", "Conversations (page 100)"),
    ("/staff/conversations/{conversation}", "Transcript"),
    ("/staff/exports", "Exports"),
    ("/staff/admin/staff", "Staff accounts"),
    ("/staff/admin/retention", "Retention"),
    ("/staff/admin/audit", "Audit log"),
)
#: Pages held to the 95th-percentile target.
P95_PAGES = frozenset({"Overview", "Overview, monthly trend", "Segments and population ratios", "Incidents",
                       "Unanswered (page 1)"})
#: Downloads are not pages, but are timed too for information.
DOWNLOADS = (("/staff/export/funnel.csv", "funnel.csv"), ("/staff/export/steps.csv", "steps.csv"),
             ("/staff/export/unanswered.csv", "unanswered.csv"),
             ("/staff/export/headline.xlsx", "headline.xlsx"))


@dataclass
class Timing:
    label: str
    server_ms: list[float]
    client_ms: list[float]

    @property
    def server(self) -> float:
        return statistics.median(self.server_ms)

    @property
    def client(self) -> float:
        return statistics.median(self.client_ms)

    @property
    def p95(self) -> float:
        """95th percentile of the server times (inclusive: never above the slowest)."""
        if len(self.server_ms) < 2:
            return max(self.server_ms)
        return statistics.quantiles(self.server_ms, n=20, method="inclusive")[-1]


def prepare(turns: int) -> tuple[Path, str]:
    """The metric-scale database of ``turns`` turns (reused or generated), with an admin login."""
    path, engine, how = sqlite_dataset(turns)
    try:
        with engine.begin() as connection:
            now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
            if accounts.find(connection, USER) is None:
                accounts.add(connection, USER, "admin", PASSWORD, now)
            else:
                accounts.set_active(connection, USER, True)
                accounts.reset_password(connection, USER, PASSWORD, now)
    finally:
        engine.dispose()
    return path, how


def sign_in(url: str) -> requests.Session:
    session = requests.Session()
    form = session.get(f"{url}/staff/login", timeout=60).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token is not None
    answer = session.post(f"{url}/staff/login", timeout=60, allow_redirects=False,
                          data={"csrf_token": token.group(1), "username": USER, "password": PASSWORD})
    if answer.status_code != 302:
        raise SystemExit(f"sign-in failed with {answer.status_code}")
    return session


def conversation_in(path: Path, filters: Filters) -> int:
    """A conversation in the middle of the scenario's range, for the transcript page."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        row = connection.execute(
            "SELECT id FROM conversations WHERE started_at >= ? ORDER BY started_at LIMIT 1",
            ((filters.start + (filters.end - filters.start) / 2).isoformat(),)).fetchone()
    return int(row[0])


def timed(session: requests.Session, url: str, label: str, runs: int) -> Timing:
    timing = Timing(label, [], [])
    for attempt in range(runs + 1):
        started = time.perf_counter()
        answer = session.get(url, timeout=120)
        elapsed = (time.perf_counter() - started) * 1000
        if answer.status_code != 200:
            raise SystemExit(f"{url} answered {answer.status_code}")
        found = re.search(r"dur=([0-9.]+)", answer.headers.get("Server-Timing", ""))
        if found is None:
            raise SystemExit(f"{url} sent no Server-Timing header")
        if attempt:  # the first request is a warm-up
            timing.server_ms.append(float(found.group(1)))
            timing.client_ms.append(elapsed)
    return timing


def query(filters: Filters) -> str:
    values = {"period": "custom", "from": filters.start.isoformat(), "to": filters.end.isoformat()}
    values.update({d: v for d in ("size", "sector", "nation") if (v := filters.segment(d)) is not None})
    return urlencode(values)


def measure(path: Path, url: str, runs: int) -> dict[str, list[Timing]]:
    session = sign_in(url)
    results: dict[str, list[Timing]] = {}
    for name, filters in scenarios().items():
        chosen = query(filters)
        conversation = conversation_in(path, filters)
        rows = []
        for page, label in (*PAGES, *DOWNLOADS):
            target = page.format(conversation=conversation)
            joiner = "&" if "?" in target else "?"
            rows.append(timed(session, f"{url}{target}{joiner}{chosen}", label, runs))
        results[name] = rows
    return results


def markdown(results: dict[str, list[Timing]], turns: int, database: str, prepared: str, runs: int,
             load: tuple[float, float, float], failures: list[str]) -> str:
    names = list(results)
    lines = [
        START, "## Staff dashboard at a million turns", "",
        f"Measured {dt.date.today().isoformat()} with `python -m bench.dashboard_speed` "
        f"(`make bench-dashboard`) on {os.cpu_count()} CPUs ({platform.machine()}, "
        f"Python {platform.python_version()}), {database}. "
        f"Data: the metric-scale set ({turns:,} turns, seed {SEED}, {WEEKS} weeks to {DATA_END}; "
        f"{prepared}). "
        "The real web process (`bot web`, one worker) served each page to a signed-in admin; server time is "
        "the dashboard's `Server-Timing` (request in to response out: queries and template), client time "
        f"adds HTTP on loopback. Median of {runs} requests after one warm-up, in milliseconds (95th "
        f"percentile in brackets). Every page also sets its figures beside the previous equal period. "
        f"Load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} at the start. "
        + report_file.machine_load_note(load[0], os.cpu_count()), "",
        "Scenarios: " + "; ".join(f"*{n}*: {f.start} to {f.end}" + "".join(
            f", {d} {v}" for d in ("size", "sector", "nation") if (v := f.segment(d)) is not None)
            for n, f in scenarios().items()) + ".", "",
        "| page | " + " | ".join(f"{n}: server | client" for n in names) + " | target |",
        "|---|" + "---|---|" * len(names) + "---|",
    ]
    labels = [label for _, label in PAGES]
    for index, (_, label) in enumerate((*PAGES, *DOWNLOADS)):
        cells = []
        for name in names:
            timing = results[name][index]
            cells.append(f"{timing.server:.0f} ({timing.p95:.0f}) | {timing.client:.0f}")
        target = f"< {LIMIT_MS:.0f} ms" if label in labels else "download, no target"
        if label in P95_PAGES:
            target += f", p95 <= {P95_LIMIT_MS:.0f} ms"
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {target} |")
    lines += ["", "Targets (every page's median server time under 500 ms; the 95th percentile at most "
              "300 ms for the overview, population ratios, incidents and unanswered groups): "
              + ("met." if not failures else "missed: " + "; ".join(failures) + "."), END]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", type=Path, help="update this markdown file's dashboard section")
    parser.add_argument("--check", action="store_true", help="exit 1 when a page misses the target")
    parser.add_argument("--turns", type=int, default=TURNS, help="size of the data set (default 1,000,000)")
    parser.add_argument("--runs", type=int, default=20, help="timed requests per page (median, p95)")
    args = parser.parse_args(argv)
    load = os.getloadavg()
    path, prepared = prepare(args.turns)
    database = f"SQLite {sqlite3.sqlite_version}, {path.stat().st_size / 2**20:,.0f} MiB"
    web, url = start_web({**os.environ, "DATABASE_URL": f"sqlite:///{path}"})
    try:
        results = measure(path, url, args.runs)
    finally:
        web.stop(grace=20)
    pages = {label for _, label in PAGES}
    failures = [f"{timing.label} ({name}) {timing.server:.0f} ms" for name, rows in results.items()
                for timing in rows if timing.label in pages and timing.server >= LIMIT_MS]
    failures += [f"{timing.label} ({name}) p95 {timing.p95:.0f} ms" for name, rows in results.items()
                 for timing in rows if timing.label in P95_PAGES and timing.p95 > P95_LIMIT_MS]
    section = markdown(results, args.turns, database, prepared, args.runs, load, failures)
    print(section)
    if args.write:
        report_file.write_section(args.write, section, START, END)
    return 1 if failures and args.check else 0


if __name__ == "__main__":
    raise SystemExit(main())
