"""Load through nginx against one Rasa server and against two (the scaled-out topology).

    python -m bench.scaled_load [--users 10 20 40 80] [--duration 45] [--max-requests 4000]
                                [--think 0.5 1.5] [--p95-target 1000] [--rounds 1]
                                [--rasa-cpu-share 0.5] [--write BENCHMARKS.md]

For each configuration (one Rasa server, then two) it starts `bot run-scaled` as
`make run-scaled` does (PostgreSQL, Redis, two action servers, web, ingestion, nginx) on
free loopback ports, each Rasa server pinned to a core of its own with taskset (CPU 0, then
CPUs 0 and 1). Simulated users hold realistic conversations (its own sender id each, and a
message_id with each message as the widget sends) with a random think time between
messages; each level runs until its time or request budget is spent. Then it checks that
every answered message is in the tracker store and in the analytics record (lost turns),
reads CPU time per process from /proc and stops everything.
The load generator is this process, an asyncio/aiohttp client, on the same machine.

On two cores the second whole-core server takes the core the support services had, so the
ratio measures the machine. ``--rasa-cpu-share F`` also holds each Rasa server to F of its
core (a cgroup quota, ``bench/cpu_budget.py``), so the support services keep room of their
own in both configurations, as on separate machines; its results get a section of their own.

On a shared two-core machine one configuration's capacity moves by 10% or more from run
to run, so ``--rounds N`` measures both configurations N times, alternating which goes
first, and the headline ratio is the median of the rounds' ratios (each round's is shown).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import os
import random
import shlex
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import aiohttp
import sqlalchemy as sa

from bench import report_file
from bench.cpu_budget import PERIOD_US, BudgetError, CpuBudget, check_share, ensure_available
from bench.latency import OURS_SCRIPTS, machine, percentile, wait_until_stable
from bench.procs import BIN, Service, base_env, cpu_ticks_of, descendants, process_table
from bot.paths import PROJECT_ROOT as ROOT
from bot.privacy.pseudonyms import visitor_key
from bot.scaled.layout import free_port, read_run_file

MODEL = ROOT / "models" / "sme-assistant.tar.gz"
START, END = "<!-- scaled-load:start -->", "<!-- scaled-load:end -->"
#: The section for runs with ``--rasa-cpu-share``, kept apart from the whole-core one.
SHARE_START, SHARE_END = "<!-- scaled-load-share:start -->", "<!-- scaled-load-share:end -->"
SECRET = "bench-secret"  # noqa: S105 - HMAC key for throwaway benchmark data
TARGET_RATIO = 1.5
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
#: The profile questions too, so conversations also exercise forms and plans.
SCRIPTS: tuple[tuple[str, ...], ...] = (
    *OURS_SCRIPTS,
    ("we're a small shop in Glasgow", "what should I do first?", "/not_sure", "/not_sure", "/not_sure",
     "we've been hacked", "thanks"),
)


# ---- the topology ------------------------------------------------------------------------

@dataclass
class Topology:
    servers: int
    service: Service
    root: Path
    info: dict[str, Any]

    @property
    def proxy(self) -> str:
        return str(self.info["proxy"])


def start_topology(servers: int, cpus: list[str], cleanup: contextlib.ExitStack,
                   startup: float, cpu_share: float | None = None) -> Topology:
    wait_until_stable(MODEL)
    root = Path(tempfile.mkdtemp(prefix=f"bench-scaled-{servers}-"))
    cleanup.callback(shutil.rmtree, root, True)
    argv = [str(BIN / "bot"), "run-scaled", "--dir", str(root), "--proxy-port", str(free_port()),
            "--rasa-servers", str(servers), "--rasa-cpus", ",".join(cpus)]
    service = Service.start(f"scaled-{servers}", argv, ROOT,
                            base_env({"ANALYTICS_SECRET": SECRET, "BOT_ALLOWED_ORIGINS": ""}))
    cleanup.callback(service.stop)
    described = read_run_file(root, service.alive, startup)
    if described is None:
        service.check()
        raise TimeoutError(f"run-scaled did not start in {startup:.0f}s; see {service.log}")
    service.remember_children()
    if cpu_share is not None:
        budget = cleanup.enter_context(CpuBudget(cpu_share))
        for name, pid in described["pids"].items():
            if name.startswith("rasa-"):
                budget.cap(int(pid), name)
    return Topology(servers, service, root, described)


# ---- CPU from /proc ----------------------------------------------------------------------

def cpu_ticks(pids: dict[str, int]) -> dict[str, int]:
    """CPU ticks used so far by each named process and everything below it."""
    table = process_table()
    result = {name: sum(cpu_ticks_of(p) for p in descendants(pid, table)) for name, pid in pids.items()}
    times = os.times()
    result["load generator"] = int((times.user + times.system) * CLOCK_TICKS)
    return result


def machine_busy() -> tuple[int, int]:
    """(busy, total) ticks of the whole machine since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


