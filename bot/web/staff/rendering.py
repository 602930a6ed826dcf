"""Rendering staff pages: templates, security headers, page context and database calls.

Database work runs in a worker thread, so a slow query or a deliberately slowed sign-in
never holds up other requests.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.engine import Connection, Engine

from bot.analytics.filters import DIMENSIONS, SEGMENT_VALUES
from bot.analytics.report_periods import PRESET_TITLES
from bot.storage.models import Conversation
from bot.web.staff import sessions
from bot.web.staff.query import Chosen, read_filters
from bot.web.staff.tables import TABLES

HERE = Path(__file__).parent
#: Headers of every staff response: no inline script or style, no framing, no caching.
STAFF_HEADERS = {
    "Content-Security-Policy": ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
                                "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}

T = TypeVar("T")

templates = Environment(loader=FileSystemLoader(str(HERE / "templates")),
                        autoescape=select_autoescape(default=True), trim_blocks=True, lstrip_blocks=True)


def _number(value: Any) -> str:
    return "-" if value is None else f"{value:,}"


def _percent(value: Any) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _when(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return str(value.strftime("%d %b %Y %H:%M"))


def _signed(value: Any) -> str:
    """A change in a count: +12, -3, 0 (a dash when unknown)."""
    return "-" if value is None else f"{value:+,}"


def _signed_percent(value: Any) -> str:
    return "-" if value is None else f"{value * 100:+.1f}%"


def _points(value: Any) -> str:
    """A change in a share, in percentage points."""
    return "-" if value is None else f"{value * 100:+.1f} points"


def _oneline(value: Any) -> str:
    """Visitor text on one line (escaped by autoescape like all text): newlines cannot fake rows."""
    return " ".join(str(value).split())


templates.filters.update(number=_number, percent=_percent, when=_when, signed=_signed,
                         signed_percent=_signed_percent, points=_points, oneline=_oneline)


def now() -> datetime:
    """Naive UTC, as the tables store times."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


async def in_db(app: Sanic, work: Callable[[Connection], T]) -> T:
    """Run ``work`` in one transaction, in a worker thread."""
    engine: Engine = app.ctx.staff_engine

    def run() -> T:
        with engine.begin() as connection:
            return work(connection)

    return await asyncio.get_running_loop().run_in_executor(None, run)


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTTPResponse:
    body = templates.get_template(template).render(request_path=request.path, **context)
    return response.html(body, status=status, headers=STAFF_HEADERS)


def page_context(request: Request, who: sessions.SignedIn, chosen: Chosen, **extra: Any) -> dict[str, Any]:
    return {"who": who, "chosen": chosen, "query": chosen.query(), "segment_values": SEGMENT_VALUES,
            "dimensions": DIMENSIONS, "tables": TABLES, "period_titles": PRESET_TITLES, **extra}


def paginate(total: int, per_page: int, current: int) -> dict[str, Any]:
    """The current page (at most the last), the last page and the total, for _pager.html."""
    last = max(1, -(-total // per_page))
    return {"current": min(current, last), "last": last, "total": total}


#: How long the data's first and last day are reused before being read again.
SPAN_SECONDS = 60.0


class ImpossibleDates(ValueError):
    """The URL holds a date that is not a date; the page answers 400 with the reasons."""

    def __init__(self, chosen: Chosen) -> None:
        super().__init__(" ".join(chosen.impossible))
        self.chosen = chosen


def _span(conn: Connection) -> tuple[date, date] | None:
    c = Conversation.__table__.c
    first, last = conn.execute(sa.select(sa.func.min(c.started_at), sa.func.max(c.started_at))).one()
    if first is None or last is None:
        return None
    return first.date(), last.date()


async def data_span(app: Sanic) -> tuple[date, date] | None:
    """The first and last day conversations start on (two index probes, cached a minute)."""
    cached = getattr(app.ctx, "staff_span", None)
    if cached is not None and time.monotonic() - cached[0] < SPAN_SECONDS:
        span: tuple[date, date] | None = cached[1]
        return span
    span = await in_db(app, _span)
    app.ctx.staff_span = (time.monotonic(), span)
    return span


async def choose(request: Request) -> Chosen:
    """The page's filters, clamped to the data's span; ImpossibleDates for dates that are not dates."""
    chosen = read_filters(request.args, span=await data_span(request.app))
    if chosen.impossible:
        raise ImpossibleDates(chosen)
    return chosen
