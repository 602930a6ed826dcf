"""Rendering staff pages: templates, security headers, page context and database calls.

Database work runs in a worker thread, so a slow query or a deliberately slowed sign-in
never holds up other requests.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.engine import Connection, Engine

from bot.analytics.filters import DIMENSIONS, SEGMENT_VALUES
from bot.web.staff import sessions
from bot.web.staff.query import Chosen
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


templates.filters.update(number=_number, percent=_percent, when=_when)


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
            "dimensions": DIMENSIONS, "tables": TABLES, **extra}


def paginate(total: int, per_page: int, current: int) -> dict[str, Any]:
    """The current page (at most the last), the last page and the total, for _pager.html."""
    last = max(1, -(-total // per_page))
    return {"current": min(current, last), "last": last, "total": total}
