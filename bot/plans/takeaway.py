"""Making the plan's private link for a conversation, from the action server."""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any, Mapping

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot import settings
from bot.plans import follow_through, links
from bot.storage.database import create_engine

logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _engine() -> Engine:
    return create_engine()


def page_url(token: str) -> str:
    return f"{settings.web_public_url()}/plan/{token}"


def pdf_url(token: str) -> str:
    return f"{settings.web_public_url()}/plan/{token}/plan.pdf"


def new_links(sender_id: str, slots: Mapping[str, Any]) -> tuple[str, str, str] | None:
    """(PDF link, page link, last day as an ISO date), or ``None`` if no link can be stored."""
    try:
        token, expires = links.create(_engine(), sender_id, settings.plan_link_days())
        follow_through.record(_engine(), "link_created", slots)
    except sa.exc.SQLAlchemyError as error:
        # No conversation id or token in the log: only that it failed and why.
        logger.warning("Could not store a plan link: %s", type(error).__name__)
        return None
    return pdf_url(token), page_url(token), expires.date().isoformat()


def email_offered() -> bool:
    """Whether plans can be emailed (``SMTP_URL`` and ``PLAN_EMAIL_KEY`` are set)."""
    return bool(settings.smtp_url() and settings.plan_email_key())
