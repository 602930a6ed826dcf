"""Keeping and comparing check results, and what a check changes in the conversation:
against a real, migrated SQLite database, and a real email check on loopback.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.checks import conversation as check_talk
from bot.checks import history
from bot.checks.conversation import after_check, stored_address, welcome_back
from bot.checks.email_domain import check_email_domain
from bot.checks.findings import CheckResult, Finding
from bot.checks.plan_links import plan_reply_with_findings, plan_with_findings
from bot.guidance.knowledge import default_knowledge_base
from bot.guidance.profile import BusinessProfile
from bot.privacy.pseudonyms import visitor_key
from bot.storage import database
from tests.checks.servers import DnsServer

SECRET = "test-secret-for-check-history"


@pytest.fixture()
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setenv("ANALYTICS_SECRET", SECRET)
    url = f"sqlite:///{tmp_path / 'analytics.db'}"
    database.upgrade(url)
    return database.create_engine(url)


def website(**statuses: str) -> CheckResult:
    return CheckResult("website", "checked", findings=tuple(
        Finding(name, status, f"{name} is {status}.") for name, status in statuses.items()))  # type: ignore[arg-type]


def test_a_second_check_shows_what_changed_and_nothing_names_the_site(engine: Engine) -> None:
    kb, profile = default_knowledge_base(), BusinessProfile()
    first = after_check(kb, website(https="pass", hsts="warning", caa="warning"), profile, {},
                        "owner-1", "shop.example.co.uk", engine)
    assert "What changed" not in (first.reply.messages[0].text or "")
    second = after_check(kb, website(https="pass", hsts="pass", security_txt="warning"), profile,
                         first.slots, "owner-1", "https://shop.example.co.uk/", engine)
    text = second.reply.messages[0].text or ""
    assert "What changed since last time:" in text
    assert "- HSTS for at least a year: worth fixing before, OK now" in text
    assert "- security.txt contact published: not checked before, worth fixing now" in text
    assert "- CAA record names who may issue certificates: worth fixing before, no longer checked now" in text
    with engine.connect() as connection:
        dump = "\n".join(str(row) for row in connection.execute(sa.text("select * from check_history")))
    assert "example" not in dump and "owner-1" not in dump
    # Another visitor checking the same site starts afresh.
    other = after_check(kb, website(https="pass"), profile, {}, "owner-2", "shop.example.co.uk", engine)
    assert "changed" not in (other.reply.messages[0].text or "")


def test_an_unchanged_result_says_so(engine: Engine) -> None:
    kb, profile = default_knowledge_base(), BusinessProfile()
    after_check(kb, website(https="pass"), profile, {}, "owner-3", "a.example", engine)
    again = after_check(kb, website(https="pass"), profile, {}, "owner-3", "a.example", engine)
    assert "Nothing has changed since last time." in (again.reply.messages[0].text or "")


def test_stored_runs_are_forgotten_and_due_monthly(engine: Engine) -> None:
    visitor = "v" * 64
    history.record(engine, visitor, "t" * 64, website(https="pass"),
                   at=datetime(2026, 11, 1, 9, 0))
    run = history.latest_runs(engine, visitor)[0]
    assert run.statuses == {"https": "pass"} and run.score == 100
    assert history.due(run, now=datetime(2026, 12, 1, 9, 0))
    assert not history.due(run, now=datetime(2026, 11, 1, 9, 0) + timedelta(days=29))
    assert history.forget(engine, visitor) == 1
    assert history.latest_runs(engine, visitor) == []


@pytest.mark.usefixtures("allow_loopback")
def test_a_microsoft_365_domain_fills_the_profile_so_the_owner_is_not_asked(
        engine: Engine, dns_server: DnsServer) -> None:
    dns_server.add_mail("m365-owner.test", mx="m365-owner-test.mail.protection.outlook.com",
                        dkim={}, mta_sts=None)
    result = check_email_domain("m365-owner.test", smtp_port=1)
    turn = after_check(default_knowledge_base(), result, BusinessProfile(), {}, "owner-4",
                       "m365-owner.test", engine)
    assert turn.slots["cloud"] == ["microsoft_365"]
    assert "Microsoft 365, so I've noted that you use it" in (turn.reply.messages[1].text or "")
    assert "email_domain:dkim" in turn.slots["check_failures"]
    assert stored_address("email_domain", turn.slots) == "m365-owner.test"
    # An owner who already said which email they use is not overruled.
    told = after_check(default_knowledge_base(), result,
                       BusinessProfile(cloud=frozenset({"google_workspace"})), {}, "owner-4",
                       "m365-owner.test", engine)
    assert "cloud" not in told.slots
    assert welcome_back(turn.slots) == (
        f"Welcome back. When I last checked, your email domain scored {result.score()} out of 100. "
        'Say "check my website again" or "check my email again" to see what has changed.')


def test_check_problems_join_the_plan_with_the_finding_named() -> None:
    kb = default_knowledge_base()
    profile = BusinessProfile(size="micro", website="online_shop")
    found = ["email_domain:dmarc", "website:security_txt", "website:caa"]
    plan = plan_with_findings(kb, profile, [], found)
    linked = {item.step.id: items for item, items in plan if items}
    assert linked == {"email_security_stop_spoofing": ["email_domain:dmarc"],
                      "website_security_contact": ["website:security_txt"],
                      "website_domain_protection": ["website:caa"]}
    assert len(plan) <= 8
    reply = plan_reply_with_findings(kb, profile, [], found)
    text = reply.messages[0].text or ""
    assert "Fixes what your email check did not pass: DMARC policy rejects or quarantines fakes." in text
    assert "Fixes what your website check did not pass: security.txt contact published." in text
    entries = reply.messages[0].custom["plan"]  # type: ignore[index]
    assert {"topic": "website", "step": "website_security_contact",
            "title": kb.step("website_security_contact").title,  # type: ignore[union-attr]
            "findings": ["website:security_txt"]} in entries
    # A step already done stays out; without problems the plan is the usual one.
    assert "website_security_contact" not in reply_ids(kb, profile, ["website_security_contact"], found)
    assert plan_reply_with_findings(kb, profile, [], []).messages[0].text == \
        plan_reply_with_findings(kb, profile, [], ["website:unknown_finding"]).messages[0].text


def reply_ids(kb: object, profile: BusinessProfile, done: list[str], found: list[str]) -> list[str]:
    return plan_reply_with_findings(kb, profile, done, found).offered  # type: ignore[arg-type]


def test_retention_purges_stored_runs_older_than_the_profile(engine: Engine, tmp_path: Path) -> None:
    from bot.analytics import purge

    history.record(engine, "v" * 64, "t" * 64, website(https="pass"), at=datetime(2026, 1, 1))
    history.record(engine, "v" * 64, "t" * 64, website(https="fail"), at=datetime(2026, 11, 30))
    purge(f"sqlite:///{tmp_path / 'no-tracker.db'}", engine, days=90, now=datetime(2026, 12, 1))
    assert [run.statuses for run in history.latest_runs(engine, "v" * 64)] == [{"https": "fail"}]
    with engine.connect() as connection:
        assert connection.execute(sa.text("select count(*) from check_history")).scalar() == 1


def stored(engine: Engine, sender: str, kind: str, at: datetime, target: str = "t" * 64,
           **statuses: str) -> None:
    result = CheckResult(kind, "checked", findings=tuple(
        Finding(name, status, f"{name} is {status}.") for name, status in statuses.items()))  # type: ignore[arg-type]
    history.record(engine, visitor_key(sender), target, result, at=at)


CHECKED_SLOTS = {"checked_addresses": {"website": "shop.example.co.uk"},
                 "last_checks": {"website": {"score": 1, "problems": 1}}}


def test_the_welcome_back_says_what_changed_between_the_last_two_stored_checks(engine: Engine) -> None:
    stored(engine, "back-1", "website", datetime(2026, 10, 1, 9), https="pass", hsts="fail",
           http_redirect="pass", caa="warning")
    # Another site checked in between is not compared with this one.
    stored(engine, "back-1", "website", datetime(2026, 10, 20, 9), target="o" * 64, https="fail")
    stored(engine, "back-1", "website", datetime(2026, 11, 20, 9), https="pass", hsts="pass",
           http_redirect="fail", security_txt="warning")
    stored(engine, "back-1", "email_domain", datetime(2026, 11, 21, 9), mx="pass", dmarc="pass")
    text = welcome_back(CHECKED_SLOTS, "back-1", engine, now=datetime(2026, 12, 1, 9)) or ""
    website_score = history.last_run(engine, visitor_key("back-1"), "t" * 64, "website").score  # type: ignore[union-attr]
    assert text == (
        "Welcome back. Your email domain scored 100 out of 100 when I checked it on 21 November "
        f"2026. Your website scored {website_score} out of 100 when I checked it on 20 November "
        "2026. Since your check before that, on 1 October 2026: HSTS for at least a year: now OK; "
        "Plain HTTP moves to HTTPS: now needs fixing; security.txt contact published: now worth "
        "fixing; CAA record names who may issue certificates: no longer checked. "
        'Say "check my website again" or "check my email again" to see what has changed.')
    assert "example" not in text
    # A month after the newest check, a re-check is suggested.
    later = welcome_back(CHECKED_SLOTS, "back-1", engine, now=datetime(2026, 12, 21, 9)) or ""
    assert "That was a month or more ago, so it's worth checking again." in later


def test_the_welcome_back_with_one_stored_check_or_none(engine: Engine) -> None:
    stored(engine, "back-2", "website", datetime(2026, 11, 20, 9), https="pass")
    assert welcome_back(CHECKED_SLOTS, "back-2", engine, now=datetime(2026, 11, 25)) == (
        "Welcome back. Your website scored 100 out of 100 when I checked it on 20 November 2026. "
        'Say "check my website again" or "check my email again" to see what has changed.')
    stored(engine, "back-2", "website", datetime(2026, 11, 22, 9), https="pass")
    assert "Nothing had changed since the check before, on 20 November 2026." in (
        welcome_back(CHECKED_SLOTS, "back-2", engine, now=datetime(2026, 11, 25)) or "")
    # Purged history: the scores kept in the conversation are the fallback.
    history.forget(engine, visitor_key("back-2"))
    assert welcome_back(CHECKED_SLOTS, "back-2", engine) == (
        'Welcome back. When I last checked, your website scored 1 out of 100. Say "check my '
        'website again" or "check my email again" to see what has changed.')
    # A conversation that never ran a check gets no welcome about checks, stored runs or not.
    stored(engine, "back-3", "website", datetime(2026, 11, 20, 9), https="pass")
    assert welcome_back({}, "back-3", engine) is None


def test_a_new_session_welcomes_back_from_the_stored_history(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    from actions.actions import ActionSessionStart
    from tests.actions.test_actions import act, tracker

    monkeypatch.setenv("DATABASE_URL", str(engine.url))
    check_talk._engine.cache_clear()  # the action server's engine, on this database
    try:
        stored(engine, "visitor-1", "website", datetime(2026, 11, 1, 9), https="pass", hsts="fail")
        stored(engine, "visitor-1", "website", datetime(2026, 11, 2, 9), https="pass", hsts="pass")
        _, messages = act(ActionSessionStart(), tracker("session_start", "", (), CHECKED_SLOTS))
    finally:
        check_talk._engine.cache_clear()
    [welcome] = [m["text"] for m in messages if m.get("text")]
    assert welcome.startswith("Welcome back. Your website scored 100 out of 100 when I checked "
                              "it on 2 November 2026. Since your check before that, on 1 November "
                              "2026: HSTS for at least a year: now OK.")
