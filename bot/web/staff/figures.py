"""The pages every signed-in member of staff sees: figures, unanswered questions, conversations."""

from __future__ import annotations

import asyncio
from typing import Any

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.engine import Connection

from bot.analytics import (
    answers,
    checks,
    dashboard,
    follow_through,
    incidents,
    monthly,
    monthly_pdf,
    population,
)
from bot.analytics.definitions import DEFINITIONS
from bot.analytics.filters import DIMENSIONS
from bot.analytics.report_periods import Period, change, preset
from bot.web.staff import audit, charts, sessions
from bot.web.staff.auth import signed_in
from bot.web.staff.query import Chosen, page_number
from bot.web.staff.rendering import STAFF_HEADERS, choose, in_db, now, page_context, paginate, render
from bot.web.staff.tables import today, unanswered_report

PER_PAGE = 50
GROUPS_PER_PAGE = 25


def _report_month(request: Request, chosen: Chosen) -> Period:
    """``?month=YYYY-MM``, else the chosen period when it is a month, else last month."""
    raw = str(request.args.get("month", "")).strip()
    if raw:
        try:
            return monthly.month_period(raw, today())
        except ValueError:
            pass  # a bad month shows last month, as a bad period shows the default
    return chosen.current if chosen.current.unit == "month" else preset("last_month", today())


