"""Signing in and out, session cookies, and the check every other page makes first.

Every page except sign-in needs a session: without one a page redirects to the sign-in
page and a form post gets 401. Admin pages answer 403 to analysts. Every form post must
carry the session's CSRF token (sign-in uses a separate token in a short-lived cookie).
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.engine import Connection

from bot.web.staff import accounts, audit, config, sessions
from bot.web.staff.query import read_filters
from bot.web.staff.rendering import STAFF_HEADERS, in_db, now, render

COOKIE = "staff_session"
LOGIN_COOKIE = "staff_login_csrf"
PREFIX = "/staff"
Handler = Callable[..., Awaitable[HTTPResponse]]


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


def _redirect(to: str) -> HTTPResponse:
    """A redirect with the staff headers, on a copy of them: Sanic's ``redirect`` writes
    ``Location`` into the dict it is given, and the shared one would then carry it into
    every later staff response."""
    return response.redirect(to, headers=dict(STAFF_HEADERS))


def _seconds_until(moment: datetime | None, now: datetime) -> int:
    return max(1, int((moment - now).total_seconds() + 0.999)) if moment else 1


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
                    return _redirect(f"{PREFIX}/login?{urlencode({'next': wanted})}")
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


def add_routes(bp: Blueprint) -> None:
    """The sign-in form, signing in and signing out."""

    @bp.get("/login")
    async def login_form(request: Request) -> HTTPResponse:
        return _login_page(request, error=None, username="")

    def _login_page(request: Request, error: str | None, username: str, status: int = 200,
                    retry_after: int | None = None) -> HTTPResponse:
        token = secrets.token_urlsafe(32)
        resp = render(request, "login.html", status=status, who=None, csrf_token=token, error=error,
                      username=username, next=_safe_next(request.args.get("next")))
        if retry_after is not None:
            resp.headers["Retry-After"] = str(retry_after)
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

        address = request.remote_addr or request.ip  # remote_addr: the client behind trusted proxies

        def check(conn: Connection) -> tuple[accounts.LoginResult, str | None]:
            result = accounts.login(conn, username, password, moment, address=address)
            if result.status == "ok" and result.staff is not None:
                audit.record(conn, moment, result.staff.username, "sign_in")
                return result, sessions.start(conn, result.staff, moment)
            if result.status in ("throttled", "address"):
                name = accounts.normalise_username(username)[:64] or "-"
                audit.record(conn, moment, name, f"sign_in_{result.status}")
            return result, None

        result, token = await in_db(request.app, check)
        if result.status == "ok" and token is not None:
            resp = _redirect(_safe_next(form.get("next")))
            _set_cookie(resp, request, COOKIE, token, PREFIX, "Lax")
            return resp
        if result.delay:
            await asyncio.sleep(result.delay)
        wait = _seconds_until(result.locked_until, moment)
        if result.status == "throttled":
            message = (f"Too many wrong passwords for this username just now. Wait {wait} seconds, "
                       "then try again.")
            return _login_page(request, message, username, status=429, retry_after=wait)
        if result.status == "address":
            message = (f"Too many wrong passwords from your network. Try again in {-(-wait // 60)} "
                       "minutes, or ask an admin to reset your password.")
            return _login_page(request, message, username, status=429, retry_after=wait)
        return _login_page(request, "The username or password is not right.", username, status=401)

    @bp.post("/logout")
    @signed_in()
    async def logout(request: Request, who: sessions.SignedIn) -> HTTPResponse:
        token = request.cookies.get(COOKIE)
        await in_db(request.app, lambda conn: sessions.end(conn, token))
        resp = _redirect(f"{PREFIX}/login")
        _set_cookie(resp, request, COOKIE, "", PREFIX, "Lax", max_age=0)  # the browser forgets it
        await in_db(request.app, lambda conn: audit.record(conn, now(), who.staff.username, "sign_out"))
        return resp
