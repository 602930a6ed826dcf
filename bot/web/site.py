"""The demo SME-support site and the chat widget's script, served by the web process.

The widget talks to the Rasa server from the visitor's browser, so the demo page's
Content-Security-Policy allows exactly that origin in ``connect-src`` and nothing
else beyond our own server. No inline script or style is allowed anywhere.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import settings
from bot.guidance.knowledge.loader import KnowledgeBase

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
#: The line in widget.js that the web process fills with its own settings.
CONFIG_LINE = 'var SERVER = {"botUrl": "", "maxChars": 1000};'
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.\-]+(:\d+)?$|^https?://\[[0-9A-Fa-f:.]+\](:\d+)?$")


def origin_of(url: str) -> str:
    """scheme://host[:port] of a URL, checked so it is safe inside a CSP header."""
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    if not _ORIGIN.match(origin):
        raise ValueError(f"not a usable http(s) origin: {url!r}")
    return origin


def demo_page_csp(bot_url: str) -> str:
    return (
        "default-src 'self'; "
        f"connect-src 'self' {origin_of(bot_url)}; "
        "script-src 'self'; style-src 'self'; img-src 'self'; "
        "base-uri 'none'; form-action 'self'; object-src 'none'; frame-ancestors 'none'"
    )


def widget_script(bot_url: str, max_chars: int) -> str:
    """widget.js with this server's bot URL and message limit as its defaults."""
    source = (STATIC / "widget.js").read_text(encoding="utf-8")
    if CONFIG_LINE not in source:
        raise RuntimeError("widget.js has lost its settings line")
    config = json.dumps({"botUrl": bot_url, "maxChars": max_chars})
    return source.replace(CONFIG_LINE, f"var SERVER = {config};", 1)


def create_blueprint(kb: KnowledgeBase) -> Blueprint:
    """Routes for ``/`` (the demo page), ``/privacy``, ``/widget.js``, ``/site.css`` and the icon."""
    bot_url = settings.bot_public_url()
    max_chars = settings.max_message_chars()
    csp = demo_page_csp(bot_url)
    script = widget_script(bot_url, max_chars)
    script_etag = '"' + hashlib.sha256(script.encode()).hexdigest()[:20] + '"'
    stylesheet = (STATIC / "site.css").read_text(encoding="utf-8")
    icon = (STATIC / "favicon.svg").read_text(encoding="utf-8")
    templates = Environment(
        loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"])
    )
    topics = sorted(topic.title for topic in kb.topics.values())
    template = templates.get_template("demo.html")
    privacy_page = templates.get_template("privacy.html").render(
        bot_url=bot_url, max_chars=max_chars, retention_days=settings.retention_days()
    )

    site = Blueprint("demo_site")

    @site.get("/")
    async def demo(request: Request) -> HTTPResponse:
        page = template.render(site_url=f"{request.scheme}://{request.host}", bot_url=bot_url,
                               max_chars=max_chars, topics=topics)
        return response.html(page, headers={"Content-Security-Policy": csp})

    @site.get("/privacy")
    async def privacy(_: Request) -> HTTPResponse:
        return response.html(privacy_page, headers={"Content-Security-Policy": csp})

    @site.get("/widget.js")
    async def widget(request: Request) -> HTTPResponse:
        headers = {"Cache-Control": "public, max-age=300", "ETag": script_etag}
        if request.headers.get("if-none-match") == script_etag:
            return response.empty(status=304, headers=headers)
        return response.text(script, headers=headers, content_type="text/javascript; charset=utf-8")

    @site.get("/site.css")
    async def css(_: Request) -> HTTPResponse:
        return response.text(stylesheet, headers={"Cache-Control": "public, max-age=300"},
                             content_type="text/css; charset=utf-8")

    @site.get("/favicon.svg")
    async def favicon(_: Request) -> HTTPResponse:
        return response.text(icon, headers={"Cache-Control": "public, max-age=86400"},
                             content_type="image/svg+xml")

    return site
