"""The website and email checks behind a plan, read from the stored check history.

The plan's page, its PDF and its emails show the newest result of each check the
conversation ran (``bot/checks/history.py``). The history is a convenience: when the
analytics database cannot be read, the plan is still shown, without that section.
"""

from __future__ import annotations

import logging

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.checks import history

logger = logging.getLogger(__name__)


def stored_checks(engine: Engine, sender_id: str) -> tuple[history.StoredRun, ...]:
    """The newest stored run of each check for this conversation's visitor (none on error)."""
    try:
        return tuple(history.latest_for_conversation(engine, sender_id))
    except (SQLAlchemyError, OSError) as error:
        # No conversation id in the log: only that it failed and why.
        logger.warning("Stored check results unavailable: %s", type(error).__name__)
        return ()
