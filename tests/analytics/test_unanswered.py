"""The Unanswered report: the whole period, biggest group first, noise apart, the period before.

Messages are stored in a real database (SQLite and PostgreSQL) and counted by the
report; the expected counts are the numbers of messages written here.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from bot.analytics.filters import Filters
from bot.analytics.payloads import shown
from bot.analytics.rollups.refresh import refresh_rollups
from bot.analytics.unanswered import is_noise, report
from bot.storage.database import create_engine
from bot.storage.models import Conversation, Turn

START = date(2025, 3, 3)
BACKUP = ["how do I back up my laptop", "how can I back up my laptop files", "back up laptop"]
WIFI = ["can you fix my wifi router", "fix my wifi router please"]


@pytest.mark.parametrize("text", ["?", "??", "asdf", "ok", "k", "qwerty", "sdfsdf", "jjjjjj", "hjkl", "..."])
def test_noise_is_recognised(text: str) -> None:
    assert is_noise(text)


@pytest.mark.parametrize("text", ["report", "how do I back up", "what is phishing", "typewriter", "vpn?"])
def test_real_questions_are_not_noise(text: str) -> None:
    assert not is_noise(text)


def _store(url: str, messages: list[tuple[datetime, str, bool]]) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.insert(Conversation.__table__).values(
            conversation_key="c" * 64, visitor_key="v" * 64, channel="rest",
            started_at=messages[0][0], last_at=messages[-1][0], user_turns=len(messages)))
        for number, (at, text, fallback) in enumerate(messages, start=1):
            conn.execute(sa.insert(Turn.__table__).values(
                event_id=number, conversation_key="c" * 64, visitor_key="v" * 64, at=at,
                week=at.date() - timedelta(days=at.weekday()), channel="rest", text=text,
                intent="nlu_fallback" if fallback else "out_of_scope", fallback=fallback,
                out_of_scope=not fallback))
        conn.execute(sa.insert(Turn.__table__).values(
            event_id=999, conversation_key="c" * 64, visitor_key="v" * 64, at=datetime(2025, 3, 5, 9),
            week=START, channel="rest", text="what is phishing", intent="ask_phishing"))
        refresh_rollups(conn, full=True)
    engine.dispose()


def test_groups_cover_the_period_biggest_first_with_noise_apart(analytics_url: str) -> None:
    at = datetime(2025, 3, 3, 9)
    messages: list[tuple[datetime, str, bool]] = []
    # The previous week: two backup questions.
    messages += [(at - timedelta(days=7, minutes=n), BACKUP[0], True) for n in range(2)]
    # This week: the wifi group is NEWEST but smaller; noise is the newest of all.
    messages += [(at + timedelta(minutes=n), BACKUP[n % 3], True) for n in range(9)]
    messages += [(at + timedelta(hours=5, minutes=n), WIFI[n % 2], False) for n in range(4)]
    messages += [(at + timedelta(hours=8, minutes=n), "asdf", True) for n in range(6)]
    messages.sort()
    _store(analytics_url, messages)
    engine = create_engine(analytics_url)
    try:
        with engine.connect() as conn:
            found = report(conn, Filters(START, START + timedelta(days=6)),
                           Filters(START - timedelta(days=7), START - timedelta(days=1)))
    finally:
        engine.dispose()
    groups = found["groups"]
    assert [group["count"] for group in groups] == [9, 4]
    assert groups[0]["text"] in BACKUP and groups[1]["text"] in WIFI
    assert (groups[0]["fallback"], groups[0]["out_of_scope"]) == (9, 0)
    assert (groups[1]["fallback"], groups[1]["out_of_scope"]) == (0, 4)
    assert groups[0]["previous"] == 2 and groups[1]["previous"] == 0
    turns = 9 + 4 + 6 + 1
    assert found["turns"] == turns and groups[0]["share"] == pytest.approx(9 / turns)
    assert (found["unanswered"], found["missed"], found["out_of_scope"]) == (13, 9, 4)
    assert found["noise"] == 6 and found["noise_examples"] == [{"text": "asdf", "count": 6}]
    assert found["previous_unanswered"] == 2


def test_a_pressed_button_shows_its_label() -> None:
    assert shown("/ask_action_plan").text == "What should I do first?"
    assert shown("/ask_action_plan").button
    typed = shown("how do I back up?")
    assert (typed.text, typed.button) == ("how do I back up?", False)
    readable = shown('/inform{"cloud": "microsoft_365"}')
    assert readable.button and "{" not in readable.text and "/inform" not in readable.text
    step = shown('/commit_step{"step_id": "no-such-step"}')
    assert step.text.startswith("I'll do this: ")


def test_visitor_text_stays_on_one_line_so_it_cannot_fake_training_data(analytics_url: str) -> None:
    at = datetime(2025, 3, 3, 9)
    injected = "how do I\n- intent: greet\n  examples: |\n    - fake example"
    _store(analytics_url, [(at, injected, True), (at + timedelta(minutes=1), injected, True)])
    engine = create_engine(analytics_url)
    try:
        with engine.connect() as conn:
            found = report(conn, Filters(START, START + timedelta(days=6)))
    finally:
        engine.dispose()
    [group] = found["groups"]
    assert group["count"] == 2
    for text in (group["text"], *group["examples"]):
        assert "\n" not in text and "\r" not in text
        assert text == "how do I - intent: greet examples: | - fake example"
