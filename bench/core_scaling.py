"""How well the machine itself scales from one core to two, with nothing shared.

    python -m bench.core_scaling [--seconds 20] [--write BENCHMARKS.md]

The scaled-load benchmark finds a Rasa server using more CPU per message when a second
server runs on the other core. This separates the machine from the software: the same
CPU-bound Python loop (building and sorting dicts, like a Rasa server's Python work) runs
alone on CPU 0, then once on each of CPUs 0 and 1 at the same time. If the pair together
do close to twice the work of one, the cores do not slow each other down, and the extra
cost per message comes from what shares a core with each server.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from bench import report_file
from bench.latency import machine
from bot.paths import PROJECT_ROOT as ROOT

START, END = "<!-- core-scaling:start -->", "<!-- core-scaling:end -->"


def unit_of_work() -> int:
    table = {str(i): (i, "x" * (i % 17)) for i in range(2000)}
    return len(sorted(table.items(), key=lambda item: len(item[1][1])))


def work_for(seconds: float) -> dict[str, float]:
    """Repeat the unit of work for ``seconds`` of wall time; say how many were done."""
    start, cpu_start, units = time.monotonic(), time.process_time(), 0
    while time.monotonic() - start < seconds:
        unit_of_work()
        units += 1
    return {"units": units, "cpu": time.process_time() - cpu_start,
            "wall": time.monotonic() - start}


def run_pinned(cpus: Sequence[int], seconds: float) -> list[dict[str, float]]:
    """Start one worker per CPU in ``cpus`` at once, each pinned with taskset."""
    workers = [subprocess.Popen(  # noqa: S603 - argv built here
        ["taskset", "-c", str(cpu), sys.executable, "-m", "bench.core_scaling",
         "--worker", str(seconds)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
        for cpu in cpus]
    results = []
    for worker in workers:
        out, _ = worker.communicate(timeout=seconds + 60)
        if worker.returncode != 0:
            raise RuntimeError(f"worker failed with code {worker.returncode}")
        results.append(json.loads(out))
    return results


def markdown(alone: dict[str, float], pair: list[dict[str, float]], seconds: float,
             argv: Sequence[str]) -> str:
    cpus, cpu_model, memory = machine()
    per_second = [r["units"] / r["wall"] for r in pair]
    single = alone["units"] / alone["wall"]
    command = " ".join(["python", "-m", "bench.core_scaling", *argv])
    return "\n".join([
        START,
        "## Two cores with nothing shared",
        "",
        f"Measured {dt.date.today():%Y-%m-%d} with `{command}` on {cpus} CPUs "
        f"({cpu_model}{memory}). A CPU-bound Python loop (building and sorting dicts) runs "
        f"for {seconds:g} s alone on CPU 0, then on CPUs 0 and 1 at once, each pinned with "
        "`taskset`. It shows whether the cores slow each other down, apart from any software.",
        "",
        "| run | units per second | CPU s per wall s |",
        "|---|---|---|",
        f"| alone on CPU 0 | {single:,.0f} | {alone['cpu'] / alone['wall']:.2f} |",
        *(f"| pair, CPU {cpu} | {rate:,.0f} | {r['cpu'] / r['wall']:.2f} |"
          for cpu, (rate, r) in enumerate(zip(per_second, pair, strict=True))),
        "",
        f"Two cores did **{sum(per_second) / single:.2f}** times the work of one.",
        END,
    ])


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20, help="seconds per run (1-300)")
    parser.add_argument("--worker", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--write", type=Path, help="update this markdown file's section")
    args = parser.parse_args(argv)
    if args.worker is not None:
        print(json.dumps(work_for(args.worker)))
        return 0
    if not 1 <= args.seconds <= 300:
        parser.error("--seconds must be between 1 and 300")
    if len(os.sched_getaffinity(0)) < 2:
        print("this needs two CPUs", file=sys.stderr)
        return 1
    print(f"alone on CPU 0 for {args.seconds:g} s ...", file=sys.stderr)
    alone = run_pinned([0], args.seconds)[0]
    print(f"on CPUs 0 and 1 for {args.seconds:g} s ...", file=sys.stderr)
    pair = run_pinned([0, 1], args.seconds)
    section = markdown(alone, pair, args.seconds, argv)
    print(section)
    if args.write:
        report_file.write_section(args.write, section, START, END)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
