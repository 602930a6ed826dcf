"""Every metric on the hand-built dataset (dataset.py), against values worked out by hand."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy.engine import Connection, Engine

from bot.analytics import metrics as m
from bot.analytics.filters import Filters
from bot.analytics.rollups.refresh import refresh_rollups
from tests.analytics.metrics import dataset as ds

RANGE = Filters(ds.START, ds.END)
WEEK1, WEEK2 = "2025-03-03", "2025-03-10"


@pytest.fixture()
def conn(engine: Engine) -> Connection:
    with engine.begin() as connection:
        ds.load(connection)
        refresh_rollups(connection)
    with engine.connect() as connection:
        yield connection


def total(table: m.Table) -> dict[str, Any]:
    return table[m.TOTAL]


def test_reach(conn: Connection) -> None:
    # In range: B C D E F G I (A, H before; J after). V1 and V5 came before the range.
    assert total(m.reach(conn, RANGE)) == {
        "unique_visitors": 6, "new_visitors": 4, "returning_visitors": 2, "conversations": 7}
    by_size = m.reach(conn, RANGE, "size")
    # Each visitor counted once, in the segment of their first conversation in the range.
    assert by_size["micro"] == {"unique_visitors": 1, "new_visitors": 0, "returning_visitors": 1,
                                "conversations": 1}
    assert by_size["sole_trader"] == {"unique_visitors": 1, "new_visitors": 1, "returning_visitors": 0,
                                      "conversations": 2}
    assert by_size["medium"]["returning_visitors"] == 1
    assert by_size["unknown"] == {"unique_visitors": 2, "new_visitors": 2, "returning_visitors": 0,
                                  "conversations": 2}
    assert sum(row["unique_visitors"] for row in by_size.values()) == 6
    by_week = m.reach(conn, RANGE, "week")
    assert by_week[WEEK1] == {"unique_visitors": 2, "new_visitors": 1, "returning_visitors": 1,
                              "conversations": 2}
    # V2 (conversation C in the first week) and V5 (H in January) return in the second week.
    assert by_week[WEEK2] == {"unique_visitors": 5, "new_visitors": 3, "returning_visitors": 2,
                              "conversations": 5}


def test_profile_completion_and_plans(conn: Connection) -> None:
    assert total(m.profile_completion(conn, RANGE)) == {"conversations": 7, "profiled": 4, "rate": 4 / 7}
    plans = total(m.plans_delivered(conn, RANGE))
    assert plans["conversations_with_plan"] == 4
    assert plans["plan_rate"] == 4 / 7
    in_range = [p for p in ds.PLAN_ITEMS if ds.START <= ds.at(p[1]).date() <= ds.END]
    assert plans["plan_items"] == len(in_range) == 8
    assert plans["plan_items_by_topic"] == {"backups": 4, "malware": 1, "passwords": 1, "phishing": 1,
                                            "ransomware": 1}
    assert m.plans_delivered(conn, RANGE, "nation")["wales"]["conversations_with_plan"] == 1


def test_commitment_rate(conn: Connection) -> None:
    # Plan visitors V1 (B), V2 (D), V4 (F), V5 (G); V1 and V4 committed then. V5's only
    # commitment was made in January, before the plan conversation G, so it does not count.
    assert total(m.commitment_rate(conn, RANGE)) == {"visitors_with_plan": 4, "visitors_committed": 2,
                                                     "rate": 0.5}
    by_size = m.commitment_rate(conn, RANGE, "size")
    assert by_size["micro"]["rate"] == 1.0
    assert by_size["sole_trader"]["rate"] == 0.0
    assert by_size["unknown"]["rate"] is None


def test_uptake_and_time_to_done(conn: Connection) -> None:
    assert total(m.uptake(conn, RANGE)) == {"commitments_made": 4, "open": 1, "done": 2, "not_yet": 0,
                                            "dropped": 1, "rate": 0.5}
    # Done after 3 days 5 hours (3 whole days) and after 10 hours (0): median 1.5.
    assert total(m.time_to_done(conn, RANGE)) == {"done": 2, "median_days": 1.5}
    assert m.time_to_done(conn, RANGE, "size")["small"] == {"done": 1, "median_days": 0.0}


def test_helpfulness(conn: Connection) -> None:
    result = total(m.helpfulness(conn, RANGE))
    assert (result["feedback"], result["helpful"], result["rate"]) == (4, 3, 0.75)
    assert result["topics"] == {
        "backups": {"feedback": 1, "helpful": 1, "rate": 1.0},
        "phishing": {"feedback": 2, "helpful": 1, "rate": 0.5},
        "ransomware": {"feedback": 1, "helpful": 1, "rate": 1.0},
    }
    # Feedback is segmented by its conversation's profile.
    assert m.helpfulness(conn, RANGE, "size")["micro"]["rate"] == 0.5


def test_topics_and_questions(conn: Connection) -> None:
    in_range = [t for t in ds.TURNS if ds.START <= ds.at(t[1]).date() <= ds.END]
    with_topic = [t for t in in_range if t[4]]
    topics = total(m.top_topics(conn, RANGE))
    assert topics["turns_with_topic"] == len(with_topic) == 7
    assert [(t["topic"], t["count"]) for t in topics["topics"]] == [
        ("backups", 3), ("phishing", 3), ("email_security", 1), ("ransomware", 1)]
    questions = total(m.top_questions(conn, RANGE))
    assert questions["questions"] == 7
    assert [(q["text"], q["count"]) for q in questions["top"]] == [
        ("how do i back up", 3), ("what is phishing", 2), ("is this email from [EMAIL] a scam", 1),
        ("what is ransomware", 1)]
    assert questions["top"][0]["share"] == 3 / 7
    # Turns are segmented by their own snapshot: C's first question came before the size answer.
    by_size = m.top_questions(conn, RANGE, "size")
    assert [(q["text"], q["count"]) for q in by_size["unknown"]["top"]] == [("what is phishing", 1)]
    assert [(q["text"], q["count"]) for q in by_size["sole_trader"]["top"]] == [
        ("how do i back up", 1), ("what is phishing", 1)]


def test_unanswered_and_examples(conn: Connection) -> None:
    in_range = [t for t in ds.TURNS if ds.START <= ds.at(t[1]).date() <= ds.END]
    fallback = sum(1 for t in in_range if t[2] == "nlu_fallback")
    out_of_scope = sum(1 for t in in_range if t[2] == "out_of_scope")
    assert (len(in_range), fallback, out_of_scope) == (21, 3, 2)
    assert total(m.unanswered(conn, RANGE)) == {
        "turns": 21, "fallback": 3, "out_of_scope": 2, "fallback_rate": 3 / 21, "out_of_scope_rate": 2 / 21}
    by_size = m.unanswered(conn, RANGE, "size")
    assert by_size["unknown"]["fallback"] == 2 and by_size["micro"]["fallback"] == 1
    examples = m.unanswered_examples(conn, RANGE)
    # Newest first; the blanked text (retention) is skipped.
    assert [e["text"] for e in examples] == ["hmm", "tell me a joke", "how do I register for VAT",
                                             "the box is blinking"]
    assert [e["kind"] for e in examples] == ["fallback", "out_of_scope", "out_of_scope", "fallback"]
    assert [e["text"] for e in m.unanswered_examples(conn, Filters(ds.START, ds.END, size="micro"))] == [
        "the box is blinking"]


def test_drop_off(conn: Connection) -> None:
    result = total(m.drop_off(conn, RANGE))
    assert result["conversations_without_plan"] == 3
    assert [(i["intent"], i["count"]) for i in result["last_intents"]] == [
        ("ask_phishing", 1), ("nlu_fallback", 1), ("out_of_scope", 1)]


def test_range_that_does_not_start_on_a_monday(conn: Connection) -> None:
    """Wednesday to Friday of the next week: edges come from day cells, and exactly."""
    filters = Filters(date(2025, 3, 5), date(2025, 3, 14))  # C, E, D, F; not B (4th) or G (15th)
    assert total(m.reach(conn, filters)) == {
        "unique_visitors": 3, "new_visitors": 3, "returning_visitors": 0, "conversations": 4}
    by_week = m.reach(conn, filters, "week")
    assert by_week[WEEK1]["unique_visitors"] == 1
    # V2 started the range with C on the 5th, so in the week of the 10th V2 is returning.
    assert by_week[WEEK2] == {"unique_visitors": 3, "new_visitors": 2, "returning_visitors": 1,
                              "conversations": 3}
    assert total(m.commitment_rate(conn, filters)) == {"visitors_with_plan": 2, "visitors_committed": 1,
                                                       "rate": 0.5}
    assert total(m.uptake(conn, filters))["commitments_made"] == 2
    assert total(m.time_to_done(conn, filters)) == {"done": 1, "median_days": 0.0}
    assert total(m.unanswered(conn, filters))["turns"] == 4 + 3 + 2 + 3


def test_filters_select_segments(conn: Connection) -> None:
    micro = Filters(ds.START, ds.END, size="micro")
    assert total(m.reach(conn, micro))["conversations"] == 1
    unknown = Filters(ds.START, ds.END, size="unknown")
    assert total(m.reach(conn, unknown)) == {
        "unique_visitors": 2, "new_visitors": 2, "returning_visitors": 0, "conversations": 2}
    wales = Filters(ds.START, ds.END, nation="wales", sector="hospitality")
    assert total(m.plans_delivered(conn, wales))["conversations_with_plan"] == 1
    assert total(m.uptake(conn, Filters(ds.START, ds.END, size="small")))["done"] == 1
    nobody = Filters(ds.START, ds.END, sector="charity")
    assert total(m.profile_completion(conn, nobody)) == {"conversations": 0, "profiled": 0, "rate": None}
    # A breakdown group within a filter.
    by_sector = m.reach(conn, Filters(ds.START, ds.END, nation="england"), "sector")
    assert list(by_sector) == ["retail", "hospitality", "professional_services", "health_care",
                               "construction_trades", "creative_media", "charity", "education",
                               "manufacturing", "other", "unknown"]
    assert by_sector["retail"]["conversations"] == 1


def test_bad_filters_are_refused() -> None:
    with pytest.raises(ValueError, match="allowed: sole_trader, micro, small, medium, unknown"):
        Filters(ds.START, ds.END, size="huge")
    with pytest.raises(ValueError, match="before it starts"):
        Filters(ds.END, ds.START)


def test_full_report_is_plain_data(conn: Connection) -> None:
    import json

    report = m.full_report(conn, RANGE)
    assert json.loads(json.dumps(report)) == report
    assert set(report["metrics"]) == set(m.METRICS)
    for section in report["metrics"].values():
        assert set(section) == {"total", "by_size", "by_sector", "by_nation", "by_week"}
        assert list(section["by_week"]) == [WEEK1, WEEK2]
