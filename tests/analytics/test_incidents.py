"""The urgent path in the analytics: incident kind and routes from Rasa's own events, ids only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from bot.analytics import ingest_once
from bot.analytics.dashboard import transcript
from bot.analytics.filters import Filters
from bot.analytics.incidents import summary
from bot.storage.database import create_engine
from tests.analytics.support import ANALYTICS_TABLES, SECRET, Conversation, table_rows

DAY = date(2025, 1, 6)  # support.T0


def test_incidents_are_counted_by_kind_route_and_human(
    conversation: Callable[..., Conversation], tracker_url: str, analytics_url: str
) -> None:
    first = conversation("incident-one").session(nation="scotland", size="micro")
    first.user("we paid a fake invoice from sam.jones@example.com", "report_incident", 0.9)
    first.bot("I'm sorry. Here is what to do now.", topic="incident_response", incident="payment_fraud",
              reporting=["police_scotland", "ncsc_incident"]).save()
    second = conversation("incident-two").session()
    second.user("our files are locked", "report_incident", 0.9)
    second.bot("Ransomware: first steps.", topic="incident_response", incident="ransomware",
               reporting=["report_fraud"], human=True).save()
    third = conversation("incident-three").session()
    third.user("a scammer got money from us", "report_incident", 0.9)
    third.bot("Here is what to do now.", topic="incident_response", incident="payment_fraud",
              reporting=["report_fraud"]).save()
    other = conversation("no-incident").session()
    other.user("how do I back up", "ask_backups", 0.9)
    other.bot("Back up like this", topic="backups").save()

    report = ingest_once(tracker_url, analytics_url, secret=SECRET)
    assert report.incidents == 3 and report.skipped == 0
    engine = create_engine(analytics_url)
    try:
        with engine.connect() as conn:
            found = summary(conn, Filters(DAY, DAY))
            scotland = summary(conn, Filters(DAY, DAY, nation="scotland"))
            conversation_id = conn.exec_driver_sql(
                "SELECT c.id FROM conversations c JOIN incident_replies i "
                "ON i.conversation_key = c.conversation_key WHERE i.incident = 'ransomware'").scalar()
            shown = transcript(conn, conversation_id)
    finally:
        engine.dispose()
    assert found["conversations"] == 3 and found["businesses"] == 3
    assert [(row["key"], row["conversations"]) for row in found["by_kind"]] == [
        ("payment_fraud", 2), ("ransomware", 1)]
    assert found["by_kind"][0]["title"] == "You have paid money to a scammer"
    assert {row["key"]: row["conversations"] for row in found["routes"]} == {
        "report_fraud": 2, "police_scotland": 1, "ncsc_incident": 1}
    assert found["human"] == 1
    assert {row["key"]: row["conversations"] for row in found["by_nation"]}["scotland"] == 1
    assert scotland["conversations"] == 1 and scotland["by_kind"][0]["key"] == "payment_fraud"
    assert shown is not None
    replies = [reply for turn in shown["turns"] for reply in turn["replies"]]
    assert any("Your files are locked by ransomware" in reply and "report fraud" in reply
               for reply in replies)
    dump = repr([table_rows(analytics_url, table) for table in (*ANALYTICS_TABLES, "incident_replies")])
    assert "sam.jones" not in dump


def test_the_sql_count_agrees_with_the_summary(
    conversation: Callable[..., Conversation], tracker_url: str, analytics_url: str
) -> None:
    """The previous period's figure is counted in SQL; it must be the summary's total."""
    from bot.analytics.incidents import conversations

    for name, nation in (("count-one", "wales"), ("count-two", "wales"), ("count-three", "england")):
        talk = conversation(name).session(nation=nation)
        talk.user("we paid a fake invoice", "report_incident", 0.9)
        talk.bot("Here is what to do now.", topic="incident_response", incident="payment_fraud",
                 reporting=["report_fraud"])
        talk.user("and our email was hacked", "report_incident", 0.9)
        talk.bot("And for the email:", topic="incident_response", incident="account_hacked",
                 reporting=["report_fraud"]).save()
    ingest_once(tracker_url, analytics_url, secret=SECRET)
    engine = create_engine(analytics_url)
    try:
        with engine.connect() as conn:
            for filters in (Filters(DAY, DAY), Filters(DAY, DAY, nation="wales"),
                            Filters(DAY, DAY, nation="scotland")):
                assert conversations(conn, filters) == summary(conn, filters)["conversations"]
            assert conversations(conn, Filters(DAY, DAY)) == 3
    finally:
        engine.dispose()
