"""The core-scaling benchmark runs pinned workers and writes its section."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bench import core_scaling


# The benchmark compares one core with two, so it cannot run on fewer (the next test shows
# it refuses); CI and `make test` machines have two.
@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two CPUs")
def test_it_measures_one_core_then_two_and_writes_the_ratio(tmp_path: Path) -> None:
    report = tmp_path / "BENCHMARKS.md"
    report.write_text("# Benchmarks\n\nkept\n")
    assert core_scaling.main(["--seconds", "1", "--write", str(report)]) == 0
    text = report.read_text()
    assert text.startswith("# Benchmarks\n\nkept\n")
    rows = re.findall(r"^\| (alone on CPU 0|pair, CPU [01]) \| ([\d,]+) \| ([\d.]+) \|$", text, re.M)
    assert [name for name, _, _ in rows] == ["alone on CPU 0", "pair, CPU 0", "pair, CPU 1"]
    assert all(int(units.replace(",", "")) > 0 for _, units, _ in rows)
    ratio = re.search(r"Two cores did \*\*([\d.]+)\*\* times", text)
    assert ratio and float(ratio.group(1)) > 0.5


def test_a_run_longer_than_five_minutes_is_refused() -> None:
    with pytest.raises(SystemExit):
        core_scaling.main(["--seconds", "301"])


def test_a_process_held_to_one_cpu_is_refused_and_writes_nothing(tmp_path: Path) -> None:
    report = tmp_path / "BENCHMARKS.md"
    report.write_text("kept\n")
    done = subprocess.run(  # noqa: S603 - argv built here
        ["taskset", "-c", "0", sys.executable, "-m", "bench.core_scaling", "--seconds", "1",
         "--write", str(report)], cwd=core_scaling.ROOT, capture_output=True, text=True,
        timeout=60)
    assert done.returncode == 1 and "needs two CPUs" in done.stderr
    assert report.read_text() == "kept\n"
