"""The month's report as a PDF: the same figures as the printable page, from ``monthly.report``.

Staff download it from the report page and the monthly email carries it. It is drawn with
fpdf2 through the plan PDF's writer (bot/plans/pdf.py), so the project has one PDF library
and one look. It holds figures only, and the unanswered groups' redacted wording as the page
shows it; never a visitor or conversation key. Numbers are written as the page writes them
(the filters in bot/web/staff/rendering.py): ``1,234``, ``12.5%``, ``+3 (+4.0%)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.analytics.definitions import DEFINITIONS
from bot.analytics.filters import DIMENSIONS
from bot.analytics.monthly import SHARES
from bot.plans.pdf import Writer, latin1

DIMENSION_TITLES = {"size": "size band", "sector": "sector", "nation": "nation"}
#: Longest wording of an unanswered group in the PDF (the page shows the group in full).
GROUP_CHARS = 120


def number(value: Any) -> str:
    return "-" if value is None else f"{value:,}"


def percent(value: Any) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def signed(value: Any) -> str:
    return "-" if value is None else f"{value:+,}"


def signed_percent(value: Any) -> str:
    return "-" if value is None else f"{value * 100:+.1f}%"


def points(value: Any) -> str:
    return "-" if value is None else f"{value * 100:+.1f} points"


def _day(value: Any) -> str:
    return str(value.strftime("%d %b %Y"))


def headline_rows(found: dict[str, Any]) -> list[tuple[str, str, str, str, str, str]]:
    """The headline table as text: figure, this month, month before, change, last year, change."""
    rows = []
    for key in found["figures"]:
        now, year = found["against_previous"][key], found["against_last_year"][key]
        if key in SHARES:
            rows.append((DEFINITIONS[key].label, percent(now["value"]), percent(now["previous"]),
                         points(now["change"]), percent(year["previous"]), points(year["change"])))
            continue

        def moved(row: dict[str, Any]) -> str:
            extra = f" ({signed_percent(row['percent'])})" if row["percent"] is not None else ""
            return signed(row["change"]) + extra

        rows.append((DEFINITIONS[key].label, number(now["value"]), number(now["previous"]), moved(now),
                     number(year["previous"]), moved(year)))
    return rows


def _table(out: Writer, header: Sequence[str], rows: Sequence[Sequence[str]],
           widths: Sequence[int]) -> None:
    out.pdf.set_font("Helvetica", "", 9)
    with out.pdf.table(col_widths=tuple(widths), text_align=("LEFT",) + ("RIGHT",) * (len(header) - 1),
                       line_height=5, first_row_as_headings=True) as table:
        for cells in (header, *rows):
            row = table.row()
            for cell in cells:
                row.cell(latin1(cell))
    out.pdf.ln(3)


def _month_title(found: dict[str, Any]) -> str:
    return f"Monthly report: {found['month'].start:%B %Y}"


def render(found: dict[str, Any]) -> bytes:
    """The report ``monthly.report`` gathered, as PDF bytes."""
    month, before, year = found["month"], found["previous"], found["last_year"]
    segment = "".join(f", {name} {value.replace('_', ' ')}" for name, value in found["segment"].items())
    out = Writer(_month_title(found))
    out.text(_month_title(found), size=18, bold=True, gap=2)
    unfinished = f" (unfinished: the month runs to {_day(month.full_end)})" if month.unfinished else ""
    out.text(f"{_day(month.start)} to {_day(month.end)}{unfinished}{segment}. Compared with "
             f"{_day(before.start)} to {_day(before.end)} and with {_day(year.start)} to {_day(year.end)}.",
             size=10)
    out.text("Headline figures", size=14, bold=True, gap=1)
    _table(out, ("Figure", "This month", "Month before", "Change", "Same month last year", "Change"),
           headline_rows(found), (52, 22, 24, 26, 26, 26))
    source = found["source"]
    out.text("Uptake against the UK business population", size=14, bold=True, gap=1)
    out.text(f"Per 1,000 UK private sector businesses ({source.publisher}, {source.source}).", size=10)
    for dimension in DIMENSIONS:
        rows = found["population"][dimension]
        if not rows:
            continue
        out.text(f"By {DIMENSION_TITLES[dimension]}", size=11, bold=True, gap=0.5)
        _table(out, ("Group", "Reached per 1,000", "Plans per 1,000", "Steps done per 1,000"),
               [(row["group"] + (" (lowest reach)" if row["lowest"] else ""), f"{row['reach_per_1000']:.3f}",
                 f"{row['plans_delivered_per_1000']:.3f}", f"{row['reported_done_per_1000']:.3f}")
                for row in rows], (82, 30, 30, 32))
    urgent = found["incidents"]
    out.text("After an incident", size=14, bold=True, gap=1)
    commonest = (f'; the commonest kind was "{urgent["by_kind"][0]["title"]}" '
                 f'({number(urgent["by_kind"][0]["conversations"])})' if urgent["by_kind"] else "")
    out.text(f"{number(urgent['conversations'])} conversations took the urgent path{commonest}. "
             f"{number(urgent['human'])} asked for or were given a human route.")
    gaps = found["unanswered"]
    out.text("What the assistant could not answer", size=14, bold=True, gap=1)
    out.text(f"{number(gaps['unanswered'])} of {number(gaps['turns'])} messages ({percent(gaps['share'])}), "
             "noise not counted. The biggest groups:")
    for rank, group in enumerate(gaps["groups"], start=1):
        text = group["text"] if len(group["text"]) <= GROUP_CHARS else group["text"][:GROUP_CHARS - 3] + "..."
        out.text(f"{rank}. {text}: {number(group['count'])} ({percent(group['share'])}; "
                 f"month before {number(group['previous'])})", size=10, gap=0.5)
    return out.output()
