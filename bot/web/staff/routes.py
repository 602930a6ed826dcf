"""The staff dashboard's pages under ``/staff``: sign-in, figures, lists and admin pages.

Every page except sign-in needs a session: without one a page redirects to the sign-in
page and a form post gets 401. Admin pages answer 403 to analysts. Every form post must
carry the session's CSRF token (sign-in uses a separate token in a short-lived cookie).
Database work runs in a thread, so a slow query or a deliberately slowed sign-in never
holds up other requests.
"""

from __future__ import annotations

import asyncio
import io
import logging
import secrets
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from functools import partial, wraps
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

import sqlalchemy as sa
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.engine import Connection, Engine

from bot.analytics import dashboard, metrics
from bot.analytics.filters import DIMENSIONS, SEGMENT_VALUES
from bot.analytics.similar import group_questions
from bot.settings import retention_days
from bot.storage.database import create_engine
from bot.web.staff import accounts, audit, charts, config, sessions
from bot.web.staff.query import Chosen, page_number, read_filters
from bot.web.staff.tables import TABLES, TURNS_EXPORT, unanswered_groups, write_csv

HERE = Path(__file__).parent
logger = logging.getLogger(__name__)
COOKIE = "staff_session"
LOGIN_COOKIE = "staff_login_csrf"
PREFIX = "/staff"
PER_PAGE = 50
GROUPS_PER_PAGE = 25
AUDIT_PER_PAGE = 100
EXPORT_CHUNK = 256 * 1024
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
Handler = Callable[..., Awaitable[HTTPResponse]]

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


def _secure(request: Request) -> bool:
    mode = config.cookie_secure()
    return mode == "always" or (mode == "auto" and request.scheme == "https")


def _set_cookie(resp: HTTPResponse, request: Request, name: str, value: str, path: str,
                samesite: str, max_age: int | None = None) -> None:
    resp.cookies[name] = value
    cookie = resp.cookies[name]
    cookie["path"] = path
    cookie["httponly"] = True
    cookie["samesite"] = samesite
    if max_age is not None:
        cookie["max-age"] = max_age
    if _secure(request):
        cookie["secure"] = True


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTTPResponse:
    body = templates.get_template(template).render(request_path=request.path, **context)
    return response.html(body, status=status, headers=STAFF_HEADERS)


def _safe_next(target: str | None) -> str:
    """Only a path inside the dashboard: never another site (no open redirect)."""
    if target and target.startswith(PREFIX + "/") and not target.startswith("//") and "\\" not in target:
        return target
    return PREFIX + "/"