def add_routes(bp: Blueprint) -> None:
    """Overview, Segments, Topics and steps, Incidents, Checks, Unanswered, Conversations and transcripts."""

    @bp.get("/")
    @signed_in()
    async def overview(request: Request, who: sessions.SignedIn) -> HTTPResponse:
        chosen = await choose(request)
        f = chosen.filters

        def load(conn: Connection) -> dict[str, Any]:
            rows = dashboard.trend(conn, f, chosen.interval, today(), chosen.current.full_end)
            headline = dashboard.headline(conn, f)
            compared = dashboard.compared(headline, dashboard.headline(conn, chosen.previous_filters()))
            urgent = incidents.summary(conn, f)
            urgent_before = incidents.conversations(conn, chosen.previous_filters())
            kept = follow_through.totals(conn, f)
            kept_rows = follow_through.trend(conn, f, chosen.interval, today(), chosen.current.full_end)
            return {"kept": kept, "kept_trend": kept_rows, "kept_figures": follow_through.SERIES,
                    "headline": headline, "compared": compared, "urgent": urgent,
                    "urgent_change": change(urgent["conversations"], urgent_before),
                    "trend": rows, "trend_chart": charts.trend_chart(rows),
                    "series": charts.SERIES, "definitions": DEFINITIONS}

        # The funnel (distinct visitors over the whole range) is the slowest query: it runs
        # on a second connection beside the rest, so the page waits for the longer of the two.
        steps, data = await asyncio.gather(in_db(request.app, lambda conn: dashboard.funnel(conn, f)),
                                           in_db(request.app, load))
        return render(request, "overview.html", **page_context(
            request, who, chosen, page="overview", funnel=steps, funnel_chart=charts.funnel_chart(steps),
            **data))

    @bp.get("/segments")
    @signed_in()
    async def segments(request: Request, who: sessions.SignedIn) -> HTTPResponse:
        chosen = await choose(request)
        data = await in_db(request.app, lambda conn: {
            str(by): dashboard.segments(conn, chosen.filters, by) for by in DIMENSIONS})
        shares = await in_db(request.app, lambda conn: population.ratios(conn, chosen.filters, segments=data))
        return render(request, "segments.html", **page_context(request, who, chosen, page="segments",
                                                                segments=data, ratios=shares,
                                                                population=population.default_population()))

    @bp.get("/topics")
    @signed_in()
    async def topics(request: Request, who: sessions.SignedIn) -> HTTPResponse:
        chosen = await choose(request)
        data = await in_db(request.app, lambda conn: {"topics": dashboard.topics(conn, chosen.filters),
                                                       "steps": dashboard.steps(conn, chosen.filters),
                                                       "answers": answers.usage(conn, chosen.filters)})
        return render(request, "topics.html", **page_context(request, who, chosen, page="topics", **data))

    @bp.get("/report")
    @signed_in()
    async def monthly_report(request: Request, who: sessions.SignedIn) -> HTTPResponse:
        """The month's report on one printable page, with a button that downloads it as a PDF."""
        chosen = await choose(request)
        month = _report_month(request, chosen)
        found = await in_db(request.app, lambda conn: monthly.report(conn, month, chosen.filters))
        return render(request, "report.html", **page_context(request, who, chosen, page="report",
                                                              report=found, definitions=DEFINITIONS))

    @bp.get("/report.pdf")
    @signed_in()
    async def monthly_report_pdf(request: Request, who: sessions.SignedIn) -> HTTPResponse:
        """The same report as a PDF (bot/analytics/monthly_pdf.py): the figures of the page."""
        chosen = await choose(request)
        month = _report_month(request, chosen)
        found = await in_db(request.app, lambda conn: monthly.report(conn, month, chosen.filters))
        body = await asyncio.to_thread(monthly_pdf.render, found)
        return response.raw(body, content_type="application/pdf", headers={
            **STAFF_HEADERS, "Content-Disposition":
                f'attachment; filename="monthly-report-{month.start:%Y-%m}.pdf"'})

    @bp.get("/incidents")
    @signed_in()
    async def incidents_page(request: Request, who: sessions.SignedIn) -> HTTPResponse:
        chosen = await choose(request)

        def load(conn: Connection) -> dict[str, Any]:
            found = incidents.summary(conn, chosen.filters)
            before = incidents.conversations(conn, chosen.previous_filters())
            return {"urgent": found, "urgent_before": before,
                    "urgent_change": change(found["conversations"], before)}

        data = await in_db(request.app, load)
        return render(request, "incidents.html", **page_context(request, who, chosen, page="incidents",
                                                                 definitions=DEFINITIONS, **data))

    @bp.get("/checks")
    @signed_in()
    async def checks_page(request: Request, who: sessions.SignedIn) -> HTTPResponse:
        chosen = await choose(request)
        found = await in_db(request.app, lambda conn: checks.summary(conn, chosen.filters))
        return render(request, "checks.html", **page_context(request, who, chosen, page="checks",
                                                              found=found, definitions=DEFINITIONS))

    @bp.get("/unanswered")
    @signed_in()
    async def unanswered(request: Request, who: sessions.SignedIn) -> HTTPResponse:
        chosen = await choose(request)
        current = page_number(request.args)
        view = "training" if request.args.get("view") == "training" else "groups"
        found = await in_db(request.app, lambda conn: unanswered_report(conn, chosen))
        groups = found["groups"]
        pages = paginate(len(groups), GROUPS_PER_PAGE, current)
        start = (pages["current"] - 1) * GROUPS_PER_PAGE
        return render(request, "unanswered.html", **page_context(
            request, who, chosen, page="unanswered", report=found, view=view,
            groups=groups[start:start + GROUPS_PER_PAGE], group_count=len(groups), pages=pages,
            first_rank=start + 1))

    @bp.get("/conversations")
    @signed_in()
    async def conversations(request: Request, who: sessions.SignedIn) -> HTTPResponse:
        chosen = await choose(request)
        current = page_number(request.args)
        rows, total = await in_db(request.app, lambda conn: dashboard.conversation_page(
            conn, chosen.filters, (current - 1) * PER_PAGE, PER_PAGE))
        return render(request, "conversations.html", **page_context(
            request, who, chosen, page="conversations", rows=rows, pages=paginate(total, PER_PAGE, current)))

    @bp.get("/conversations/<conversation_id:int>")
    @signed_in()
    async def transcript(request: Request, who: sessions.SignedIn, conversation_id: int) -> HTTPResponse:
        chosen = await choose(request)

        def load(conn: Connection) -> dict[str, Any] | None:
            found = dashboard.transcript(conn, conversation_id)
            if found is not None:
                audit.record(conn, now(), who.staff.username, "view_transcript",
                             f"conversation {conversation_id}")
            return found

        data = await in_db(request.app, load)
        if data is None:
            return render(request, "error.html", status=404, title="Conversation not found",
                          message="There is no conversation with that number. It may have been deleted.",
                          **page_context(request, who, chosen, page="conversations"))
        return render(request, "transcript.html", **page_context(request, who, chosen, page="conversations",
                                                                  conversation_id=conversation_id, **data))
