"""Each benchmark owns one marked section of BENCHMARKS.md and rewrites only that."""

from __future__ import annotations

import re
from pathlib import Path


def write_section(path: Path, section: str, start: str, end: str) -> None:
    """Replace the text between ``start`` and ``end`` (markers included) with ``section``.

    ``section`` must begin with ``start`` and end with ``end``; a file without the
    markers gets the section appended.
    """
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    if start in text and end in text:
        pattern = re.escape(start) + ".*?" + re.escape(end)
        text = re.sub(pattern, lambda _: section, text, flags=re.S)
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    path.write_text(text)


def machine_load_note(load1: float, cpus: int | None) -> str:
    """Say whether other work was running when a benchmark started, from the 1-minute load."""
    if load1 > 0.5 * (cpus or 1):
        return ("**Other work was running on the machine when this started, so the figures are lower "
                "than the machine can give; rerun on an idle machine.**")
    return "The machine was otherwise idle when this started."
