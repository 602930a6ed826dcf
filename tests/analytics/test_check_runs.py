"""Website and email-domain checks in the analytics: that one ran and its outcome, never the address."""

from __future__ import annotations

from collections.abc import Callable

from bot.analytics import ingest_once
from tests.analytics.support import ANALYTICS_TABLES, SECRET, Conversation, table_rows

SITE = "https://www.harbour-bakery-leeds.co.uk/shop"
DOMAIN = "harbour-bakery-leeds.co.uk"


def _check(kind: str, outcome: str, findings: list[tuple[str, str]]) -> dict[str, object]:
    return {"kind": kind, "outcome": outcome, "notes": [],
            "findings": [{"id": i, "status": s, "message": f"{i} is {s}"} for i, s in findings]}


def test_checks_are_recorded_by_outcome_and_the_address_is_masked(
    conversation: Callable[..., Conversation], tracker_url: str, analytics_url: str
) -> None:
    owner = conversation("check-owner").session()
    owner.user(f"can you check my website {SITE}?", "check_website", 0.9, {"web_address": SITE})
    owner.bot("Here is what I found when I checked your website:", topic="website",
              check=_check("website", "checked", [("https", "pass"), ("hsts", "warning"),
                                                  ("http_redirect", "fail")])).save()
    owner.user("is our email domain set up properly?", "check_email_domain", 0.8)
    owner.bot("Which email domain should I check?").save()
    owner.user(f"it's accounts@{DOMAIN}", "give_address", 0.7)
    owner.bot("Here is what I found", topic="email_security",
              check=_check("email_domain", "checked", [("mx", "pass"), ("spf", "fail"),
                                                       ("dmarc", "warning")])).save()
    owner.user("check http://10.0.0.1", "check_website", 0.9)
    owner.bot("I can't check that address", topic="website",
              check=_check("website", "refused", [])).save()

    report = ingest_once(tracker_url, analytics_url, secret=SECRET)
    assert report.checks == 3 and report.skipped == 0

    runs = sorted(table_rows(analytics_url, "check_runs"), key=lambda row: row["event_id"])
    assert [(r["kind"], r["outcome"], r["passes"], r["warnings"], r["fails"]) for r in runs] == [
        ("website", "checked", 1, 1, 1),
        ("email_domain", "checked", 1, 1, 1),
        ("website", "refused", 0, 0, 0),
    ]
    assert runs[0]["findings"] == "https:pass,hsts:warning,http_redirect:fail"

    turns = sorted(table_rows(analytics_url, "turns"), key=lambda row: row["event_id"])
    texts = [row["text"] for row in turns]
    assert texts[0] == "can you check my website [WEB_ADDRESS]?"
    assert texts[2] == "it's [EMAIL]" and texts[3] == "check [WEB_ADDRESS]"
    dump = repr([table_rows(analytics_url, table) for table in ANALYTICS_TABLES])
    for secret in ("harbour-bakery", DOMAIN, "10.0.0.1", "accounts@"):
        assert secret not in dump


def test_a_malformed_check_payload_is_skipped(
    conversation: Callable[..., Conversation], tracker_url: str, analytics_url: str
) -> None:
    owner = conversation("check-odd").session()
    owner.user("check my site", "check_website", 0.9)
    owner.bot("odd", topic="website", check={"kind": "website", "outcome": "checked",
                                             "findings": [{"id": "https", "status": "great"}]}).save()
    report = ingest_once(tracker_url, analytics_url, secret=SECRET)
    assert report.skipped == 1 and table_rows(analytics_url, "check_runs") == []
