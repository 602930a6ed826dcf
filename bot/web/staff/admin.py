"""Admin-only pages: CSV and .xlsx exports, staff accounts, retention and the audit log."""

from __future__ import annotations

import asyncio
import io
import tempfile
from functools import partial
from typing import Any

import sqlalchemy as sa
from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.engine import Connection, Engine

from bot.analytics import dashboard
from bot.settings import retention_days
from bot.web.staff import accounts, audit, sessions
from bot.web.staff.auth import signed_in
from bot.web.staff.query import page_number
from bot.web.staff.rendering import STAFF_HEADERS, choose, in_db, now, page_context, paginate, render
from bot.web.staff.tables import FORMATS, TABLES, TURNS_EXPORT, write_csv, write_xlsx

AUDIT_PER_PAGE = 100
EXPORT_CHUNK = 256 * 1024


def add_routes(bp: Blueprint) -> None:
    """Exports, Staff, Retention and Audit log; every route needs the admin role."""

    @bp.get("/exports")
    @signed_in(admin=True)
    async def exports(request: Request, who: sessions.SignedIn) -> HTTPResponse:
        chosen = await choose(request)
        return render(request, "exports.html", **page_context(request, who, chosen, page="exports",
                                                               turns_export=TURNS_EXPORT))

    @bp.get("/export/<name:str>")
    @signed_in(admin=True)
    async def export(request: Request, who: sessions.SignedIn, name: str) -> HTTPResponse:
        chosen = await choose(request)
        table, _, extension = name.rpartition(".")
        if not table:
            table, extension = name, "csv"
        if (table not in TABLES and table != TURNS_EXPORT) or extension not in FORMATS:
            return render(request, "error.html", status=404, title="No such export",
                          message="There is no table with that name. Choose one on the Exports page.",
                          **page_context(request, who, chosen, page="exports"))

        # Written to a temporary file first, then streamed: a million-line export never sits
        # in memory, and the audit entry commits only once the file is complete.
        with tempfile.TemporaryFile(mode="w+b") as spool:

            def load(conn: Connection) -> int:
                if extension == "xlsx":
                    count = write_xlsx(conn, table, chosen, spool)
                else:
                    text = io.TextIOWrapper(spool, encoding="utf-8", newline="", write_through=True)
                    count = write_csv(conn, table, chosen, text)
                    text.detach()
                audit.record(conn, now(), who.staff.username, "export",
                             f"{table}.{extension}, {count} rows, filters {chosen.query()}")
                return count

            await in_db(request.app, load)
            spool.seek(0)
            f = chosen.filters
            filename = f"{table}-{f.start.isoformat()}-to-{f.end.isoformat()}.{extension}"
            resp = await request.respond(content_type=FORMATS[extension], headers={
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
        chosen = await choose(request)
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
        chosen = await choose(request)

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
        chosen = await choose(request)
        current = page_number(request.args)
        entries, total = await in_db(request.app, lambda conn: audit.page(
            conn, (current - 1) * AUDIT_PER_PAGE, AUDIT_PER_PAGE))
        return render(request, "audit.html", **page_context(
            request, who, chosen, page="audit", entries=entries,
            pages=paginate(total, AUDIT_PER_PAGE, current)))
