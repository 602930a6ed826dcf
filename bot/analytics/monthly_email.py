"""The month's report by email to staff, on the first working day of the next month, once.

``bot monthly-report --email`` runs daily (deploy/systemd/sme-monthly-report.timer). On the
first working day of a month, or the first run after it, it sends last month's report (the
PDF attached, the headline figures in the text) to the addresses in ``REPORT_EMAIL_TO``,
through ``SMTP_URL`` as plan emails are (bot/plans/reminders.py's ``Mailer``). A working day
is a Monday to Friday that is not a bank holiday in the nation ``REPORT_BANK_HOLIDAYS`` names
(England by default; bot/analytics/bank_holidays.py), so a report due on 1 January, say,
goes on the next working day instead of the holiday.

Each sending is written to the staff audit log (``staff_audit``, action ``report_emailed``,
detail the month), which admins see on the Audit page; a month found there is not sent
again, so a restart or a second run the same day sends nothing. The record is written
after the mail server accepted the message: a database failure at that moment could mean
one more email the next day, never a month without one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from email.message import EmailMessage
from typing import Any, Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot import settings
from bot.analytics import bank_holidays, monthly, monthly_pdf
from bot.analytics.filters import Filters
from bot.analytics.report_periods import Period
from bot.analytics.rollups.refresh import refresh_rollups
from bot.plans.reminders import EMAIL, Mailer
from bot.storage.models import StaffAudit

logger = logging.getLogger(__name__)
AUDIT: sa.Table = StaffAudit.__table__
#: Who the audit log says sent it, and the action it records.
SENDER = "monthly report"
ACTION = "report_emailed"


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def first_working_day(year: int, month: int, nation: str = "england") -> date:
    """The month's first Monday to Friday that is not one of ``nation``'s bank holidays."""
    day = date(year, month, 1)
    while day.weekday() >= 5 or bank_holidays.is_bank_holiday(day, nation):
        day += timedelta(days=1)
    return day


@dataclass(frozen=True)
class Config:
    mailer: Mailer
    recipients: tuple[str, ...]
    web_url: str
    #: Whose bank holidays are not working days (``REPORT_BANK_HOLIDAYS``).
    nation: str = "england"


def configured() -> Config | None:
    """The email settings, or ``None`` when it is off (no ``REPORT_EMAIL_TO`` or no ``SMTP_URL``).

    An entry of ``REPORT_EMAIL_TO`` that is not an email address is an error (by its
    position, so the log never holds an address), as is an unknown ``REPORT_BANK_HOLIDAYS``.
    """
    recipients, url = settings.report_email_to(), settings.smtp_url()
    if not recipients or not url:
        return None
    for position, address in enumerate(recipients, start=1):
        if not EMAIL.match(address):
            raise ValueError(f"REPORT_EMAIL_TO: entry {position} is not an email address")
    return Config(Mailer.from_url(url, settings.plan_email_from()), recipients, settings.web_public_url(),
                  settings.report_bank_holidays())


def month_key(month: Period) -> str:
    return f"{month.start:%Y-%m}"


def already_sent(conn: Connection, month: Period) -> bool:
    """Whether the audit log records this month's report as emailed."""
    found = conn.execute(sa.select(AUDIT.c.id).where(
        AUDIT.c.action == ACTION, AUDIT.c.detail == month_key(month)).limit(1)).first()
    return found is not None


def body(found: dict[str, Any], link: str) -> str:
    """The email's text: the headline figures and two totals, no visitor's words."""
    month = found["month"]
    lines = [f"The monthly report for {month.start:%B %Y} is attached as a PDF.", "",
             "Headline figures (this month; the month before; the same month last year):"]
    for label, now, before, change, year, year_change in monthly_pdf.headline_rows(found):
        lines.append(f"- {label}: {now}; {before} ({change}); {year} ({year_change})")
    urgent, gaps = found["incidents"], found["unanswered"]
    lines += ["", f"Conversations after an incident: {monthly_pdf.number(urgent['conversations'])}.",
              f"Messages the assistant could not answer: {monthly_pdf.number(gaps['unanswered'])} of "
              f"{monthly_pdf.number(gaps['turns'])} ({monthly_pdf.percent(gaps['share'])}).", "",
              "The full report, with uptake against the business population and the biggest "
              "unanswered questions, is in the PDF and on the dashboard:", link]
    return "\n".join(lines)


def message(found: dict[str, Any], recipients: tuple[str, ...], web_url: str) -> EmailMessage:
    """The email: the text, and the report as a PDF attachment."""
    key = month_key(found["month"])
    mail = EmailMessage()
    mail["To"] = ", ".join(recipients)
    mail["Subject"] = f"Monthly report: {found['month'].start:%B %Y}"
    mail.set_content(body(found, f"{web_url}/staff/report?month={key}"))
    mail.add_attachment(monthly_pdf.render(found), maintype="application", subtype="pdf",
                        filename=f"monthly-report-{key}.pdf")
    return mail


@dataclass(frozen=True)
class Outcome:
    month: Period
    sent: bool
    reason: str  # what happened, in a sentence for the log


def send(engine: Engine, config: Config, month: Period, *, refresh: bool = True,
         clock: Callable[[], datetime] = _now) -> Outcome:
    """Email ``month``'s report unless the audit log says it went already.

    A month not yet over is not sent: its record would stop the whole month's report
    going out on the next month's first working day.
    """
    if month.unfinished:
        return Outcome(month, False, f"{month.start:%B %Y} is not over until {month.full_end:%d %B %Y}: "
                                     "its report is emailed after that.")
    with engine.connect() as conn:
        if already_sent(conn, month):
            return Outcome(month, False, f"The report for {month.start:%B %Y} was emailed already.")
    if refresh:
        with engine.begin() as conn:
            refresh_rollups(conn)
    with engine.connect() as conn:
        found = monthly.report(conn, month, Filters(month.start, month.end))
    config.mailer.send(message(found, config.recipients, config.web_url))
    with engine.begin() as conn:
        conn.execute(sa.insert(AUDIT).values(at=clock(), username=SENDER, action=ACTION,
                                             detail=month_key(month)))
    logger.info("Emailed the monthly report for %s to %d addresses", month_key(month), len(config.recipients))
    count = len(config.recipients)
    return Outcome(month, True, f"Emailed the report for {month.start:%B %Y} to {count} "
                                f"address{'' if count == 1 else 'es'}.")


def send_due(engine: Engine, config: Config, *, refresh: bool = True,
             clock: Callable[[], datetime] = _now) -> Outcome:
    """Last month's report, if today is on or after this month's first working day and it has not gone."""
    today = clock().date()
    month = monthly.month_period(None, today)
    starts = first_working_day(today.year, today.month, config.nation)
    if today < starts:
        return Outcome(month, False, f"The report for {month.start:%B %Y} is due on {starts:%A %d %B %Y}.")
    return send(engine, config, month, refresh=refresh, clock=clock)
