"""The bot keeps answering while the analytics database is unavailable, and loses nothing."""

from __future__ import annotations

import sqlite3
import time

import pytest
import sqlalchemy as sa

from bot.privacy.pseudonyms import visitor_key
from tests.analytics.test_interaction_record import _wait_for
from tests.stack import STACK_SECRET, start_stack, stop_stack, texts

#: Needs the real Rasa, action and web servers.
pytestmark = pytest.mark.stack

#: The issue's bound: the analytics database may be away for up to a minute.
OUTAGE_SECONDS = 60

QUESTIONS = [
    "how do I back up our files?",
    "how do I spot a phishing email?",
    "should we get cyber insurance?",
    "what is Cyber Essentials?",
    "how do I secure our wifi?",
    "how do I make a strong password?",
    "tell me more",
    "thanks",
]


def test_locked_analytics_database_loses_no_turn(stack, say, sender):
    visitor = visitor_key(sender, STACK_SECRET)
    count_sql = "select count(*) from turns where visitor_key = ?"
    for question in QUESTIONS[:3]:
        assert texts(say(question))
    assert _wait_for(stack, count_sql, 3, (visitor,)) == 3

    # Take the analytics database away from ingestion: an exclusive lock blocks every
    # writer, as a stopped or stuck server would, for longer than ingestion's busy timeout.
    blocker = sqlite3.connect(stack.data / "analytics.db", isolation_level=None, timeout=30)
    blocker.execute("BEGIN EXCLUSIVE")
    locked_at = time.monotonic()
    try:
        for question in QUESTIONS[3:]:
            assert texts(say(question)), f"no reply to {question!r} while analytics was locked"
        time.sleep(max(0.0, 20 - (time.monotonic() - locked_at)))
        # Nothing new was written while locked.
        assert blocker.execute(count_sql, (visitor,)).fetchone()[0] == 3
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()

    # Ingestion retries on its own and catches up: every turn once, none twice.
    assert _wait_for(stack, count_sql, len(QUESTIONS), (visitor,), seconds=60) == len(QUESTIONS)
    time.sleep(3)
    assert _wait_for(stack, count_sql, len(QUESTIONS), (visitor,)) == len(QUESTIONS)


@pytest.mark.postgres
def test_stopped_and_restarted_postgres_loses_no_turn(postgres_server, sender):
    """The analytics database on PostgreSQL goes down for 60 s mid-conversation."""
    name = postgres_server.fresh_name()
    url = postgres_server.create(name)
    stack = start_stack({"DATABASE_URL": url}, name="stack-postgres")
    engine = sa.create_engine(url, future=True)

    def recorded() -> int:
        visitor = visitor_key(sender, STACK_SECRET)
        try:
            with engine.connect() as connection:
                return int(connection.execute(
                    sa.text("select count(*) from turns where visitor_key = :v"), {"v": visitor}
                ).scalar_one())
        except sa.exc.SQLAlchemyError:
            return -1

    def wait_for(expected: int, seconds: float = 60) -> int:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and recorded() < expected:
            time.sleep(0.5)
        return recorded()

    try:
        for question in QUESTIONS[:3]:
            assert texts(stack.send(sender, question))
        assert wait_for(3) == 3

        engine.dispose()
        postgres_server.stop()
        stopped_at = time.monotonic()
        try:
            for question in QUESTIONS[3:]:
                assert texts(stack.send(sender, question)), f"no reply to {question!r}"
            time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - stopped_at)))
        finally:
            postgres_server.start()

        assert wait_for(len(QUESTIONS)) == len(QUESTIONS)
        time.sleep(3)
        assert recorded() == len(QUESTIONS)
    finally:
        engine.dispose()
        stop_stack(stack.process)
        postgres_server.drop(name)
