"""Inline SVG charts as plain geometry: templates draw them, so all text is escaped.

No script, no chart library, no style attributes (the pages' CSP forbids inline styles):
colours are SVG presentation attributes. Each chart has a table of the same figures
beside it for screen readers and exact values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float
    text: str


@dataclass
class Line:
    name: str
    colour: str
    points: str  # polylines separated by " | "
    dots: list[tuple[float, float, int]] = field(default_factory=list)
    hollow: list[tuple[float, float, int]] = field(default_factory=list)  # partial intervals

    @property
    def polylines(self) -> list[str]:
        return [part for part in self.points.split(" | ") if part]


@dataclass
class Chart:
    width: int
    height: int
    bars: list[Bar] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    x_labels: list[tuple[float, str]] = field(default_factory=list)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)


def funnel_chart(steps: list[dict[str, Any]], width: int = 640, row: int = 34) -> Chart:
    """Horizontal bars, one per funnel step, as long as its share of the first step."""
    label_width, right = 130, 150
    chart = Chart(width=width, height=row * len(steps) + 10)
    top = max((step["visitors"] for step in steps), default=0) or 1
    span = width - label_width - right
    for index, step in enumerate(steps):
        length = span * step["visitors"] / top
        share = "" if step["share"] is None else f" ({step['share'] * 100:.1f}%)"
        chart.bars.append(Bar(label=step["step"], value=step["visitors"], x=label_width, y=index * row + 5,
                              width=max(length, 1.0), height=row - 10,
                              text=f"{step['visitors']:,}{share}"))
    return chart


SERIES = (("conversations", "Conversations", "#1d70b8"), ("plans_delivered", "Plans delivered", "#00703c"),
          ("commitments", "Commitments", "#6f3bb8"), ("reported_done", "Reported done", "#b35900"))


def trend_chart(rows: list[dict[str, Any]], width: int = 720, height: int = 260) -> Chart:
    """Lines per series over the weeks or months of the range, with a y axis from zero.

    Lines join whole intervals only. An unfinished interval, or one the range cuts, is
    drawn as a hollow dot with no line to it and its label marked "(part)", so a week
    that has only begun never looks like a fall.
    """
    left, bottom, top_pad, right = 50, 40, 10, 30
    chart = Chart(width=width, height=height)
    if not rows:
        return chart
    peak = max(max(row[key] for key, _, _ in SERIES) for row in rows) or 1
    plot_w, plot_h = width - left - right, height - bottom - top_pad
    step = plot_w / max(len(rows) - 1, 1)

    def y_of(value: float) -> float:
        return top_pad + plot_h - plot_h * value / peak

    for key, name, colour in SERIES:
        dots = [(left + i * step, y_of(row[key]), row[key]) for i, row in enumerate(rows)]
        whole = [dot for dot, row in zip(dots, rows, strict=True) if not row.get("partial")]
        partial = [dot for dot, row in zip(dots, rows, strict=True) if row.get("partial")]
        segments = _runs([(dot, not row.get("partial")) for dot, row in zip(dots, rows, strict=True)])
        chart.lines.append(Line(name=name, colour=colour,
                                points=" | ".join(" ".join(f"{x:.1f},{y:.1f}" for x, y, _ in run)
                                                  for run in segments),
                                dots=whole, hollow=partial))
    every = max(1, len(rows) // 8)
    chart.x_labels = [(left + i * step, _short(row["period"]) + (" (part)" if row.get("partial") else ""))
                      for i, row in enumerate(rows) if i % every == 0 or row.get("partial")]
    chart.y_ticks = [(y_of(peak * k / 4), f"{round(peak * k / 4):,}") for k in range(5)]
    return chart


def _short(label: str) -> str:
    """``2025-03-10`` as ``03-10`` (a week's Monday); ``2025-03`` stays (a month)."""
    return label[5:] if len(label) == 10 else label


def _runs(points: list[tuple[tuple[float, float, int], bool]]) -> list[list[tuple[float, float, int]]]:
    """Consecutive whole-interval points, each run a separate polyline."""
    runs: list[list[tuple[float, float, int]]] = []
    current: list[tuple[float, float, int]] = []
    for point, whole in points:
        if whole:
            current.append(point)
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs
