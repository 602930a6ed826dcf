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
    points: str
    dots: list[tuple[float, float, int]] = field(default_factory=list)


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


def trend_chart(weeks: list[dict[str, Any]], width: int = 720, height: int = 260) -> Chart:
    """Lines per weekly series over the weeks of the range, with a y axis from zero."""
    left, bottom, top_pad, right = 50, 40, 10, 30
    chart = Chart(width=width, height=height)
    if not weeks:
        return chart
    peak = max(max(week[key] for key, _, _ in SERIES) for week in weeks) or 1
    plot_w, plot_h = width - left - right, height - bottom - top_pad
    step = plot_w / max(len(weeks) - 1, 1)

    def y_of(value: float) -> float:
        return top_pad + plot_h - plot_h * value / peak

    for key, name, colour in SERIES:
        dots = [(left + i * step, y_of(week[key]), week[key]) for i, week in enumerate(weeks)]
        chart.lines.append(Line(name=name, colour=colour,
                                points=" ".join(f"{x:.1f},{y:.1f}" for x, y, _ in dots), dots=dots))
    every = max(1, len(weeks) // 8)
    chart.x_labels = [(left + i * step, week["week"][5:]) for i, week in enumerate(weeks) if i % every == 0]
    chart.y_ticks = [(y_of(peak * k / 4), f"{round(peak * k / 4):,}") for k in range(5)]
    return chart
