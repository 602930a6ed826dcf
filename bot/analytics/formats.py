"""The uptake report as a text table, CSV or JSON.

JSON is :func:`bot.analytics.metrics.full_report` as it is. CSV is long format, one value
per line (``metric, breakdown, group, measure, value``), so a spreadsheet can pivot it
whatever metrics are added later. Cells pass through
:func:`bot.analytics.spreadsheet.safe_cell` (example texts are visitor text). The
table is for reading in a terminal: one table per metric with a line per group, then the
ranked lists of the whole range.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

from bot.analytics.spreadsheet import SafeWriter

FORMATS = ("table", "csv", "json")
CSV_HEADER = ("metric", "breakdown", "group", "measure", "value")
_TITLES = {
    "reach": "Reach",
    "profile_completion": "Profile completion",
    "plans_delivered": "Plans delivered",
    "commitment_rate": "Commitment rate (visitors with a plan who committed)",
    "uptake": "Reported done (uptake) of commitments made",
    "time_to_done": "Days from commitment to done",
    "helpfulness": "Helpfulness (thumbs up / all feedback)",
    "top_topics": "Top topics",
    "top_questions": "Top questions",
    "unanswered": "Fallback and out-of-scope turns",
    "drop_off": "Drop-off: last intent of conversations without a plan",
}


def _flat(prefix: str, value: Any) -> Iterator[tuple[str, Any]]:
    """Nested dicts and lists as dotted measure names (``top.1.text``)."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _flat(f"{prefix}.{key}" if prefix else str(key), inner)
    elif isinstance(value, list):
        for index, inner in enumerate(value, start=1):
            yield from _flat(f"{prefix}.{index}", inner)
    else:
        yield prefix, value


def csv_rows(report: dict[str, Any]) -> Iterator[tuple[str, str, str, str, Any]]:
    for metric, section in report["metrics"].items():
        for breakdown, content in section.items():
            groups = {"all": content} if breakdown == "total" else content
            for group, row in groups.items():
                for measure, value in _flat("", row):
                    yield metric, breakdown, group, measure, value
    for measure, value in _flat("", report["unanswered_examples"]):
        yield "unanswered_examples", "total", "all", measure, value


def render_csv(report: dict[str, Any]) -> str:
    buffer = io.StringIO()
    writer = SafeWriter(buffer)
    writer.writerow(CSV_HEADER)
    for metric, breakdown, group, measure, value in csv_rows(report):
        writer.writerow((metric, breakdown, group, measure, "" if value is None else value))
    return buffer.getvalue()


def render_json(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def _cell(name: str, value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.1f}" if name.endswith("days") else f"{100 * value:.1f}%"
    return str(value)


def _scalars(row: dict[str, Any]) -> list[str]:
    return [key for key, value in row.items() if not isinstance(value, (dict, list))]


def _grid(header: list[str], lines: list[list[str]]) -> list[str]:
    widths = [max(len(header[i]), *(len(line[i]) for line in lines)) for i in range(len(header))]
    out = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    out += ["  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) for line in lines]
    return [text.rstrip() for text in out]


def _lists(row: dict[str, Any]) -> list[str]:
    """The ranked lists and per-topic figures of the total row, one item a line."""
    out: list[str] = []
    for key, value in row.items():
        if isinstance(value, list) and value:
            out.append(f"  {key}:")
            for item in value:
                label = next(str(v) for k, v in item.items() if k not in ("count", "share"))
                out.append(f"    {item['count']:>7}  {_cell('share', item.get('share'))}  {label}")
        elif isinstance(value, dict) and value:
            out.append(f"  {key}:")
            for name, inner in value.items():
                text = inner if not isinstance(inner, dict) else ", ".join(
                    f"{k} {_cell(k, v)}" for k, v in inner.items())
                out.append(f"    {name}: {text}")
    return out


def render_table(report: dict[str, Any]) -> str:
    filters = report["filters"]
    segment = ", ".join(f"{name}: {filters[name] or 'all'}" for name in ("size", "sector", "nation"))
    lines = [f"Uptake report {filters['start']} to {filters['end']} ({segment})", ""]
    for metric, section in report["metrics"].items():
        total = section["total"]
        columns = _scalars(total)
        body = [["all", *(_cell(c, total[c]) for c in columns)]]
        for breakdown, groups in section.items():
            if breakdown == "total":
                continue
            name = breakdown.removeprefix("by_")
            body += [[f"{name}={group}", *(_cell(c, row[c]) for c in columns)]
                     for group, row in groups.items()]
        lines.append(_TITLES.get(metric, metric))
        lines += _grid(["group", *columns], body)
        lines += _lists(total)
        lines.append("")
    lines.append("Newest unanswered questions")
    examples = report["unanswered_examples"]
    lines += [f"  {e['at']}  {e['kind']:<12}  {e['text']}" for e in examples] or ["  none"]
    return "\n".join(lines) + "\n"


def render(report: dict[str, Any], output_format: str) -> str:
    if output_format == "json":
        return render_json(report)
    if output_format == "csv":
        return render_csv(report)
    if output_format == "table":
        return render_table(report)
    raise ValueError(f"unknown format {output_format!r}; allowed: {', '.join(FORMATS)}")