# ---- load --------------------------------------------------------------------------------

@dataclass
class Step:
    servers: int
    users: int
    messages: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    replied: Counter[str] = field(default_factory=Counter)  # sender -> answered messages
    cpu_percent: dict[str, float] = field(default_factory=dict)
    machine_percent: float = 0.0

    @property
    def rate(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0

    def p(self, q: float) -> float | None:
        return percentile(self.latencies_ms, q)


async def drive(proxy: str, step: Step, duration: float, budget: int, think: tuple[float, float],
                timeout: float, seed: int) -> None:
    rng = random.Random(seed)  # noqa: S311 - think times, not secrets
    stop_at = time.monotonic() + duration
    sent = 0

    async def user(session: aiohttp.ClientSession) -> None:
        nonlocal sent
        await asyncio.sleep(rng.uniform(0, think[1]))  # do not all start at once
        while time.monotonic() < stop_at and sent < budget:
            sender = f"bench-{uuid.uuid4().hex[:12]}"
            token: str | None = None  # the visitor token of the conversation's first reply
            for text in rng.choice(SCRIPTS):
                if time.monotonic() >= stop_at or sent >= budget:
                    return
                sent += 1
                began = time.perf_counter()
                try:
                    payload = {"sender": sender, "message": text, "message_id": f"m-{uuid.uuid4().hex}"}
                    if token:
                        payload["visitor_token"] = token
                    async with session.post(f"{proxy}/webhooks/rest/webhook", json=payload) as response:
                        token = token or response.headers.get("X-Visitor-Token")
                        body = await response.json(content_type=None)
                        ok = response.status == 200 and isinstance(body, list) and bool(body)
                        problem = f"HTTP {response.status}: {str(body)[:120]}"
                except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
                    ok, problem = False, f"{type(error).__name__}: {error}"[:160]
                if ok:
                    step.latencies_ms.append((time.perf_counter() - began) * 1000)
                    step.replied[sender] += 1
                else:
                    step.errors += 1
                    if len(step.error_samples) < 3:
                        step.error_samples.append(problem)
                await asyncio.sleep(rng.uniform(*think))

    connector = aiohttp.TCPConnector(limit=step.users)
    client_timeout = aiohttp.ClientTimeout(total=timeout)
    began = time.monotonic()
    async with aiohttp.ClientSession(connector=connector, timeout=client_timeout) as session:
        await asyncio.gather(*(user(session) for _ in range(step.users)))
    step.seconds = time.monotonic() - began
    step.messages = len(step.latencies_ms)


def measure(topology: Topology, users: int, args: argparse.Namespace) -> Step:
    pids = {name: int(pid) for name, pid in topology.info["pids"].items() if name != "purge"}
    step = Step(topology.servers, users)
    before, busy_before = cpu_ticks(pids), machine_busy()
    asyncio.run(drive(topology.proxy, step, args.duration, args.max_requests, tuple(args.think),
                      args.timeout, seed=users))
    after, busy_after = cpu_ticks(pids), machine_busy()
    wall_ticks = step.seconds * CLOCK_TICKS
    step.cpu_percent = {name: 100 * (after[name] - before.get(name, 0)) / wall_ticks
                        for name in after}
    busy, total = busy_after[0] - busy_before[0], busy_after[1] - busy_before[1]
    step.machine_percent = 100 * len(os.sched_getaffinity(0)) * busy / total if total else 0.0
    print(f"{topology.servers} server(s), {users} users: {step.messages} answered in "
          f"{step.seconds:.0f}s ({step.rate:.1f}/s), p95 {step.p(95) or 0:.0f} ms, "
          f"{step.errors} errors", file=sys.stderr)
    return step


def lost_turns(topology: Topology, steps: list[Step], wait: float = 120) -> tuple[int, int]:
    """Answered messages missing from the tracker store, and from the analytics record."""
    replied: Counter[str] = Counter()
    for step in steps:
        replied.update(step.replied)
    senders = list(replied)
    if not senders:
        return 0, 0
    tracker = sa.create_engine(topology.info["tracker_store_url"], future=True)
    analytics = sa.create_engine(topology.info["analytics_url"], future=True)
    keys = {visitor_key(sender, SECRET): sender for sender in senders}
    in_list = sa.bindparam("values", expanding=True)
    try:
        with tracker.connect() as connection:
            rows = connection.execute(sa.text(
                "select sender_id, count(*) from events where type_name = 'user' "
                "and sender_id in :values group by sender_id").bindparams(in_list),
                {"values": senders}).all()
        stored = Counter({sender: count for sender, count in rows})
        deadline = time.monotonic() + wait
        while True:
            with analytics.connect() as connection:
                rows = connection.execute(sa.text(
                    "select visitor_key, count(*) from turns where visitor_key in :values "
                    "group by visitor_key").bindparams(in_list), {"values": list(keys)}).all()
            recorded = Counter({keys[key]: count for key, count in rows})
            missing = sum(max(0, replied[s] - recorded[s]) for s in senders)
            if missing == 0 or time.monotonic() > deadline:
                break
            time.sleep(2)
    finally:
        tracker.dispose()
        analytics.dispose()
    return sum(max(0, replied[s] - stored[s]) for s in senders), missing


# ---- report ------------------------------------------------------------------------------

def fmt(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


#: Extra p95 limits at which the report also reads the two-to-one ratio.
OTHER_P95_LIMITS = (250.0, 500.0)


def best_within(steps: list[Step], p95_target: float) -> Step | None:
    """The step with the highest throughput whose p95 met the target and had no errors."""
    fitting = [s for s in steps if s.errors == 0 and (s.p(95) or 0) <= p95_target]
    return max(fitting, key=lambda s: s.rate) if fitting else None


def cpu_cell(step: Step) -> str:
    order = ["rasa-1", "rasa-2", "actions-1", "actions-2", "postgres", "nginx", "redis", "web",
             "ingest", "load generator"]
    parts = [f"{name} {step.cpu_percent[name]:.0f}" for name in order if name in step.cpu_percent]
    return ", ".join(parts)


def bound_by(step: Step, cpu_share: float | None = None) -> str:
    """Name what held the throughput, from the CPU figures of the level."""
    rasa = {k: v for k, v in step.cpu_percent.items() if k.startswith("rasa-")}
    ours = sum(step.cpu_percent.values())
    cpus = len(os.sched_getaffinity(0))
    rasa_text = " and ".join(f"{name} {value:.0f}%" for name, value in sorted(rasa.items()))
    allowed = 100 * (cpu_share or 1.0)
    if rasa and min(rasa.values()) >= 0.85 * allowed:
        limit = "its core" if cpu_share is None else f"its {allowed:.0f}% budget"
        return f"the Rasa servers, each near all of {limit} ({rasa_text})"
    if step.machine_percent >= 85 * cpus:
        return (f"CPU time: the machine's {cpus} cores were all busy ({step.machine_percent:.0f}%), "
                f"the topology and load generator used {ours:.0f}% of that ({rasa_text}), the rest "
                "was other work on the machine, so the Rasa servers waited for their cores")
    return f"latency, not CPU: cores not saturated ({rasa_text}; machine {step.machine_percent:.0f}%)"


def round_order(servers: Sequence[int], round_index: int) -> list[int]:
    """Alternate which configuration goes first, so drift on the machine hits both alike."""
    return list(servers) if round_index % 2 == 0 else list(reversed(servers))


def markdown(rounds: list[dict[int, list[Step]]], lost: dict[int, tuple[int, int]],
             args: argparse.Namespace, argv: Sequence[str], load_before: str) -> str:
    cpus, cpu_model, memory = machine()
    command = shlex.join(["python", "-m", "bench.scaled_load", *argv])
    share = args.rasa_cpu_share
    if share is None:
        title, target = "## Scaled out: one Rasa server against two behind nginx", "make bench-scaled"
        placement = ("each pinned to a core of its own (`taskset`: CPU 0; CPUs 0 and 1). Everything "
                     "else, the load generator included, shares the same cores.")
    else:
        title = (f"## Scaled out with a fixed CPU budget: each Rasa server held to {share:.0%} of "
                 "a core")
        target = "make bench-scaled-share"
        placement = (f"each pinned to a core of its own (`taskset`: CPU 0; CPUs 0 and 1) and held "
                     f"to {share:.0%} of that core by a cgroup CPU quota ({PERIOD_US // 1000} ms "
                     "period). The rest of each core is left to everything else, the load "
                     "generator included, in both configurations alike, as if the support "
                     "services had machines of their own.")
    lines = [
        SHARE_START if share is not None else START,
        title,
        "",
        f"Measured {dt.date.today():%Y-%m-%d} with `{target}` (`{command}`) on "
        f"{cpus} CPUs ({cpu_model}{memory}). Load average when it started: {load_before}. "
        + report_file.machine_load_note(float(load_before.split()[0]), cpus),
        "",
        "Each configuration is `bot run-scaled` (PostgreSQL tracker store, Redis lock store, "
        "two action servers, web, ingestion, nginx in front) with one or two Rasa servers, "
        + placement + " Each simulated user holds realistic "
        "conversations (topic questions, follow-ups, a business description, profile questions, "
        "an incident) with a think time of "
        f"{args.think[0]:g}-{args.think[1]:g} s between messages; a level runs for "
        f"{args.duration:g} s or {args.max_requests} requests. Latency is to the whole REST "
        f"reply through nginx ({args.timeout:g} s timeout). Lost turns are answered messages "
        "missing from the tracker store or, after ingestion, from the analytics record. CPU is "
        "% of one core per process tree over the level, from /proc.",
        "",
        "| round | Rasa servers | users | answered | msgs/s | p50 ms | p95 ms | p99 ms | errors | "
        "whole machine CPU % (other work included) | CPU % per process |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for number, results in enumerate(rounds, start=1):
        for servers, steps in results.items():
            for s in steps:
                lines.append(f"| {number} | {servers} | {s.users} | {s.messages} | {s.rate:.1f} | "
                             f"{fmt(s.p(50))} | {fmt(s.p(95))} | {fmt(s.p(99))} | {s.errors} | "
                             f"{s.machine_percent:.0f} | {cpu_cell(s)} |")
    lines += ["", "| Rasa servers | lost turns (tracker store) | lost turns (analytics) |",
              "|---|---|---|"]
    for servers, (tracker, analytics) in lost.items():
        lines.append(f"| {servers} | {tracker} | {analytics} |")
    lines += ["", f"Highest throughput with p95 at or under {args.p95_target:g} ms and no errors:", ""]
    ratios: list[float] = []
    for number, results in enumerate(rounds, start=1):
        one, two = (best_within(results.get(n, []), args.p95_target) for n in (1, 2))
        first = "one server" if next(iter(results), 1) == 1 else "two servers"
        lines.append(f"- round {number} ({first} first):")
        for name, best in (("one server", one), ("two servers", two)):
            lines.append(f"  - {name}: " + (f"{best.rate:.1f} msgs/s at {best.users} users "
                                            f"(p95 {fmt(best.p(95))} ms); bound by "
                                            f"{bound_by(best, share)}"
                                            if best else "no level met it"))
        if one and two:
            ratios.append(two.rate / one.rate)
            lines.append(f"  - ratio two/one: {ratios[-1]:.2f}")
            if two.users == max(args.users):
                lines.append("  - two servers still met the p95 at the most users tried, so their "
                             "capacity is higher than shown: the ratio is a lower bound; raise --users")
    if ratios:
        ratio = statistics.median(ratios)
        met = "met" if ratio >= TARGET_RATIO else "not met"
        spread = f"; rounds {min(ratios):.2f}-{max(ratios):.2f}" if len(ratios) > 1 else ""
        lines.append(f"- ratio two/one, median of {len(ratios)} round(s): **{ratio:.2f}** "
                     f"(target at least {TARGET_RATIO}: {met}{spread})")
    lines += ["", f"The same reading at other p95 limits (the {args.p95_target:g} ms one above is "
              "the target, fixed before measuring):", "",
              "| round | p95 limit ms | one server msgs/s | two servers msgs/s | ratio |",
              "|---|---|---|---|---|"]
    for number, results in enumerate(rounds, start=1):
        for limit in sorted({*OTHER_P95_LIMITS, args.p95_target}):
            low, high = (best_within(results.get(n, []), limit) for n in (1, 2))
            ratio_cell = f"{high.rate / low.rate:.2f}" if low and high else "-"
            lines.append(f"| {number} | {limit:g} | {fmt(low.rate if low else None, 1)} | "
                         f"{fmt(high.rate if high else None, 1)} | {ratio_cell} |")
    samples = [f"- round {number}, {s.servers} server(s), {s.users} users: {sample}"
               for number, results in enumerate(rounds, start=1)
               for steps in results.values() for s in steps for sample in s.error_samples]
    if samples:
        lines += ["", "Sample errors:", "", *samples]
    lines.append(SHARE_END if share is not None else END)
    return "\n".join(lines)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, nargs="+", default=[10, 20, 40, 80],
                        help="simulated users per level (default: 10 20 40 80)")
    parser.add_argument("--duration", type=float, default=45, help="seconds per level (max)")
    parser.add_argument("--max-requests", type=int, default=4000, help="requests per level (max)")
    parser.add_argument("--think", type=float, nargs=2, default=[0.5, 1.5], metavar=("MIN", "MAX"),
                        help="think time between a user's messages, seconds")
    parser.add_argument("--p95-target", type=float, default=1000,
                        help="p95 (ms) at which throughputs are compared")
    parser.add_argument("--timeout", type=float, default=60, help="seconds per request")
    parser.add_argument("--warmup", type=int, default=10, help="warm-up messages per configuration")
    parser.add_argument("--servers", type=int, nargs="+", default=[1, 2], choices=[1, 2])
    parser.add_argument("--rounds", type=int, default=1,
                        help="measure every configuration this many times, alternating the order")
    parser.add_argument("--rasa-cpu-share", type=float, metavar="FRACTION",
                        help="also hold each Rasa server to this fraction of its core (cgroup "
                             "CPU quota, needs root), leaving room for everything else")
    parser.add_argument("--startup-timeout", type=float, default=600)
    parser.add_argument("--write", type=Path, help="update this markdown file's section")
    args = parser.parse_args(argv)
    if args.users and max(args.users) > 500 or args.duration > 600 or args.max_requests > 100_000:
        parser.error("bounded: at most 500 users, 600 s and 100000 requests per level")
    if not 1 <= args.rounds <= 5:
        parser.error("--rounds must be between 1 and 5")
    if args.rasa_cpu_share is not None:
        try:
            check_share(args.rasa_cpu_share)
        except ValueError as error:
            parser.error(f"--rasa-cpu-share: {error}")
    return args


def warm_up(topology: Topology, messages: int) -> None:
    step = Step(topology.servers, 1)
    asyncio.run(drive(topology.proxy, step, 120, messages, (0.0, 0.0), 60, seed=0))


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    if not MODEL.exists():
        print(f"{MODEL} is missing: run `make train` first", file=sys.stderr)
        return 1
    if args.rasa_cpu_share is not None:
        try:
            ensure_available()
        except BudgetError as error:
            print(f"--rasa-cpu-share needs CPU cgroups: {error}", file=sys.stderr)
            return 1
    load_before = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    rounds: list[dict[int, list[Step]]] = []
    lost: dict[int, tuple[int, int]] = {servers: (0, 0) for servers in args.servers}
    for round_index in range(args.rounds):
        results: dict[int, list[Step]] = {}
        for servers in round_order(args.servers, round_index):
            print(f"Round {round_index + 1} of {args.rounds}: {servers} Rasa server(s)", file=sys.stderr)
            with contextlib.ExitStack() as cleanup:
                cpus = [str(i) for i in range(servers)]
                topology = start_topology(servers, cpus, cleanup, args.startup_timeout,
                                          args.rasa_cpu_share)
                warm_up(topology, args.warmup)
                results[servers] = [measure(topology, users, args) for users in args.users]
                tracker, analytics = lost_turns(topology, results[servers])
                lost[servers] = (lost[servers][0] + tracker, lost[servers][1] + analytics)
        rounds.append(results)
    section = markdown(rounds, lost, args, argv, load_before)
    print(section)
    if args.write:
        markers = (START, END) if args.rasa_cpu_share is None else (SHARE_START, SHARE_END)
        report_file.write_section(args.write, section, *markers)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
