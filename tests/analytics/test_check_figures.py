"""The staff Checks page's figures, from a real migrated analytics database seeded with known runs."""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bot.analytics import checks
from bot.analytics.filters import Filters
from bot.checks.catalogue import TITLES
from bot.checks.scoring import WEIGHTS
from bot.storage import database
from bot.storage.models import CheckRun, Conversation
from bot.web.staff.tables import write_csv

NOVEMBER = Filters(date(2026, 11, 1), date(2026, 11, 30))
AT = datetime(2026, 11, 10, 9)


def _run(n: int, conversation: str, visitor: str, kind: str, findings: str | None,
         outcome: str = "checked", at: datetime = AT) -> CheckRun:
    return CheckRun(event_id=n, conversation_key=conversation, visitor_key=visitor, at=at,
                    week=date(2026, 11, 9), kind=kind, outcome=outcome, findings=findings)


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    """Six micro retail conversations in England (five businesses: v4 came twice) with a
    website check each, two small Welsh ones of unknown sector with an email check each,
    one refused check and one check in December."""
    url = f"sqlite:///{tmp_path / 'analytics.db'}"
    database.upgrade(url)
    found = database.create_engine(url)
    rows: list[object] = []
    for n in range(8):
        visitor = f"v{min(n, 4)}" if n < 6 else f"v{n}"
        micro = n < 6
        rows.append(Conversation(conversation_key=f"c{n}", visitor_key=visitor, started_at=AT, last_at=AT,
                                 size="micro" if micro else "small", sector="retail" if micro else None,
                                 nation="england" if micro else "wales"))
        if micro:
            findings = "https:pass,hsts:warning,caa:fail" if n < 4 else "https:fail,hsts:pass"
            rows.append(_run(n, f"c{n}", visitor, "website", findings))
        else:
            rows.append(_run(n, f"c{n}", visitor, "email_domain", "mx:pass,dmarc:warning"))
    rows.append(_run(50, "c0", "v0", "website", None, outcome="refused"))
    rows.append(_run(51, "c0", "v0", "website", "https:fail", at=datetime(2026, 12, 2, 9)))
    with database.session_factory(found)() as session:
        session.add_all(rows)
        session.commit()
    return found


def test_checks_run_by_conversations_and_businesses(engine: Engine) -> None:
    with engine.connect() as conn:
        found = checks.summary(conn, NOVEMBER)
    assert found["kinds"]["website"] == {"kind": "website", "title": "Website", "checks": 6,
                                         "conversations": 6, "businesses": 5, "not_run": 1}
    assert found["kinds"]["email_domain"] == {"kind": "email_domain", "title": "Email", "checks": 2,
                                              "conversations": 2, "businesses": 2, "not_run": 0}


def test_share_passing_each_finding_in_catalogue_order(engine: Engine) -> None:
    with engine.connect() as conn:
        found = checks.summary(conn, NOVEMBER)["findings"]
    website = [(row["finding"], row["checked"], row["passed"], row["warnings"], row["fails"],
                row["pass_share"]) for row in found["website"]]
    assert website == [("https", 6, 4, 0, 2, 4 / 6), ("hsts", 6, 2, 4, 0, 2 / 6), ("caa", 4, 0, 0, 4, 0.0)]
    assert found["website"][0]["title"] == "HTTPS works with a trusted certificate"
    email = [(row["finding"], row["pass_share"]) for row in found["email_domain"]]
    assert email == [("mx", 1.0), ("dmarc", 0.0)]


def test_commonest_problems_by_segment_leave_out_small_groups(engine: Engine) -> None:
    with engine.connect() as conn:
        found = checks.summary(conn, NOVEMBER)["segments"]
    for dimension, value in (("size", "micro"), ("sector", "retail"), ("nation", "england")):
        [group] = found[dimension]["shown"]
        assert (group["segment"], group["kind"], group["checks"]) == (value, "website", 6)
        assert [(p["finding"], p["count"], p["share"]) for p in group["problems"]] == [
            ("caa", 4, 4 / 6), ("hsts", 4, 4 / 6), ("https", 2, 2 / 6)]
        # The two small Welsh email checks are below the floor of five: withheld, not shown.
        assert found[dimension]["withheld"] == 1


def test_segment_filters_use_the_conversation_profile(engine: Engine) -> None:
    with engine.connect() as conn:
        small = checks.summary(conn, Filters(NOVEMBER.start, NOVEMBER.end, size="small"))
        unknown = checks.summary(conn, Filters(NOVEMBER.start, NOVEMBER.end, sector="unknown"))
        december = checks.summary(conn, Filters(date(2026, 12, 1), date(2026, 12, 31)))
    assert small["kinds"]["website"]["checks"] == 0 and small["kinds"]["email_domain"]["checks"] == 2
    assert unknown["kinds"] == small["kinds"]
    assert december["kinds"]["website"]["checks"] == 1
    assert december["findings"]["website"][0]["fails"] == 1


def test_the_csv_exports_the_segment_table(engine: Engine) -> None:
    out = io.StringIO()
    with engine.connect() as conn:
        assert write_csv(conn, "check-problems-size", NOVEMBER, out) == 3
        headline = io.StringIO()
        assert write_csv(conn, "checks", NOVEMBER, headline) == 2
    lines = out.getvalue().lstrip("\ufeff").splitlines()
    assert lines[0] == "segment,kind,checks,rank,finding,title,problems,share"
    assert lines[1] == "micro,website,6,1,caa,CAA record names who may issue certificates,4,0.6667"
    assert "website,Website,6,6,5,1" in headline.getvalue()


def test_every_weighed_finding_has_a_plain_title() -> None:
    assert set(WEIGHTS) == set(TITLES)
