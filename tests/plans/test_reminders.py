"""The plan by email and its reminders: a real web process, a real SMTP server on loopback,
and the reminder job run with its clock moved forward."""

from __future__ import annotations

import operator
import os
import re
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from functools import partial
from pathlib import Path
from typing import Iterator

import pytest
import requests
import sqlalchemy as sa
from cryptography.fernet import Fernet

from bench import procs
from bot.analytics.retention import purge
from bot.checks import history
from bot.guidance.knowledge import default_knowledge_base
from bot.plans import links, reminders
from bot.privacy.pseudonyms import visitor_key
from bot.storage.database import create_engine, tracker_engine
from tests.plans.test_plan_page import CHECKED, PLAN, SECRET, SENDER, checked, tracker_with_plan
from tests.smtp import SmtpServer, body_of, smtp_server  # noqa: F401

BIN = Path(sys.executable).parent
KB = default_knowledge_base()
KEY = Fernet.generate_key().decode()
ADDRESS = "owner.name@example.co.uk"


class Mailing:
    def __init__(self, url: str, folder: Path, smtp: SmtpServer, env: dict[str, str]) -> None:
        self.url, self.folder, self.smtp, self.env = url, folder, smtp, env
        self.analytics = create_engine(env["DATABASE_URL"])
        self.tracker = tracker_engine(env["TRACKER_STORE_URL"])

    def config(self) -> reminders.Config:
        return reminders.Config(reminders.Mailer.from_url(self.smtp.url, "Assistant <a@localhost>"),
                                KEY.encode(), (14, 45), self.url)


@pytest.fixture(scope="module")
def mailing(tmp_path_factory: pytest.TempPathFactory, smtp_server: SmtpServer) -> Iterator[Mailing]:  # noqa: F811
    folder = tmp_path_factory.mktemp("plan-mail")
    tracker_with_plan(folder / "tracker.db", SENDER)
    tracker_with_plan(folder / "tracker.db", CHECKED)
    env = {**os.environ, "ANALYTICS_SECRET": SECRET,
           "DATABASE_URL": f"sqlite:///{folder / 'analytics.db'}",
           "TRACKER_STORE_URL": f"sqlite:///{folder / 'tracker.db'}", "SMTP_URL": smtp_server.url,
           "PLAN_EMAIL_KEY": KEY, "PYTHONUNBUFFERED": "1"}
    subprocess.run([str(BIN / "bot"), "migrate"], env=env, check=True, capture_output=True, timeout=300)
    service, url = procs.start_web(env, folder / "web.log", startup=120)
    env["WEB_PUBLIC_URL"] = url
    try:
        yield Mailing(url, folder, smtp_server, env)
    finally:
        service.stop(grace=20)


def subscribe_through_the_page(mailing: Mailing, clock_days: float = 0, sender: str = SENDER) -> str:
    when = datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(days=clock_days)
    token, _ = links.create(mailing.analytics, sender, 60, clock=lambda: when)
    page = requests.get(f"{mailing.url}/plan/{token}", timeout=30)
    assert "Email me my plan and remind me" in page.text
    answer = requests.post(f"{mailing.url}/plan/{token}/reminders",
                           data={"email": ADDRESS, "consent": "yes"}, timeout=60, allow_redirects=False)
    assert answer.status_code == 303 and "changed=subscribed" in answer.headers["Location"]
    return token


def all_database_bytes(folder: Path) -> bytes:
    return b"".join(path.read_bytes() for path in folder.glob("*.db*"))


def test_the_plan_is_emailed_now_and_the_address_is_stored_encrypted(mailing: Mailing) -> None:
    before = len(mailing.smtp.inbox.messages)
    token = subscribe_through_the_page(mailing)
    message = mailing.smtp.inbox.messages[before]
    assert message["To"] == ADDRESS and message["Subject"] == "Your cyber security action plan"
    body = body_of(message)
    for step_id in PLAN:
        assert KB.step(step_id).title in body  # type: ignore[union-attr]
    assert f"{mailing.url}/plan/{token}" in body
    unsubscribe = re.search(r"<(http://[^>]+/plan/unsubscribe/[A-Za-z0-9_-]+)>", message["List-Unsubscribe"])
    assert unsubscribe and unsubscribe.group(1) in body
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # Encrypted at rest, and nowhere in the analytics tables or their files.
    assert ADDRESS.encode() not in all_database_bytes(mailing.folder)
    with sqlite3.connect(mailing.folder / "analytics.db") as db:
        stored = db.execute("select email_encrypted from reminder_subscriptions").fetchall()
    assert stored and all(Fernet(KEY).decrypt(row[0].encode()).decode() == ADDRESS for row in stored)


