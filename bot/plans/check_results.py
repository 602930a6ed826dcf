"""The website and email checks behind a plan, read from the stored check history.

The plan's page, its PDF and its emails show the newest result of each check the
conversation ran (``bot/checks/history.py``). The history is a convenience: when the
analytics database cannot be read, the plan is still shown, without that section.

The reminders an owner asked for also offer a re-check (:func:`recheck_lines`) once a check
is ``history.RECHECK_DAYS`` old: a line in the same, already consented emails, never an
email of its own, so the "at most two reminders" promise holds.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.checks import history

NAMES = {"website": "website", "email_domain": "email domain"}
AGAIN = {"website": "check my website again", "email_domain": "check my email again"}

logger = logging.getLogger(__name__)


def stored_checks(engine: Engine, sender_id: str) -> tuple[history.StoredRun, ...]:
    """The newest stored run of each check for this conversation's visitor (none on error)."""
    try:
        return tuple(history.latest_for_conversation(engine, sender_id))
    except (SQLAlchemyError, OSError) as error:
        # No conversation id in the log: only that it failed and why.
        logger.warning("Stored check results unavailable: %s", type(error).__name__)
        return ()


def recheck_lines(runs: tuple[history.StoredRun, ...], now: datetime) -> list[str]:
    """A re-check offer for each stored check at least ``RECHECK_DAYS`` old (none if none)."""
    lines = []
    for run in runs:
        if run.kind in NAMES and history.due(run, now=now):
            days = (now.replace(tzinfo=None) - run.at).days
            lines.append(f"Your last {NAMES[run.kind]} check was {days} days ago. Settings change "
                         f"over time: to check again and see what has changed, open your plan at "
                         f"the link below and ask the assistant to \"{AGAIN[run.kind]}\".")
    return lines
