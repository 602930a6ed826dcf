"""Ingestion from Rasa's real SQL tracker store into a real analytics database.

Each test runs on SQLite and on PostgreSQL (the ``backend`` fixture in conftest.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timezone
from typing import Any

import pytest
import sqlalchemy as sa

from bot.analytics import ingest as ingest_module
from bot.analytics import ingest_once
from bot.privacy.pseudonyms import Pseudonyms
from tests.analytics.conftest import Backend
from tests.analytics.support import (
    ANALYTICS_TABLES,
    SECRET,
    T0,
    Conversation,
    insert_raw_event,
    table_rows,
)

ALICE = "widget-visitor-alice-5f1c2e"
BOB = "widget-visitor-bob-99a0b1"
EMAIL = "alice.owner@example.co.uk"
KEYS = Pseudonyms(SECRET)
PROFILE = {"size": "micro", "sector": "retail", "nation": "wales", "cloud": ["microsoft_365"],
           "card_payments": "true", "personal_data": "unknown", "website": "brochure",
           "remote_working": "false", "byod": "false", "it_support": "unknown"}
PLAN = [{"topic": "passwords", "action": "passwords_2sv", "title": "Turn on 2-step verification"},
        {"topic": "backups", "action": "backups_automatic", "title": "Automatic backups"}]


def utc(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).replace(tzinfo=None)


def ingest(tracker_url: str, analytics_url: str, **kwargs: Any) -> ingest_module.IngestReport:
    return ingest_once(tracker_url, analytics_url, secret=SECRET, **kwargs)


def rows(url: str, table: str, **where: Any) -> list[dict[str, Any]]:
    found = table_rows(url, table)
    return [row for row in found if all(row[k] == v for k, v in where.items())]


def alice_story(conversation: Callable[..., Conversation]) -> Conversation:
    """Two sessions: questions, profile, plan, a commitment done; then follow-ups."""
    alice = conversation(ALICE).session()
    alice.user(f"hi, I'm {EMAIL}, how do I back up our files?", "ask_backups", 0.91)
    alice.bot("Back up ...", topic="backups", actions=[{"id": "backups_automatic"}]).save()
    alice.user('/commit_step{"step_id": "backups_automatic"}', "commit_step", 1.0,
               {"step_id": "backups_automatic"})
    alice.bot("Great, noted", commitment={"topic": "backups", "action": "backups_automatic"}).save()
    alice.user("what should I do first?", "ask_action_plan", 0.88)
    for name in ("size", "sector", "nation", "cloud", "card_payments"):
        alice.slot(name, PROFILE[name])
    alice.user("we have 4 staff in Cardiff", "describe_business", 0.8, {"nation": "wales"})
    for name in ("personal_data", "website", "remote_working", "byod", "it_support"):
        alice.slot(name, PROFILE[name])
    alice.bot("Here is your action plan", plan=PLAN).save()
    alice.user("thanks, that helped", "feedback_helpful", 0.97)
    alice.bot("Thanks for telling me.").save()
    alice.user("asdf qwerty", "nlu_fallback", 0.31)
    alice.bot("Sorry, I'm not sure").save()
    alice.user("what's the weather like", "out_of_scope", 0.9)
    alice.bot("I can only help with ...").save()
    alice.user("I've set up the backups", "report_done", 0.93, {"step_id": "backups_automatic"})
    alice.bot("Well done!", done={"topic": "backups", "action": "backups_automatic"}).save()

    alice.at(T0 + 2 * 86400).session(**PROFILE)  # two days later; slots carried over
    alice.bot("Last time you planned to turn on 2SV ...", topic="passwords")
    alice.user('/commit_step{"step_id": "passwords_2sv"}', "commit_step", 1.0,
               {"step_id": "passwords_2sv"})
    alice.bot("Noted", commitment={"topic": "passwords", "action": "passwords_2sv"})
    alice.user("how do I protect email?", "ask_email_security", 0.9)
    alice.bot("Email ...", topic="email_security")
    alice.user('/commit_step{"step_id": "email_dmarc"}', "commit_step", 1.0,
               {"step_id": "email_dmarc"})
    alice.bot("Noted", commitment={"topic": "email_security", "action": "email_dmarc"})
    alice.user("not yet", "not_done_yet", 0.9, {"step_id": "passwords_2sv"})
    alice.user("we won't do that one", "drop_step", 0.9, {"step_id": "email_dmarc"})
    alice.user("this was no use", "feedback_unhelpful", 0.9).save()
    return alice


def bob_story(conversation: Callable[..., Conversation]) -> Conversation:
    bob = conversation(BOB, T0 + 3600).session()
    bob.user("hello", "greet", 0.99).bot("Hello!").save()
    return bob


@pytest.fixture
def story(conversation: Callable[..., Conversation]) -> dict[str, Conversation]:
    return {"alice": alice_story(conversation), "bob": bob_story(conversation)}


def test_a_story_becomes_the_rows_the_design_describes(story: dict[str, Conversation],
                                                       tracker_url: str, analytics_url: str) -> None:
    report = ingest(tracker_url, analytics_url)
    assert report.skipped == 0 and report.turns == 15 and report.conversations == 3

    alice_key = KEYS.visitor_key(ALICE)
    first, second = (KEYS.conversation_key(ALICE, start) for start in story["alice"].session_starts)
    [visitor] = rows(analytics_url, "visitors", visitor_key=alice_key)
    assert visitor["conversations"] == 2
    assert visitor["first_seen"] == utc(story["alice"].session_starts[0])
    assert visitor["last_seen"] == utc(story["alice"].clock)

    [one] = rows(analytics_url, "conversations", conversation_key=first)
    [two] = rows(analytics_url, "conversations", conversation_key=second)
    [bobs] = rows(analytics_url, "conversations", visitor_key=KEYS.visitor_key(BOB))
    assert (one["is_returning"], two["is_returning"], bobs["is_returning"]) == (False, True, False)
    assert (one["user_turns"], two["user_turns"], bobs["user_turns"]) == (8, 6, 1)
    assert (one["profiled"], one["got_plan"], one["last_intent"]) == (True, True, "report_done")
    assert (two["profiled"], two["got_plan"]) == (True, False)  # carried-over slots count
    assert (bobs["profiled"], bobs["got_plan"], bobs["channel"]) == (False, False, "rest")
    assert one["started_at"] == utc(story["alice"].session_starts[0])
    assert two["last_topic"] == "email_security"
    assert (one["size"], one["nation"], one["cloud"], one["card_payments"], one["personal_data"]) == (
        "micro", "wales", "microsoft_365", True, None)

    turns = sorted(rows(analytics_url, "turns", conversation_key=first), key=lambda t: t["event_id"])
    assert turns[0]["text"] == "hi, I'm [EMAIL], how do I back up our files?"
    assert (turns[0]["intent"], turns[0]["confidence"], turns[0]["topics"]) == (
        "ask_backups", 0.91, "backups")
    assert turns[0]["week"] == date(2025, 1, 6) and turns[0]["channel"] == "rest"
    assert turns[1]["entity_types"] == "step_id" and turns[1]["topics"] is None
    assert turns[0]["size"] is None  # the profile came later
    # Snapshot at the moment of each message: five slots before turn 3, all ten after.
    assert (turns[3]["size"], turns[3]["cloud"], turns[3]["card_payments"], turns[3]["website"]) == (
        "micro", "microsoft_365", True, None)
    assert turns[3]["entity_types"] == "nation"
    assert [(t["fallback"], t["out_of_scope"]) for t in turns[4:7]] == [
        (False, False), (True, False), (False, True)]

    plan = sorted(rows(analytics_url, "plan_items", conversation_key=first), key=lambda p: p["position"])
    assert [(p["position"], p["topic"], p["step"]) for p in plan] == [
        (1, "passwords", "passwords_2sv"), (2, "backups", "backups_automatic")]
    assert plan[0]["it_support"] is None and plan[0]["byod"] is False and plan[0]["website"] == "brochure"

    commitments = {c["step"]: c for c in rows(analytics_url, "commitments", visitor_key=alice_key)}
    backups = commitments["backups_automatic"]
    assert (backups["status"], backups["conversation_key"], backups["topic"]) == ("done", first, "backups")
    assert backups["committed_at"] < backups["done_at"] == backups["status_at"]
    assert backups["size"] is None  # committed before the profile questions
    assert (commitments["passwords_2sv"]["status"], commitments["email_dmarc"]["status"]) == (
        "not_yet", "dropped")
    assert commitments["passwords_2sv"]["done_at"] is None
    assert commitments["passwords_2sv"]["size"] == "micro"

    feedback = sorted(rows(analytics_url, "feedback"), key=lambda f: f["at"])
    assert [(f["conversation_key"], f["topic"], f["helpful"]) for f in feedback] == [
        (first, "backups", True), (second, "email_security", False)]

    [state] = rows(analytics_url, "ingest_state")
    assert state["skipped"] == 0 and state["last_event_id"] == report.last_event_id > 0


def test_nothing_identifying_reaches_any_analytics_table(story: dict[str, Conversation],
                                                         tracker_url: str, analytics_url: str) -> None:
    ingest(tracker_url, analytics_url)
    dump = repr([table_rows(analytics_url, table) for table in ANALYTICS_TABLES])
    for secret_thing in (ALICE, BOB, EMAIL, "alice.owner", "visitor-alice", SECRET):
        assert secret_thing not in dump


def test_entity_types_never_carry_values_and_odd_intents_are_dropped(
    conversation: Callable[..., Conversation], tracker_url: str, analytics_url: str
) -> None:
    # A typed "/payload" makes the intent whatever the user wrote.
    carol = conversation("carol").session()
    carol.user("/carol@example.com", "carol@example.com", 1.0, {"cloud": "google_workspace"})
    carol.user("/07700900123", "07700900123", 1.0).save()
    ingest(tracker_url, analytics_url)
    turns = sorted(rows(analytics_url, "turns"), key=lambda t: t["event_id"])
    assert [(t["intent"], t["entity_types"]) for t in turns] == [(None, "cloud"), (None, None)]
    assert turns[0]["text"] == "/[EMAIL]" and "07700900123" not in repr(turns)
    assert "google_workspace" not in repr(turns)  # the entity's value


def test_ingesting_twice_changes_nothing(story: dict[str, Conversation], tracker_url: str,
                                        analytics_url: str) -> None:
    first = ingest(tracker_url, analytics_url)
    before = {table: table_rows(analytics_url, table, ("id", "updated_at")) for table in ANALYTICS_TABLES}
    again = ingest(tracker_url, analytics_url)
    assert again.events == 0 and again.last_event_id == first.last_event_id
    after = {table: table_rows(analytics_url, table, ("id", "updated_at")) for table in ANALYTICS_TABLES}
    assert after == before


def test_small_batches_stopped_and_resumed_give_the_same_record(
    story: dict[str, Conversation], tracker_url: str, analytics_url: str, backend: Backend
) -> None:
    reference = backend.new()
    ingest(tracker_url, reference, batch_size=10_000)

    # Batches of 3 events split conversations and turns from their replies; "crash"
    # (stop) after every two batches and start again, as a killed `bot ingest` would.
    runs = 0
    while True:
        runs += 1
        report = ingest(tracker_url, analytics_url, batch_size=3, max_batches=2)
        if report.events < 6:
            break
    assert runs > 5
    for table in ANALYTICS_TABLES:
        skip = ("id", "updated_at")
        assert table_rows(analytics_url, table, skip) == table_rows(reference, table, skip), table


def test_a_crash_inside_a_batch_commits_nothing(story: dict[str, Conversation], tracker_url: str,
                                                analytics_url: str, backend: Backend,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    reference = backend.new()
    ingest(tracker_url, reference)
    real_apply = ingest_module._Writer.apply
    seen: list[int] = []

    def crash_on_the_fourth_bot_reply(self: Any, event: Any) -> None:
        real_apply(self, event)
        if isinstance(event.payload, ingest_module.BotReply):
            seen.append(event.id)
            if len(seen) == 4:
                raise RuntimeError("simulated crash")

    monkeypatch.setattr(ingest_module._Writer, "apply", crash_on_the_fourth_bot_reply)
    with pytest.raises(RuntimeError, match="simulated crash"):
        ingest(tracker_url, analytics_url, batch_size=8)
    partial = table_rows(analytics_url, "ingest_state")[0]["last_event_id"]
    assert 0 < partial < seen[-1]  # the batches before the crash are kept, the crashed one is not
    assert all(t["event_id"] <= partial for t in table_rows(analytics_url, "turns"))

    monkeypatch.setattr(ingest_module._Writer, "apply", real_apply)
    ingest(tracker_url, analytics_url, batch_size=8)
    for table in ANALYTICS_TABLES:
        skip = ("id", "updated_at")
        assert table_rows(analytics_url, table, skip) == table_rows(reference, table, skip), table


def test_malformed_events_are_skipped_counted_and_logged(
    conversation: Callable[..., Conversation], tracker_url: str, analytics_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    dave = conversation("dave-sender").session()
    dave.user("first question", "ask_backups").bot("...", topic="backups").save()
    bad = [
        ("user", "{not json"),
        ("mystery", '{"event": "mystery", "timestamp": 1}'),
        ("user", '{"event": "user", "timestamp": 1, "parse_data": "oops"}'),
        ("slot", '{"event": "slot", "timestamp": 1, "value": 3}'),
        ("bot", '{"event": "bot", "timestamp": 1, "data": {"custom": {"plan": "not a list"}}}'),
        ("user", '{"event": "user", "text": "no timestamp anywhere"}'),
        ("bot", '{"event": "bot", "timestamp": 1, "data": {"custom": {"commitment": {"topic": "x"}}}}'),
        ("user", "[1, 2, 3]"),
    ]
    for type_name, data in bad:
        # Another sender: Rasa itself cannot load a tracker with these rows in it.
        insert_raw_event(tracker_url, "mallory-sender", type_name, data,
                         timestamp=None if "no timestamp" in data else T0 + 50)
    dave.at(T0 + 60).user("second question", "ask_phishing").bot("...", topic="phishing").save()

    with caplog.at_level(logging.WARNING, logger="bot.analytics.ingest"):
        report = ingest(tracker_url, analytics_url, batch_size=4)
    assert report.skipped == len(bad)
    assert table_rows(analytics_url, "ingest_state")[0]["skipped"] == len(bad)
    turns = sorted(rows(analytics_url, "turns"), key=lambda t: t["event_id"])
    assert [(t["text"], t["topics"]) for t in turns] == [
        ("first question", "backups"), ("second question", "phishing")]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == len(bad) and all("Skipping tracker event" in w for w in warnings)
    assert "mallory-sender" not in caplog.text
    assert ingest(tracker_url, analytics_url).skipped == 0  # never re-read


def test_events_before_any_session_start_open_a_conversation(
    tracker_url: str, analytics_url: str, tracker_store: Any
) -> None:
    # Trackers written without action_session_start (e.g. by scripts) still count.
    erin = Conversation(tracker_store, "erin")
    erin.user("hello", "greet").bot("hi", topic="backups").save()
    ingest(tracker_url, analytics_url)
    [conversation] = rows(analytics_url, "conversations")
    assert conversation["started_at"] == utc(T0 + 1) and conversation["user_turns"] == 1
    assert conversation["conversation_key"] == KEYS.conversation_key("erin", T0 + 1)
    assert rows(analytics_url, "turns")[0]["topics"] == "backups"


def test_text_with_nul_characters_is_stored(conversation: Callable[..., Conversation], tracker_url: str,
                                            analytics_url: str) -> None:
    conversation("frank").session().user("nul\x00byte", "greet").save()
    ingest(tracker_url, analytics_url)
    assert rows(analytics_url, "turns")[0]["text"] == "nulbyte"


def test_a_recent_gap_in_event_ids_waits_for_the_missing_transaction(
    tracker_url: str, tracker_store: Any, analytics_url: str
) -> None:
    Conversation(tracker_store, "gina").session().save()  # creates the events table: ids 1-3
    data = '{{"event": "user", "timestamp": {t}, "text": "{text}", "parse_data": {{}}}}'
    insert_raw_event(tracker_url, "gina", "user", data.format(t=T0 + 5, text="before"), T0 + 5, 4)
    insert_raw_event(tracker_url, "gina", "user", data.format(t=T0 + 7, text="after"), T0 + 7, 6)

    just_after = ingest(tracker_url, analytics_url, clock=lambda: T0 + 8)
    assert just_after.last_event_id == 4  # id 5 may still be committing
    later = ingest(tracker_url, analytics_url, clock=lambda: T0 + 60)
    assert later.last_event_id == 6
    assert [t["text"] for t in sorted(rows(analytics_url, "turns"), key=lambda t: t["event_id"])] == [
        "before", "after"]


def test_a_replaced_tracker_store_is_reported_not_silently_ignored(
    story: dict[str, Conversation], tracker_url: str, tracker_path: Any, analytics_url: str
) -> None:
    ingest(tracker_url, analytics_url)
    engine = sa.create_engine(tracker_url, future=True)
    with engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM events")
    engine.dispose()
    with pytest.raises(ingest_module.TrackerReset, match="below the checkpoint"):
        ingest(tracker_url, analytics_url)


def test_a_missing_tracker_store_means_nothing_to_do_yet(tmp_path: Any, analytics_url: str) -> None:
    missing = tmp_path / "not-yet" / "tracker.db"
    report = ingest(f"sqlite:///{missing}", analytics_url)
    assert report.events == 0 and not missing.exists()


def test_commitment_edge_cases(conversation: Callable[..., Conversation], tracker_url: str,
                               analytics_url: str) -> None:
    hana = conversation("hana").session()

    def commit(action: str) -> None:
        hana.bot("Noted", commitment={"topic": "backups", "action": action})

    commit("a1")
    hana.user("not yet", "not_done_yet", 0.9)  # no action named: the only open one
    commit("a2")
    hana.user("drop it", "drop_step", 0.9)  # two open: ambiguous, nothing changes
    hana.user("drop a2", "drop_step", 0.9, {"step_id": "a2"})
    commit("a2")  # committing again reopens a dropped one
    hana.bot("Well done", done={"topic": "backups", "action": "a3"})  # done, never committed
    commit("a3")  # ...and stays done
    hana.user("drop a3", "drop_step", 0.9, {"step_id": "a3"}).save()
    ingest(tracker_url, analytics_url)
    status = {c["step"]: (c["status"], c["done_at"] is not None)
              for c in rows(analytics_url, "commitments")}
    assert status == {"a1": ("not_yet", False), "a2": ("open", False), "a3": ("done", True)}


def test_a_commitment_goes_from_open_to_done(conversation: Callable[..., Conversation], tracker_url: str,
                                            analytics_url: str) -> None:
    ivan = conversation("ivan").session()
    ivan.user("I'll do it", "commit_step", 1.0, {"step_id": "backups_automatic"})
    ivan.bot("Noted", commitment={"topic": "backups", "action": "backups_automatic"}).save()
    ingest(tracker_url, analytics_url)
    [opened] = rows(analytics_url, "commitments")
    assert (opened["status"], opened["done_at"]) == ("open", None)
    assert opened["committed_at"] == opened["status_at"] == utc(ivan.clock)

    ivan.user("done it", "report_done").bot("Well done", done={"topic": "backups",
                                                                 "action": "backups_automatic"}).save()
    ingest(tracker_url, analytics_url)
    [done] = rows(analytics_url, "commitments")
    assert (done["status"], done["committed_at"]) == ("done", opened["committed_at"])
    assert done["done_at"] == done["status_at"] == utc(ivan.clock) > opened["committed_at"]


def test_an_untick_takes_a_done_step_back_to_open(conversation: Callable[..., Conversation],
                                                 tracker_url: str, analytics_url: str) -> None:
    """A step ticked by mistake must not stay in the reported-done figures."""
    jo = conversation("jo").session()
    jo.user("done the backups", "report_done").bot("Well done", done={"topic": "backups",
                                                                     "step": "backups_automatic"})
    jo.user("/undo_done", "undo_done").bot("Marked as not done", undone={"topic": "backups",
                                                                         "step": "backups_automatic"})
    unticked_at = utc(jo.clock)
    jo.user("/undo_done", "undo_done").bot("Marked as not done", undone={"topic": "backups",
                                                                         "step": "updates_automatic"})
    jo.save()
    ingest(tracker_url, analytics_url)
    [step] = rows(analytics_url, "commitments")
    assert (step["step"], step["status"], step["done_at"]) == ("backups_automatic", "open", None)
    assert step["status_at"] == unticked_at  # the untick of a step never done changed nothing


def test_a_batch_looks_senders_up_together_not_one_by_one(
    conversation: Callable[..., Conversation], tracker_url: str, analytics_url: str, backend: Backend,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A loaded server puts many senders in each batch; queries must not grow with them."""
    senders = [conversation(f"visitor-{n:02d}", start=T0 + n) for n in range(30)]
    for n, visitor in enumerate(senders):
        visitor.session().user("how do I back up?", "ask_backups").bot("...", topic="backups")
        visitor.slot("size", "micro" if n % 2 else "small").save()
    reference = backend.new()
    ingest(tracker_url, reference)
    ingest(tracker_url, analytics_url)  # first visits: conversations now exist
    for visitor in senders:  # second messages continue those conversations
        visitor.user("and passwords?", "ask_passwords").bot("...", topic="passwords").save()

    engine = sa.create_engine(analytics_url, future=True)
    selects: list[str] = []

    @sa.event.listens_for(engine, "before_cursor_execute")
    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            selects.append(statement)

    try:
        report = ingest(tracker_url, engine)
    finally:
        engine.dispose()
    assert report.turns == 30 and report.conversations == 0
    assert len(selects) < 10, f"{len(selects)} SELECTs for one batch of 30 senders"

    # Looked up in chunks (as a batch of more senders than one IN list holds), the
    # record is the same as ingesting everything in one go.
    monkeypatch.setattr(ingest_module, "PREFETCH_CHUNK", 4)
    ingest(tracker_url, reference)
    for table in ANALYTICS_TABLES:
        skip = ("id", "updated_at")
        assert table_rows(analytics_url, table, skip) == table_rows(reference, table, skip), table
    assert {row["user_turns"] for row in table_rows(analytics_url, "conversations")} == {2}
