"""The staff summary of checks, from a real migrated analytics database."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from bot.checks.staff_stats import check_summary
from bot.storage import database
from bot.storage.models import CheckRun, Conversation


def test_checks_and_commonest_problems_by_segment(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'analytics.db'}"
    database.upgrade(url)
    engine = database.create_engine(url)
    at = datetime(2026, 12, 1, 10)
    rows: list[object] = []
    for n in range(7):
        size = "micro" if n < 6 else "small"
        rows.append(Conversation(conversation_key=f"c{n}", visitor_key=f"v{n}", started_at=at,
                                 last_at=at, size=size))
        findings = "mx:pass,dmarc:warning,dkim:fail" if n % 2 else "mx:pass,dmarc:warning,spf:pass"
        rows.append(CheckRun(event_id=n, conversation_key=f"c{n}", visitor_key=f"v{n}", at=at,
                             week=date(2026, 11, 30), kind="email_domain", outcome="checked",
                             passes=1, warnings=1, fails=1, findings=findings))
    rows.append(CheckRun(event_id=99, conversation_key="c0", visitor_key="v0", at=at,
                         week=date(2026, 11, 30), kind="email_domain", outcome="refused",
                         passes=0, warnings=0, fails=0, findings=None))
    with database.session_factory(engine)() as session:
        session.add_all(rows)
        session.commit()
    summary = check_summary(engine, by="size")
    assert [(g.segment, g.kind, g.checks) for g in summary] == [("micro", "email_domain", 6)]
    assert summary[0].commonest() == [("dmarc", 6), ("dkim", 3)]
    # The one small business is below the floor, so it is not shown on its own.
    assert check_summary(engine, by="size", min_count=1)[-1].segment == "small"
