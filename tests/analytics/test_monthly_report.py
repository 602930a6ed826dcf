"""The monthly report as a PDF and by email: a real SQLite database of known conversations,
the PDF read back with pypdf, and a real SMTP server on loopback (tests/smtp.py)."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from pypdf import PdfReader
from typer.testing import CliRunner

from bot.analytics import monthly, monthly_email
from bot.cli import app
from bot.storage.database import create_engine, upgrade
from bot.storage.models import Conversation, StaffAudit, Turn
from tests.smtp import SmtpServer, body_of, smtp_server  # noqa: F401

#: Visitor and conversation keys: none of them may appear in the PDF or the email.
VISITORS = {name: f"{index:x}" * 64 for index, name in enumerate("abcde", start=10)}
#: (visitor, when, got a plan): January 2026 is the report's month.
CONVERSATIONS = [
    ("a", datetime(2026, 1, 5, 9), True), ("a", datetime(2026, 1, 20, 9), False),
    ("b", datetime(2026, 1, 12, 14), False), ("c", datetime(2026, 1, 30, 16), True),
    ("a", datetime(2025, 12, 3, 10), False), ("d", datetime(2025, 12, 15, 11), False),
    ("e", datetime(2025, 1, 8, 10), False),
]
GAP = "can I claim the vat back on a laptop"


def _keys(number: int) -> str:
    return f"{number:064d}"


@pytest.fixture()
def database(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'analytics.db'}"
    engine = create_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        for number, (visitor, at, plan) in enumerate(CONVERSATIONS):
            conn.execute(sa.insert(Conversation.__table__).values(
                conversation_key=_keys(number), visitor_key=VISITORS[visitor], channel="rest",
                started_at=at, last_at=at + timedelta(minutes=5), user_turns=2, got_plan=plan,
                size="micro", nation="wales"))
            texts = [GAP, "what is phishing"] if at.month == 1 and at.year == 2026 and visitor != "c" \
                else ["what is phishing"]
            for offset, text in enumerate(texts):
                missed = text == GAP
                turn_at = at + timedelta(minutes=offset + 1)
                conn.execute(sa.insert(Turn.__table__).values(
                    event_id=number * 10 + offset, conversation_key=_keys(number),
                    visitor_key=VISITORS[visitor], at=turn_at,
                    week=turn_at.date() - timedelta(days=turn_at.weekday()), channel="rest", text=text,
                    intent="nlu_fallback" if missed else "ask_phishing", fallback=missed))
    engine.dispose()
    return url


def pdf_text(data: bytes) -> str:
    pages = PdfReader(io.BytesIO(data)).pages
    return " ".join(" ".join((page.extract_text() or "").split()) for page in pages)


def assert_no_keys(text: str) -> None:
    for key in [*VISITORS.values(), *(_keys(n) for n in range(len(CONVERSATIONS)))]:
        assert key not in text


def test_the_pdf_holds_the_months_figures_against_the_month_before_and_last_year(
        database: str, tmp_path: Path) -> None:
    target = tmp_path / "report.pdf"
    result = CliRunner().invoke(app, ["monthly-report", "--month", "2026-01", "--pdf", str(target),
                                      "--database-url", database])
    assert result.exit_code == 0, result.output
    text = pdf_text(target.read_bytes())
    assert text.startswith("Monthly report: January 2026")
    assert "01 Jan 2026 to 31 Jan 2026. Compared with 01 Dec 2025 to 31 Dec 2025" in text
    # Reach counts businesses: a twice in January is one. 3 against 2 (a, d) and 1 (e).
    assert "Businesses reached 3 2 +1 (+50.0%) 1 +2 (+200.0%)" in text
    assert "Conversations 4 2 +2 (+100.0%) 1 +3 (+300.0%)" in text
    assert "Conversations with a plan 2 0 +2 0 +2" in text
    # Three of seven January messages went unanswered, all one group.
    assert "3 of 7 messages (42.9%)" in text
    assert f"1. {GAP}: 3 (42.9%; month before 0)" in text
    assert "Per 1,000 UK private sector businesses" in text
    assert_no_keys(text)


def test_a_month_that_is_not_yyyy_mm_is_refused(database: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["monthly-report", "--month", "January", "--pdf",
                                      str(tmp_path / "x.pdf"), "--database-url", database])
    assert result.exit_code != 0 and "not a month" in result.output


@pytest.mark.parametrize(("year", "month", "first"), [
    (2026, 2, date(2026, 2, 2)),  # 1 February 2026 is a Sunday
    (2026, 8, date(2026, 8, 3)),  # 1 August 2026 is a Saturday (England's summer holiday is the 31st)
    (2026, 4, date(2026, 4, 1)),  # a Wednesday
    (2026, 6, date(2026, 6, 1)),  # a Monday
])
def test_without_a_bank_holiday_the_first_working_day_is_the_first_monday_to_friday(
        year: int, month: int, first: date) -> None:
    """England by default; months that a bank holiday moves are in test_bank_holidays.py."""
    assert monthly_email.first_working_day(year, month) == first


def test_the_email_goes_on_the_first_working_day_once_with_the_pdf(
        database: str, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    monkeypatch.setenv("SMTP_URL", smtp_server.url)
    monkeypatch.setenv("REPORT_EMAIL_TO", "programme@example.org, minister.office@example.org")
    monkeypatch.setenv("WEB_PUBLIC_URL", "https://chat.example.org")
    config = monthly_email.configured()
    assert config is not None
    engine = create_engine(database)
    inbox = smtp_server.inbox.messages
    before = len(inbox)
    try:
        sunday = monthly_email.send_due(engine, config, clock=lambda: datetime(2026, 2, 1, 7))
        assert not sunday.sent and "due on Monday 02 February 2026" in sunday.reason
        assert len(inbox) == before
        monday = monthly_email.send_due(engine, config, clock=lambda: datetime(2026, 2, 2, 7))
        assert monday.sent and monday.month.start == date(2026, 1, 1)
        assert len(inbox) == before + 1
        # A restart the same day, and the next day's run, send nothing more.
        for again in (datetime(2026, 2, 2, 7, 5), datetime(2026, 2, 3, 7)):
            outcome = monthly_email.send_due(engine, config, clock=lambda at=again: at)
            assert not outcome.sent and "emailed already" in outcome.reason
        assert len(inbox) == before + 1
        with engine.connect() as conn:
            audit = conn.execute(sa.select(StaffAudit.__table__.c.username, StaffAudit.__table__.c.detail)
                                 .where(StaffAudit.__table__.c.action == "report_emailed")).all()
        assert [tuple(row) for row in audit] == [("monthly report", "2026-01")]
    finally:
        engine.dispose()
    mail = inbox[-1]
    assert mail["Subject"] == "Monthly report: January 2026"
    assert set(mail["X-Envelope-To"].split(",")) == {"programme@example.org", "minister.office@example.org"}
    body = body_of(mail)
    assert "- Businesses reached: 3; 2 (+1 (+50.0%)); 1 (+2 (+200.0%))" in body
    assert "https://chat.example.org/staff/report?month=2026-01" in body
    assert GAP not in body  # figures only in the text
    assert_no_keys(body)
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_filename() == "monthly-report-2026-01.pdf"
    assert attachment.get_content_type() == "application/pdf"
    text = pdf_text(attachment.get_content())
    assert text.startswith("Monthly report: January 2026") and "Businesses reached 3 2" in text
    assert_no_keys(text)


def test_the_command_emails_a_chosen_month_once_and_is_off_without_addresses(
        database: str, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    monkeypatch.setenv("SMTP_URL", smtp_server.url)
    monkeypatch.delenv("REPORT_EMAIL_TO", raising=False)
    command = ["monthly-report", "--month", "2026-01", "--email", "--database-url", database]
    off = CliRunner().invoke(app, command)
    assert off.exit_code == 0 and "email is off" in off.output
    monkeypatch.setenv("REPORT_EMAIL_TO", "programme@example.org")
    before = len(smtp_server.inbox.messages)
    first = CliRunner().invoke(app, command)
    assert first.exit_code == 0, first.output
    assert "Emailed the report for January 2026 to 1 address." in first.output
    second = CliRunner().invoke(app, command)
    assert second.exit_code == 0 and "emailed already" in second.output
    assert len(smtp_server.inbox.messages) == before + 1
    monkeypatch.setenv("REPORT_EMAIL_TO", "programme@example.org, not an address")
    bad = CliRunner().invoke(app, command)
    assert bad.exit_code == 2 and "entry 2 is not an email address" in bad.output
    assert "not an address" not in bad.output


def test_a_month_not_yet_over_is_not_emailed_so_the_whole_month_still_goes(
        database: str, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    monkeypatch.setenv("SMTP_URL", smtp_server.url)
    monkeypatch.setenv("REPORT_EMAIL_TO", "programme@example.org")
    config = monthly_email.configured()
    assert config is not None
    engine = create_engine(database)
    before = len(smtp_server.inbox.messages)
    try:
        running = monthly_email.send(engine, config, monthly.month_period("2026-02", date(2026, 2, 10)))
        assert not running.sent and "February 2026 is not over until 28 February 2026" in running.reason
        march = monthly_email.send_due(engine, config, clock=lambda: datetime(2026, 3, 2, 7))
        assert march.sent and march.month.start == date(2026, 2, 1)
    finally:
        engine.dispose()
    assert len(smtp_server.inbox.messages) == before + 1
