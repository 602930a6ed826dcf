"""The web process: a small Sanic app on port 8000.

It serves the landing page and a health check now; the chat widget, the demo
site and the staff dashboard are added here by later work.
"""

from __future__ import annotations

import html

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.knowledge import default_knowledge_base
from bot.web import staff

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def create_app() -> Sanic:
    app = Sanic("sme_cyber_web")
    kb = default_knowledge_base()
    staff.register(app)  # the staff dashboard under /staff (bot/web/staff)

    @app.get("/health")
    async def health(_: Request) -> HTTPResponse:
        return response.json({"status": "ok", "topics": len(kb.topics)})

    @app.get("/")
    async def index(_: Request) -> HTTPResponse:
        items = "".join(
            f"<li>{html.escape(topic.title)}</li>" for topic in kb.topics.values()
        )
        page = (
            "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            "<title>Cyber security help for small businesses</title></head><body>"
            "<main><h1>Cyber security help for small businesses</h1>"
            "<p>The assistant answers on the REST channel at "
            "<code>/webhooks/rest/webhook</code> of the Rasa server. It covers:</p>"
            f"<ul>{items}</ul></main></body></html>"
        )
        return response.html(page)

    @app.on_response
    async def add_headers(_: Request, resp: HTTPResponse) -> None:
        for name, value in SECURITY_HEADERS.items():
            resp.headers.setdefault(name, value)

    return app
