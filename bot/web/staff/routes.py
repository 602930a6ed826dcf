"""The staff dashboard under ``/staff``: one blueprint, registered on the web process.

Pages live in auth.py (sign-in), figures.py (what every member of staff sees) and
admin.py (admin-only pages); rendering.py holds what they share.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import sqlalchemy as sa
from sanic import Blueprint, Sanic
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.analytics.similar import group_questions
from bot.storage.database import create_engine
from bot.web.staff import admin, auth, figures, sessions
from bot.web.staff.rendering import HERE, ImpossibleDates, in_db, now, render

logger = logging.getLogger(__name__)


def create_blueprint() -> Blueprint:
    bp = Blueprint("staff", url_prefix=auth.PREFIX)
    bp.static("/static", str(HERE / "static"), name="static")

    @bp.middleware("request")
    async def start_clock(request: Request) -> None:
        request.ctx.started = time.perf_counter()

    @bp.middleware("response")
    async def server_timing(request: Request, resp: HTTPResponse) -> None:
        """How long the server spent on the page (read by bench/dashboard_speed.py)."""
        started = getattr(request.ctx, "started", None)
        if started is not None:
            resp.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"

    @bp.exception(sa.exc.OperationalError, sa.exc.ProgrammingError)
    async def database_not_ready(request: Request, error: Exception) -> HTTPResponse:
        """Missing tables (never migrated, nothing ingested yet) or a database that is down."""
        logger.warning("Staff dashboard: analytics database error: %s", error)
        return render(request, "error.html", status=503, who=None, title="The figures are not available",
                      message="The analytics database is not ready or cannot be reached. An administrator "
                              "should run `bot migrate` and `bot ingest` (or `bot demo-data` for a demo), "
                              "check DATABASE_URL, then reload this page.")

    @bp.exception(ImpossibleDates)
    async def impossible_dates(request: Request, error: ImpossibleDates) -> HTTPResponse:
        """A date in the URL that is not a date: say which and why, with status 400."""
        token = request.cookies.get(auth.COOKIE)
        who = await in_db(request.app, lambda conn: sessions.lookup(conn, token, now()))
        return render(request, "error.html", status=400, who=who, title="Those dates cannot be shown",
                      message=f"{error} Choose the dates again in the filters, or pick a period.",
                      chosen=None)

    for pages in (auth, figures, admin):
        pages.add_routes(bp)
    return bp


def register(app: Sanic, database_url: str | None = None) -> None:
    """Serve the dashboard under /staff from ``app``, reading the analytics database."""
    app.blueprint(create_blueprint())

    @app.listener("before_server_start")
    async def open_database(app_: Sanic, _loop: Any) -> None:
        app_.ctx.staff_engine = create_engine(database_url)
        # Load scikit-learn now rather than on the first Unanswered page (about a second).
        group_questions([{"text": "warm up", "at": "", "kind": "fallback"}])

    @app.listener("after_server_stop")
    async def close_database(app_: Sanic, _loop: Any) -> None:
        app_.ctx.staff_engine.dispose()


