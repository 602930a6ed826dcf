"""The web process: a small Sanic app on port 8000.

It serves the demo SME-support page with the chat widget (``bot/web/site.py``),
the staff dashboard under ``/staff`` (``bot/web/staff/``) and a health check.
"""

from __future__ import annotations

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.guidance.knowledge import default_knowledge_base
from bot.web import plan_pages, site, staff

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

    app.blueprint(site.create_blueprint(kb))  # the demo page at / and /widget.js
    app.blueprint(plan_pages.create_blueprint(kb))  # the plan's private link (bot/plans)

    @app.on_response
    async def add_headers(_: Request, resp: HTTPResponse) -> None:
        for name, value in SECURITY_HEADERS.items():
            resp.headers.setdefault(name, value)

    return app
