"""A conversation over REST shows up, redacted and pseudonymous, in the analytics store."""

from __future__ import annotations

import sqlite3
import time

import pytest

from bot.privacy.pseudonyms import visitor_key
from tests.stack import STACK_SECRET, customs

#: Needs the real Rasa, action and web servers.
pytestmark = pytest.mark.stack


def _rows(stack, sql: str, params: tuple = ()) -> list[tuple]:
    with sqlite3.connect(stack.data / "analytics.db") as db:
        return db.execute(sql, params).fetchall()


def _wait_for(stack, sql: str, expected: int, params: tuple = (), seconds: float = 30) -> int:
    deadline = time.monotonic() + seconds
    count = -1
    while time.monotonic() < deadline:
        try:
            count = _rows(stack, sql, params)[0][0]
        except sqlite3.OperationalError:  # tables not migrated yet
            count = -1
        if count >= expected:
            return count
        time.sleep(0.5)
    return count


def test_turns_are_recorded_redacted_within_seconds(stack, say, sender):
    say("hi, I'm jo.bloggs@example.co.uk, call me on 07700 900123")
    reply = say("how do I back up our files?")
    step_id = [c for c in customs(reply) if "steps" in c][0]["steps"][0]["id"]
    say(f'/commit_step{{"step_id": "{step_id}"}}')

    visitor = visitor_key(sender, STACK_SECRET)
    assert _wait_for(stack, "select count(*) from commitments where visitor_key = ? and step = ?",
                     1, (visitor, step_id)) == 1
    texts = [row[0] or "" for row in _rows(stack, "select text from turns where visitor_key = ?",
                                           (visitor,))]
    joined = "\n".join(texts)
    assert "[EMAIL]" in joined and "[PHONE]" in joined
    assert "jo.bloggs" not in joined and "07700" not in joined
    topics = [row[0] for row in _rows(
        stack, "select topics from turns where visitor_key = ? and intent = 'ask_backups'", (visitor,))]
    assert "backups" in topics
    # Pseudonymous: the raw sender id is stored nowhere in the analytics database.
    with sqlite3.connect(stack.data / "analytics.db") as db:
        dump = "\n".join(db.iterdump())
    assert sender not in dump


def test_the_report_counts_a_conversation_and_its_commitment(stack, say, sender):
    import json
    import subprocess
    import sys
    from pathlib import Path

    reply = say("how should I handle software updates?")
    step_id = [c for c in customs(reply) if "steps" in c][0]["steps"][0]["id"]
    say(f'/commit_step{{"step_id": "{step_id}"}}')
    visitor = visitor_key(sender, STACK_SECRET)
    assert _wait_for(stack, "select count(*) from commitments where visitor_key = ?", 1, (visitor,)) == 1

    bot = Path(sys.executable).parent / "bot"
    result = subprocess.run(
        [str(bot), "report", "--format", "json", "--database-url",
         f"sqlite:///{stack.data / 'analytics.db'}"],
        capture_output=True, text=True, timeout=120, check=True,
    )
    metrics = json.loads(result.stdout)["metrics"]
    direct = _rows(stack, "select count(*) from commitments")[0][0]
    assert metrics["uptake"]["total"]["commitments_made"] == direct >= 1
    conversations = _rows(stack, "select count(*) from conversations")[0][0]
    assert metrics["reach"]["total"]["conversations"] == conversations >= 1