def test_without_consent_or_with_a_bad_address_nothing_is_stored_or_sent(mailing: Mailing) -> None:
    token, _ = links.create(mailing.analytics, SENDER, 60)
    before = len(mailing.smtp.inbox.messages)
    for form in ({"email": ADDRESS}, {"email": "not an address", "consent": "yes"},
                 {"email": "a@b.example\r\nBcc: c@d.example", "consent": "yes"}):
        answer = requests.post(f"{mailing.url}/plan/{token}/reminders", data=form, timeout=30,
                               allow_redirects=False)
        assert "changed=bad-email" in answer.headers["Location"]
    assert len(mailing.smtp.inbox.messages) == before


def test_two_reminders_at_most_then_the_address_is_deleted(mailing: Mailing) -> None:
    # Subscribed 20 days ago: the first reminder is due, the second not yet.
    subscribe_through_the_page(mailing, clock_days=0)
    with sqlite3.connect(mailing.folder / "analytics.db") as db:
        db.execute("delete from reminder_subscriptions "
                   "where id != (select max(id) from reminder_subscriptions)")
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    config = mailing.config()
    before = len(mailing.smtp.inbox.messages)
    assert reminders.send_due(mailing.analytics, mailing.tracker, KB, config, clock=lambda: now) == 0
    later = now + timedelta(days=15)
    assert reminders.send_due(mailing.analytics, mailing.tracker, KB, config, clock=lambda: later) == 1
    assert reminders.send_due(mailing.analytics, mailing.tracker, KB, config, clock=lambda: later) == 0
    reminder = mailing.smtp.inbox.messages[before]
    assert reminder["Subject"] == "Reminder: your cyber security plan"
    page = re.search(r"(http://\S+/plan/[A-Za-z0-9_-]{40,64}\?from=reminder)\s", body_of(reminder))
    assert page and requests.get(page.group(1), timeout=30).status_code == 200  # the link back opens
    last = now + timedelta(days=46)
    assert reminders.send_due(mailing.analytics, mailing.tracker, KB, config, clock=lambda: last) == 1
    assert len(mailing.smtp.inbox.messages) == before + 2
    with sqlite3.connect(mailing.folder / "analytics.db") as db:
        assert db.execute("select count(*) from reminder_subscriptions").fetchone() == (0,)
    assert reminders.send_due(mailing.analytics, mailing.tracker, KB, config,
                              clock=lambda: now + timedelta(days=400)) == 0


def test_one_click_unsubscribe_stops_mail_and_deletes_the_address(mailing: Mailing) -> None:
    before = len(mailing.smtp.inbox.messages)
    subscribe_through_the_page(mailing)
    link = re.search(r"<([^>]+)>", mailing.smtp.inbox.messages[before]["List-Unsubscribe"])
    assert link
    # The mail program's one-click POST (RFC 8058).
    stopped = requests.post(link.group(1), data={"List-Unsubscribe": "One-Click"}, timeout=30)
    assert stopped.status_code == 200 and "Reminders stopped" in stopped.text
    with sqlite3.connect(mailing.folder / "analytics.db") as db:
        assert db.execute("select count(*) from reminder_subscriptions").fetchone() == (0,)
    again = requests.get(link.group(1), timeout=30)
    assert "No reminders to stop" in again.text
    far = datetime.now(timezone.utc).replace(tzinfo=None) + timedelta(days=50)
    config = mailing.config()
    assert reminders.send_due(mailing.analytics, mailing.tracker, KB, config, clock=lambda: far) == 0
    assert len(mailing.smtp.inbox.messages) == before + 1


def test_the_retention_purge_deletes_expired_links_and_their_addresses(mailing: Mailing) -> None:
    subscribe_through_the_page(mailing)
    report_time = datetime.now(timezone.utc) + timedelta(days=61)
    purge(mailing.env["TRACKER_STORE_URL"], mailing.env["DATABASE_URL"], days=90, now=report_time)
    with sqlite3.connect(mailing.folder / "analytics.db") as db:
        assert db.execute("select count(*) from reminder_subscriptions").fetchone() == (0,)
        assert db.execute("select count(*) from plan_links").fetchone() == (0,)


def test_with_no_smtp_the_offer_is_not_shown(tmp_path: Path) -> None:
    tracker_with_plan(tmp_path / "tracker.db", SENDER)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'analytics.db'}",
           "TRACKER_STORE_URL": f"sqlite:///{tmp_path / 'tracker.db'}", "SMTP_URL": "",
           "PLAN_EMAIL_KEY": ""}
    subprocess.run([str(BIN / "bot"), "migrate"], env=env, check=True, capture_output=True, timeout=300)
    service, url = procs.start_web(env, tmp_path / "web.log", startup=120)
    try:
        token, _ = links.create(create_engine(env["DATABASE_URL"]), SENDER, 30)
        page = requests.get(f"{url}/plan/{token}", timeout=30)
        assert page.status_code == 200 and "Email me my plan" not in page.text
        assert requests.post(f"{url}/plan/{token}/reminders", data={"email": ADDRESS, "consent": "yes"},
                             timeout=30).status_code == 404
    finally:
        service.stop(grace=20)


