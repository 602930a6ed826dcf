"""The staff dashboard: uptake figures, unanswered questions and transcripts under /staff.

``register(app)`` adds it to the web process (bot/web/app.py). See the README's "Staff
dashboard" section for accounts, roles and security settings.
"""

from __future__ import annotations

from typing import Any


def register(app: Any, database_url: str | None = None) -> None:
    from bot.web.staff.routes import register as register_routes

    register_routes(app, database_url)
