"""The core-scaling benchmark runs pinned workers and writes its section."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from bench import core_scaling


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
