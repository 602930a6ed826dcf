"""The check replies: plain-text bullets, the custom.check payload and the guidance after."""

from __future__ import annotations

from bot.checks.findings import CheckResult, Finding
from bot.checks.reply import ask_for_address, check_reply
from bot.guidance.knowledge import default_knowledge_base
from bot.guidance.profile import BusinessProfile


def test_findings_become_bullets_with_a_summary_then_the_guidance() -> None:
    result = CheckResult("website", "checked", findings=(
        Finding("https", "pass", "HTTPS works."),
        Finding("hsts", "warning", "HSTS is not set."),
        Finding("http_redirect", "fail", "Plain HTTP doesn't redirect."),
    ))
    reply = check_reply(default_knowledge_base(), result, BusinessProfile.from_slots({}))
    first, *guidance = reply.messages
    assert first.text is not None
    lines = first.text.splitlines()
    # Most serious first: the fail, then the warning, then what passed.
    assert lines[1:4] == ["- Needs fixing: Plain HTTP doesn't redirect.",
                          "- Worth fixing: HSTS is not set.", "- OK: HTTPS works."]
    # https 15 (pass) + hsts 6 (half) + http_redirect 8 (none) = 18 of 29.
    assert lines[0] == ("Here is what I found when I checked your website (score 62 out of "
                        "100), most serious first:")
    assert lines[-1] == ("1 thing needs fixing and 1 is worth fixing. "
                         "Share this list with your web designer or host.")
    assert first.custom == {"topic": "website", "check": result.as_contract()}
    assert first.custom["check"]["counts"] == {"pass": 1, "warning": 1, "fail": 1}
    assert guidance and guidance[0].custom and guidance[0].custom["topic"] == "website"
    assert reply.offered


def test_a_refusal_is_said_plainly_without_guidance() -> None:
    result = CheckResult("email_domain", "refused", problem="Please give me a domain name.")
    reply = check_reply(default_knowledge_base(), result, BusinessProfile.from_slots({}))
    assert [m.text for m in reply.messages] == ["Please give me a domain name."]
    assert reply.messages[0].custom == {"topic": "email_security", "check": result.as_contract()}


def test_asking_for_the_address() -> None:
    assert "website's address" in (ask_for_address("website").messages[0].text or "")
    assert "after the @" in (ask_for_address("email_domain").messages[0].text or "")


def test_the_three_most_serious_come_first_by_status_then_weight() -> None:
    result = CheckResult("email_domain", "checked", findings=(
        Finding("tls_rpt", "warning", "No TLS-RPT."),
        Finding("mx", "pass", "MX is fine."),
        Finding("dkim", "warning", "No DKIM found.", "Turn on DKIM."),
        Finding("spf_policy", "fail", "SPF ends in +all.", "Change it to -all."),
        Finding("dmarc", "warning", "DMARC only watches.", "Move to p=quarantine."),
        Finding("mta_sts", "warning", "No MTA-STS."),
    ), provider="microsoft_365", provider_name="Microsoft 365")
    assert [f.id for f in result.top_three()] == ["spf_policy", "dmarc", "dkim"]
    payload = result.as_contract()
    assert payload["top"] == ["spf_policy", "dmarc", "dkim"]
    assert payload["provider"] == "microsoft_365"
    assert payload["findings"][3] == {"id": "spf_policy", "status": "fail",
                                      "message": "SPF ends in +all.", "fix": "Change it to -all.",
                                      "weight": 8}
    text = check_reply(default_knowledge_base(), result, BusinessProfile.from_slots({})).messages[0].text
    assert text is not None
    lines = text.splitlines()
    assert lines[1] == "- Needs fixing: SPF ends in +all. Change it to -all."
    assert lines[2] == "- Worth fixing: DMARC only watches. Move to p=quarantine."
    assert lines[3] == "- Worth fixing: No DKIM found. Turn on DKIM."


def test_what_changed_since_last_time_is_listed() -> None:
    result = CheckResult("website", "checked", findings=(Finding("hsts", "pass", "HSTS is set."),))
    changes = [{"id": "hsts", "before": "warning", "after": "pass"}]
    reply = check_reply(default_knowledge_base(), result, BusinessProfile.from_slots({}),
                        changes=changes, compared=True)  # type: ignore[arg-type]
    text = reply.messages[0].text or ""
    assert "What changed since last time:\n- HSTS for at least a year: worth fixing before, OK now" in text
    assert reply.messages[0].custom["check"]["changes"] == changes  # type: ignore[index]
    same = check_reply(default_knowledge_base(), result, BusinessProfile.from_slots({}),
                       compared=True).messages[0].text or ""
    assert "Nothing has changed since last time." in same


def test_the_time_limits_are_told_when_asking_for_the_address() -> None:
    text = ask_for_address("website").messages[0].text or ""
    assert "up to 5 seconds" in text and "up to 20 seconds" in text