def test_follow_through_is_counted_per_week_and_segment_with_no_address(mailing: Mailing) -> None:
    from bot.storage.models import PlanFollowThrough

    with mailing.analytics.connect() as connection:
        rows = [dict(row._mapping) for row in connection.execute(sa.select(PlanFollowThrough.__table__))]
    kinds = {row["kind"] for row in rows}
    assert {"link_opened", "plan_emailed", "reminder_sent", "unsubscribed"} <= kinds
    assert all(row["size"] == "micro" and row["nation"] == "wales" for row in rows)
    emailed = sum(1 for row in rows if row["kind"] == "plan_emailed")
    assert emailed >= 4
    assert ADDRESS.encode() not in all_database_bytes(mailing.folder)


def test_the_reminder_job_runs_until_stopped_with_its_clock_injected(mailing: Mailing) -> None:
    subscribe_through_the_page(mailing)
    start = datetime.now(timezone.utc).replace(tzinfo=None)
    days = iter([20, 50, 80])  # passes at day 0 (nothing due), 20 (the first) and 50 (the second)
    now = {"at": start}
    slept: list[float] = []

    def clock() -> datetime:
        return now["at"]

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now["at"] = start + timedelta(days=next(days))

    before = len(mailing.smtp.inbox.messages)
    reminders.follow(mailing.analytics, mailing.tracker, KB, mailing.config(), interval=3600,
                     stop=lambda: len(slept) >= 3, sleep=sleep, clock=clock)
    assert slept == [3600, 3600, 3600]
    subjects = [m["Subject"] for m in mailing.smtp.inbox.messages[before:]]
    assert subjects.count("Reminder: your cyber security plan") == 2


RECHECK = "Your last website check was"


def test_a_reminder_offers_a_recheck_once_the_last_check_is_a_month_old(
        mailing: Mailing, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANALYTICS_SECRET", SECRET)  # the reminder job's pseudonyms, as the web's
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    history.record(mailing.analytics, visitor_key(CHECKED, SECRET), "t" * 64,
                   checked("website", https="pass", hsts="fail"), at=now - timedelta(days=10))
    before = len(mailing.smtp.inbox.messages)
    subscribe_through_the_page(mailing, sender=CHECKED)
    with sqlite3.connect(mailing.folder / "analytics.db") as db:  # only this owner's reminders
        db.execute("delete from reminder_subscriptions "
                   "where id != (select max(id) from reminder_subscriptions)")
    config = mailing.config()
    for days in (15, 46, 400):
        reminders.send_due(mailing.analytics, mailing.tracker, KB, config,
                           clock=partial(operator.add, now, timedelta(days=days)))
    plan, first, second = (body_of(m) for m in mailing.smtp.inbox.messages[before:])
    assert len(mailing.smtp.inbox.messages) == before + 3  # the plan and at most two reminders
    for body in (plan, first, second):  # every email carries the check with the plan
        assert "Your website and email checks:" in body
        assert "Needs fixing: HSTS for at least a year" in body
    # 10 and 25 days old: no offer yet; 56 days old at the second reminder: the offer, with
    # the link back to the plan page, whose chat carries the conversation on.
    assert RECHECK not in plan and RECHECK not in first
    offer = second.index(f"{RECHECK} 56 days ago.")
    assert 'ask the assistant to "check my website again"' in second[offer:]
    assert re.search(r"http://\S+/plan/[A-Za-z0-9_-]{40,64}\?from=reminder", second[offer:])


def test_an_owner_who_ran_no_check_gets_no_recheck_offer(mailing: Mailing) -> None:
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    before = len(mailing.smtp.inbox.messages)
    subscribe_through_the_page(mailing)
    with sqlite3.connect(mailing.folder / "analytics.db") as db:
        db.execute("delete from reminder_subscriptions "
                   "where id != (select max(id) from reminder_subscriptions)")
    reminders.send_due(mailing.analytics, mailing.tracker, KB, mailing.config(),
                       clock=lambda: now + timedelta(days=46))
    bodies = [body_of(m) for m in mailing.smtp.inbox.messages[before:]]
    assert len(bodies) == 2
    assert all(RECHECK not in b and "Your website and email checks" not in b for b in bodies)