def signed_in(admin: bool = False) -> Callable[[Handler], Handler]:
    """Require a session (and the admin role); check the CSRF token of every form post."""

    def decorate(handler: Handler) -> Handler:
        @wraps(handler)
        async def wrapper(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            token = request.cookies.get(COOKIE)
            who = await in_db(request.app, lambda conn: sessions.lookup(conn, token, now()))
            if who is None:
                if request.method == "GET":
                    wanted = request.path + (f"?{request.query_string}" if request.query_string else "")
                    return response.redirect(f"{PREFIX}/login?{urlencode({'next': wanted})}",
                                             headers=STAFF_HEADERS)
                return render(request, "error.html", status=401, who=None, title="Sign in needed",
                              message="Your session has ended. Sign in again, then repeat what you did.")
            if admin and not who.staff.is_admin:
                return render(request, "error.html", status=403, who=who, title="Admins only",
                              message="This page is for admins. Ask an admin if you need it.",
                              chosen=read_filters(request.args))
            if request.method == "POST":
                given = request.form.get("csrf_token") if request.form else None
                if not sessions.tokens_match(who.csrf_token, given):
                    return render(request, "error.html", status=403, who=who, title="Form expired",
                                  message="This form was out of date or not sent from the dashboard. "
                                          "Go back, reload the page and try again.",
                                  chosen=read_filters(request.args))
            return await handler(request, who, *args, **kwargs)

        return wrapper

    return decorate


def page_context(request: Request, who: sessions.SignedIn, chosen: Chosen, **extra: Any) -> dict[str, Any]:
    return {"who": who, "chosen": chosen, "query": chosen.query(), "segment_values": SEGMENT_VALUES,
            "dimensions": DIMENSIONS, "tables": TABLES, **extra}


def _pages(total: int, per_page: int, current: int) -> dict[str, Any]:
    last = max(1, -(-total // per_page))
    return {"current": min(current, last), "last": last, "total": total}


def create_blueprint() -> Blueprint:
    bp = Blueprint("staff", url_prefix=PREFIX)
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

    # ---- sign in and out --------------------------------------------------------------

    @bp.get("/login")
    async def login_form(request: Request) -> HTTPResponse:
        return _login_page(request, error=None, username="")

    def _login_page(request: Request, error: str | None, username: str, status: int = 200) -> HTTPResponse:
        token = secrets.token_urlsafe(32)
        resp = render(request, "login.html", status=status, who=None, csrf_token=token, error=error,
                      username=username, next=_safe_next(request.args.get("next")))
        _set_cookie(resp, request, LOGIN_COOKIE, token, f"{PREFIX}/login", "Strict", max_age=3600)
        return resp

    @bp.post("/login")
    async def login(request: Request) -> HTTPResponse:
        form = request.form or {}
        expected = request.cookies.get(LOGIN_COOKIE) or ""
        if not expected or not sessions.tokens_match(expected, form.get("csrf_token")):
            return _login_page(request, "The sign-in form had expired. Try again.", "", status=403)
        username = str(form.get("username") or "")
        password = str(form.get("password") or "")
        moment = now()

        def check(conn: Connection) -> tuple[accounts.LoginResult, str | None]:
            result = accounts.login(conn, username, password, moment)
            if result.status == "ok" and result.staff is not None:
                audit.record(conn, moment, result.staff.username, "sign_in")
                return result, sessions.start(conn, result.staff, moment)
            if result.status == "locked":
                name = accounts.normalise_username(username)[:64] or "-"
                audit.record(conn, moment, name, "sign_in_locked")
            return result, None

        result, token = await in_db(request.app, check)
        if result.status == "ok" and token is not None:
            resp = response.redirect(_safe_next(form.get("next")), headers=STAFF_HEADERS)
            _set_cookie(resp, request, COOKIE, token, PREFIX, "Lax")
            return resp
        if result.delay:
            await asyncio.sleep(result.delay)
        if result.status == "locked":
            minutes = config.lockout_minutes()
            message = (f"Too many wrong passwords. This account is locked for up to {minutes} minutes. "
                       "Try again later or ask an admin to unlock it.")
            return _login_page(request, message, username, status=429)
        return _login_page(request, "The username or password is not right.", username, status=401)

    @bp.post("/logout")
    @signed_in()
    async def logout(request: Request, who: sessions.SignedIn) -> HTTPResponse:
        token = request.cookies.get(COOKIE)
        await in_db(request.app, lambda conn: sessions.end(conn, token))
        resp = response.redirect(f"{PREFIX}/login", headers=STAFF_HEADERS)
        _set_cookie(resp, request, COOKIE, "", PREFIX, "Lax", max_age=0)  # the browser forgets it
        await in_db(request.app, lambda conn: audit.record(conn, now(), who.staff.username, "sign_out"))
        return resp

    # ---- figures ----------------------------------------------------------------------

    @bp.get("/")
    @signed_in()
    async def overview(request: Request, who: sessions.SignedIn) -> HTTPResponse:
        chosen = read_filters(request.args)
        f = chosen.filters

        def load(conn: Connection) -> dict[str, Any]:
            steps = dashboard.funnel(conn, f)
            weeks = dashboard.weekly_trend(conn, f)
            return {"headline": dashboard.headline(conn, f), "funnel": steps, "trend": weeks,
                    "funnel_chart": charts.funnel_chart(steps), "trend_chart": charts.trend_chart(weeks),
                    "series": charts.SERIES}

        data = await in_db(request.app, load)
        return render(request, "overview.html", **page_context(request, who, chosen, page="overview", **data))

    @bp.get("/segments")
    @signed_in()
    async def segments(request: Request, who: sessions.SignedIn) -> HTTPResponse:
        chosen = read_filters(request.args)
        data = await in_db(request.app, lambda conn: {
            by: dashboard.segments(conn, chosen.filters, by) for by in DIMENSIONS})
        return render(request, "segments.html", **page_context(request, who, chosen, page="segments",
                                                                segments=data))

    @bp.get("/topics")
    @signed_in()
    async def topics(request: Request, who: sessions.SignedIn) -> HTTPResponse:
        chosen = read_filters(request.args)
        data = await in_db(request.app, lambda conn: {"topics": dashboard.topics(conn, chosen.filters),
                                                       "actions": dashboard.actions(conn, chosen.filters)})
        return render(request, "topics.html", **page_context(request, who, chosen, page="topics", **data))

    @bp.get("/unanswered")
    @signed_in()
    async def unanswered(request: Request, who: sessions.SignedIn) -> HTTPResponse:
        chosen = read_filters(request.args)
        current = page_number(request.args)

        def load(conn: Connection) -> dict[str, Any]:
            return {"groups": unanswered_groups(conn, chosen.filters),
                    "summary": metrics.unanswered(conn, chosen.filters)[metrics.TOTAL]}

        data = await in_db(request.app, load)
        groups = data["groups"]
        pages = _pages(len(groups), GROUPS_PER_PAGE, current)
        start = (pages["current"] - 1) * GROUPS_PER_PAGE
        return render(request, "unanswered.html", **page_context(
            request, who, chosen, page="unanswered", groups=groups[start:start + GROUPS_PER_PAGE],
            questions=sum(group["count"] for group in groups), group_count=len(groups),
            summary=data["summary"], pages=pages, limit=config.unanswered_limit()))

    @bp.get("/conversations")
    @signed_in()
    async def conversations(request: Request, who: sessions.SignedIn) -> HTTPResponse:
        chosen = read_filters(request.args)
        current = page_number(request.args)
        rows, total = await in_db(request.app, lambda conn: dashboard.conversation_page(
            conn, chosen.filters, (current - 1) * PER_PAGE, PER_PAGE))
        return render(request, "conversations.html", **page_context(
            request, who, chosen, page="conversations", rows=rows, pages=_pages(total, PER_PAGE, current)))

    @bp.get("/conversations/<conversation_id:int>")
    @signed_in()
    async def transcript(request: Request, who: sessions.SignedIn, conversation_id: int) -> HTTPResponse:
        chosen = read_filters(request.args)

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

    # ---- admin: exports, staff, retention, audit log -----------------------------------

    @bp.get("/exports")
    @signed_in(admin=True)
    async def exports(request: Request, who: sessions.SignedIn) -> HTTPResponse:
        chosen = read_filters(request.args)
        return render(request, "exports.html", **page_context(request, who, chosen, page="exports",
                                                               turns_export=TURNS_EXPORT))

    @bp.get("/export/<name:str>")
    @signed_in(admin=True)
    async def export(request: Request, who: sessions.SignedIn, name: str) -> HTTPResponse:
        chosen = read_filters(request.args)
        table = name.removesuffix(".csv")
        if table not in TABLES and table != TURNS_EXPORT:
            return render(request, "error.html", status=404, title="No such export",
                          message="There is no table with that name. Choose one on the Exports page.",
                          **page_context(request, who, chosen, page="exports"))

        # Written to a temporary file first, then streamed: a million-line export never sits
        # in memory, and the audit entry commits only once the file is complete.
        with tempfile.TemporaryFile(mode="w+b") as spool:

            def load(conn: Connection) -> int:
                text = io.TextIOWrapper(spool, encoding="utf-8", newline="", write_through=True)
                count = write_csv(conn, table, chosen.filters, text)
                text.detach()
                audit.record(conn, now(), who.staff.username, "export",
                             f"{table}.csv, {count} rows, filters {chosen.query()}")
                return count

            await in_db(request.app, load)
            spool.seek(0)
            f = chosen.filters
            filename = f"{table}-{f.start.isoformat()}-to-{f.end.isoformat()}.csv"
            resp = await request.respond(content_type="text/csv; charset=utf-8", headers={
                **STAFF_HEADERS, "Content-Disposition": f'attachment; filename="{filename}"'})
            while chunk := spool.read(EXPORT_CHUNK):
                await resp.send(chunk)
            await resp.eof()
        return resp

    @bp.get("/admin/staff")
    @signed_in(admin=True)
    async def staff_list(request: Request, who: sessions.SignedIn) -> HTTPResponse:
        return await _staff_page(request, who)

    async def _staff_page(request: Request, who: sessions.SignedIn, message: str | None = None,
                          error: str | None = None, status: int = 200) -> HTTPResponse:
        chosen = read_filters(request.args)
        people = await in_db(request.app, accounts.list_staff)
        return render(request, "staff.html", status=status, **page_context(
            request, who, chosen, page="staff", people=people, message=message, error=error, now=now(),
            roles=accounts.ROLES, min_password=accounts.MIN_PASSWORD_CHARS))

    @bp.post("/admin/staff")
    @signed_in(admin=True)
    async def staff_change(request: Request, who: sessions.SignedIn) -> HTTPResponse:
        form = request.form
        action = str(form.get("action") or "")
        username = str(form.get("username") or "")
        moment = now()

        def change(conn: Connection) -> str:
            if action == "add":
                added = accounts.add(conn, username, str(form.get("role") or ""),
                                     str(form.get("password") or ""), moment)
                audit.record(conn, moment, who.staff.username, "staff_add",
                             f"{added.username} as {added.role}")
                return f"Account {added.username} added as {added.role}."
            if action in ("disable", "enable"):
                if action == "disable" and accounts.normalise_username(username) == who.staff.username:
                    raise accounts.AccountError("You cannot disable your own account.")
                changed = accounts.set_active(conn, username, action == "enable")
                audit.record(conn, moment, who.staff.username, f"staff_{action}", changed.username)
                return f"Account {changed.username} {action}d."
            if action == "reset":
                changed = accounts.reset_password(conn, username, str(form.get("password") or ""), moment)
                audit.record(conn, moment, who.staff.username, "staff_reset_password", changed.username)
                return f"New password set for {changed.username}. Their sessions have ended."
            if action == "unlock":
                accounts.unlock(conn, username)
                audit.record(conn, moment, who.staff.username, "staff_unlock",
                             accounts.normalise_username(username))
                return f"Sign-in lock cleared for {accounts.normalise_username(username)}."
            raise accounts.AccountError("Choose what to do with the account.")

        try:
            message = await in_db(request.app, change)
        except accounts.AccountError as error:
            return await _staff_page(request, who, error=str(error), status=400)
        return await _staff_page(request, who, message=message)

    @bp.get("/admin/retention")
    @signed_in(admin=True)
    async def retention(request: Request, who: sessions.SignedIn) -> HTTPResponse:
        return await _retention_page(request, who)

    async def _retention_page(request: Request, who: sessions.SignedIn, message: str | None = None,
                              error: str | None = None) -> HTTPResponse:
        chosen = read_filters(request.args)

        def load(conn: Connection) -> dict[str, Any]:
            t = dashboard.TURNS
            oldest = conn.execute(sa.select(sa.func.min(t.c.at)).where(t.c.text.isnot(None))).scalar()
            return {"oldest_text": oldest}

        data = await in_db(request.app, load)
        return render(request, "retention.html", **page_context(
            request, who, chosen, page="retention", days=retention_days(), message=message, error=error,
            **data))

    @bp.post("/admin/retention")
    @signed_in(admin=True)
    async def retention_apply(request: Request, who: sessions.SignedIn) -> HTTPResponse:
        from bot.analytics import IngestError, purge

        engine: Engine = request.app.ctx.staff_engine
        try:
            report = await asyncio.get_running_loop().run_in_executor(None, partial(purge, None, engine))
        except (IngestError, ValueError) as error:
            return await _retention_page(request, who, error=f"Retention could not be applied: {error}")
        await in_db(request.app, lambda conn: audit.record(
            conn, now(), who.staff.username, "retention_applied",
            f"{report.texts_cleared} texts cleared, {report.events_deleted} tracker events deleted"))
        return await _retention_page(request, who, message=(
            f"Done: {report.texts_cleared:,} message texts cleared and {report.events_deleted:,} tracker "
            f"events deleted from before {report.cutoff:%d %b %Y %H:%M} UTC."))

    @bp.get("/admin/audit")
    @signed_in(admin=True)
    async def audit_log(request: Request, who: sessions.SignedIn) -> HTTPResponse:
        chosen = read_filters(request.args)
        current = page_number(request.args)
        entries, total = await in_db(request.app, lambda conn: audit.page(
            conn, (current - 1) * AUDIT_PER_PAGE, AUDIT_PER_PAGE))
        return render(request, "audit.html", **page_context(
            request, who, chosen, page="audit", entries=entries,
            pages=_pages(total, AUDIT_PER_PAGE, current)))

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

