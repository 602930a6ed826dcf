"""Incremental refresh gives what a full rebuild gives; retention removes question texts."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.analytics import metrics as m
from bot.analytics import unanswered
from bot.analytics.filters import Filters
from bot.analytics.rollups.refresh import forget_question_texts, refresh_rollups
from bot.storage.models import Commitment, Conversation, StoredPlanStep, Turn
from bot.storage.rollups import RollupCell, RollupQuestion, RollupUnanswered
from tests.analytics.metrics import dataset as ds

WIDE = Filters(date(2025, 3, 3), date(2025, 3, 23))


def _report(engine: Engine) -> dict[str, Any]:
    with engine.connect() as connection:
        return m.full_report(connection, WIDE)


def _ingest_more(connection: sa.engine.Connection) -> None:
    """What ingestion would write next, after the newest data (2025-03-20 09:0x)."""
    c, t = Conversation.__table__, Turn.__table__
    k_at = datetime(2025, 3, 20, 10, 0)
    # V2 comes back, gets a plan and commits: V2's plan conversation D (12 March) now
    # counts as committed, although nothing on 12 March changed.
    connection.execute(c.insert().values(
        conversation_key=ds.key("K"), visitor_key=ds.key("V2"), started_at=k_at,
        last_at=k_at + timedelta(minutes=6), is_returning=True, user_turns=2, profiled=True, got_plan=True,
        last_intent="commit_step", size="sole_trader", sector="hospitality", nation="wales"))
    connection.execute(t.insert(), [
        {"event_id": 1001, "conversation_key": ds.key("K"), "visitor_key": ds.key("V2"),
         "at": k_at + timedelta(minutes=1), "week": date(2025, 3, 17), "text": "what is phishing",
         "intent": "ask_phishing", "topics": "phishing", "fallback": False, "out_of_scope": False,
         "size": "sole_trader", "sector": "hospitality", "nation": "wales"},
        {"event_id": 1002, "conversation_key": ds.key("K"), "visitor_key": ds.key("V2"),
         "at": k_at + timedelta(minutes=5), "week": date(2025, 3, 17), "text": "will do",
         "intent": "commit_step", "topics": None, "fallback": False, "out_of_scope": False,
         "size": "sole_trader", "sector": "hospitality", "nation": "wales"}])
    connection.execute(StoredPlanStep.__table__.insert().values(
        conversation_key=ds.key("K"), visitor_key=ds.key("V2"), at=k_at + timedelta(minutes=2), position=1,
        topic="phishing", step="phishing_spot_signs", size="sole_trader", sector="hospitality",
        nation="wales"))
    connection.execute(Commitment.__table__.insert().values(
        visitor_key=ds.key("V2"), conversation_key=ds.key("K"), topic="phishing",
        step="phishing_spot_signs", committed_at=k_at + timedelta(minutes=5), status="open",
        status_at=k_at + timedelta(minutes=5), size="sole_trader", sector="hospitality", nation="wales"))
    # V1's follow-up: the commitment made on 4 March is done now.
    l_at = datetime(2025, 3, 20, 11, 0)
    connection.execute(c.insert().values(
        conversation_key=ds.key("L"), visitor_key=ds.key("V1"), started_at=l_at,
        last_at=l_at + timedelta(minutes=2), is_returning=True, user_turns=1, profiled=True, got_plan=False,
        last_intent="report_done", size="micro", sector="retail", nation="england"))
    connection.execute(t.insert().values(
        event_id=1003, conversation_key=ds.key("L"), visitor_key=ds.key("V1"), at=l_at + timedelta(minutes=1),
        week=date(2025, 3, 17), text="done it", intent="report_done", fallback=False, out_of_scope=False,
        size="micro", sector="retail", nation="england"))
    connection.execute(Commitment.__table__.update()
                       .where(Commitment.visitor_key == ds.key("V1"),
                              Commitment.step == "phishing_spot_signs")
                       .values(status="done", status_at=l_at + timedelta(minutes=1),
                               done_at=l_at + timedelta(minutes=1)))
    # The bot's reply adds a topic to an earlier turn of J, and touches J.
    connection.execute(t.update().where(t.c.event_id == len(ds.TURNS)).values(topics="phishing"))
    connection.execute(c.update().where(c.c.conversation_key == ds.key("J"))
                       .values(last_at=datetime(2025, 3, 20, 12, 0)))


def test_incremental_refresh_equals_a_full_rebuild(engine: Engine) -> None:
    with engine.begin() as connection:
        ds.load(connection)
        assert refresh_rollups(connection).full
    before = _report(engine)
    with engine.begin() as connection:
        _ingest_more(connection)
        report = refresh_rollups(connection)
    assert not report.full and report.days > 0
    incremental = _report(engine)
    with engine.begin() as connection:
        refresh_rollups(connection, full=True)
    assert incremental == _report(engine)
    assert incremental != before
    rate = incremental["metrics"]["commitment_rate"]["total"]
    assert (rate["visitors_with_plan"], rate["visitors_committed"]) == (4, 3)  # V2 now committed
    assert incremental["metrics"]["uptake"]["total"]["done"] == 3
    # Nothing new: nothing recomputed.
    with engine.begin() as connection:
        assert refresh_rollups(connection).days == 0


def test_forgetting_question_texts(engine: Engine) -> None:
    with engine.begin() as connection:
        ds.load(connection)
        refresh_rollups(connection)
        forget_question_texts(connection, datetime(2025, 3, 10))
    with engine.connect() as connection:
        questions = m.top_questions(connection, Filters(ds.START, ds.END))[m.TOTAL]
        assert [(q["text"], q["count"]) for q in questions["top"]] == [
            ("how do i back up", 2), ("what is ransomware", 1)]
        assert questions["questions"] == 7  # counts stay
        q = RollupQuestion.__table__
        assert connection.execute(sa.select(sa.func.count()).select_from(q)
                                  .where(q.c.period < date(2025, 3, 10), q.c.grain == "d")).scalar() == 0
        cells = RollupCell.__table__
        assert connection.execute(sa.select(sa.func.count()).select_from(cells)).scalar() > 0


def test_forgetting_texts_takes_unanswered_messages_out_of_the_groups(engine: Engine) -> None:
    """The unanswered groups count by a digest of the text; retention must clear it too."""
    everything = Filters(ds.START, ds.END)
    with engine.begin() as connection:
        ds.load(connection)
        refresh_rollups(connection)
    with engine.connect() as connection:
        before = {row["text"] for row in unanswered._distinct_texts(connection, everything)}
    assert {"the box is blinking", "how do I register for VAT", "tell me a joke"} <= before
    with engine.begin() as connection:
        forget_question_texts(connection, datetime(2025, 3, 10))
    with engine.connect() as connection:
        after = {row["text"] for row in unanswered._distinct_texts(connection, everything)}
        u = RollupUnanswered.__table__
        kept_before_cut = connection.execute(sa.select(sa.func.count()).select_from(u).where(
            u.c.at < datetime(2025, 3, 10), u.c.text_hash.isnot(None))).scalar()
    assert kept_before_cut == 0
    assert "the box is blinking" not in after and "how do I register for VAT" not in after
    assert "tell me a joke" in after  # 10 March, after the cut-off
