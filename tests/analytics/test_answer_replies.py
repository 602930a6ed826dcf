"""Which answers owners got: answer ids, topic-only questions, people asked for, languages.

Conversations go through Rasa's own SQL tracker store and the real ingestion into a real
database (SQLite and PostgreSQL, tests/analytics/conftest.py); the figures are read back
with ``bot.analytics.answers.usage`` and checked against what the conversations said.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from bot.analytics import ingest_once
from bot.analytics.answers import usage
from bot.analytics.dashboard import transcript
from bot.analytics.filters import Filters
from bot.storage.database import create_engine
from tests.analytics.support import SECRET, Conversation, table_rows

DAY = date(2025, 1, 6)  # support.T0
DEADLINE = "personal_data_breach_deadline"
FEE = "personal_data_fee_do_i_pay"
HELPLINE = "cyber_essentials_emergency_helpline"


def test_answers_topic_only_questions_people_and_languages_are_counted(
    conversation: Callable[..., Conversation], tracker_url: str, analytics_url: str
) -> None:
    first = conversation("answers-one").session(nation="wales", size="micro")
    first.user("how long have we got to tell the ICO?", "ask_personal_data", 0.9)
    first.bot("72 hours.", topic="personal_data", answer=DEADLINE)
    first.user("/feedback_helpful", "feedback_helpful", 1.0)
    first.bot("Thanks!")
    first.user("tell me more", "more_info", 0.9)
    first.bot("More on personal data.", topic="personal_data").save()  # not a question
    second = conversation("answers-two").session(nation="england")
    second.user("do we pay the ico fee", "ask_personal_data", 0.9)
    second.bot("Most do.", topic="personal_data", answer=FEE)
    second.user("/feedback_unhelpful", "feedback_unhelpful", 1.0)
    second.bot("Sorry.")
    second.user("how do I keep the till safe", "ask_card_payments", 0.9)
    second.bot("Card payments overview.", topic="card_payments").save()  # the topic only
    third = conversation("answers-three").session()
    third.user("can I talk to a real person", "ask_cyber_essentials", 0.8)
    third.bot("Call the helpline.", topic="cyber_essentials", answer=HELPLINE, human=True)
    third.user("Sut mae diogelu fy nghyfrifon busnes?", "nlu_fallback", 0.2)
    third.bot("I answer in English. Help in Welsh: ...", language="cy")
    third.user("how long to report a breach", "ask_personal_data", 0.9)
    third.bot("72 hours.", topic="personal_data", answer=DEADLINE).save()

    report = ingest_once(tracker_url, analytics_url, secret=SECRET)
    assert report.skipped == 0 and report.guidance == 7
    engine = create_engine(analytics_url)
    try:
        with engine.connect() as conn:
            found = usage(conn, Filters(DAY, DAY))
            wales = usage(conn, Filters(DAY, DAY, nation="wales"))
            third_id = conn.exec_driver_sql(
                "SELECT c.id FROM conversations c JOIN guidance_replies g "
                "ON g.conversation_key = c.conversation_key WHERE g.language = 'cy'").scalar()
            shown = transcript(conn, third_id)
    finally:
        engine.dispose()
    assert (found["questions"], found["answered"], found["topic_only"]) == (5, 4, 1)
    assert found["answered_share"] == 4 / 5
    assert [(row["answer"], row["given"]) for row in found["answers"]] == [
        (DEADLINE, 2), (HELPLINE, 1), (FEE, 1)]  # most given first, then by id
    by_id = {row["answer"]: row for row in found["answers"]}
    assert (by_id[DEADLINE]["ratings"], by_id[DEADLINE]["helpful"]) == (1, 1)
    assert (by_id[FEE]["ratings"], by_id[FEE]["helpfulness"]) == (1, 0.0)
    assert [row["answer"] for row in found["least_helpful"]] == [FEE, DEADLINE]
    assert by_id[DEADLINE]["question"]  # named by its first example question, not its id
    assert by_id[DEADLINE]["question"] != DEADLINE
    assert found["topic_only_by_topic"] == [
        {"topic": "card_payments", "title": found["topic_only_by_topic"][0]["title"], "questions": 1}]
    assert found["human"] == 1 and found["languages"] == {"cy": 1}
    assert (wales["questions"], wales["answered"]) == (1, 1)
    assert shown is not None
    replies = {turn["text"]: turn["replies"] for turn in shown["turns"]}
    assert any(reply.startswith("Answered: \"") for reply in replies["can I talk to a real person"])
    assert "A person was asked for: human routes given." in replies["can I talk to a real person"]
    assert any("message in cy" in reply for reply in replies["Sut mae diogelu fy nghyfrifon busnes?"])
    rows = table_rows(analytics_url, "guidance_replies")
    assert {row["intent"] for row in rows} >= {"ask_personal_data", "more_info", "nlu_fallback"}
    assert "diogelu" not in repr(rows)  # ids and a language code only


def test_an_answer_that_is_not_an_id_is_skipped_not_stored(
    conversation: Callable[..., Conversation], tracker_url: str, analytics_url: str
) -> None:
    talk = conversation("answers-bad").session()
    talk.user("is wifi safe", "ask_network", 0.9)
    talk.bot("Network overview.", topic="network", answer="<b>sam@example.com</b>").save()
    report = ingest_once(tracker_url, analytics_url, secret=SECRET)
    assert report.skipped == 1
    assert table_rows(analytics_url, "guidance_replies") == []
