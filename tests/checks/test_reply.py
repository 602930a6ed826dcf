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
    assert lines[1:4] == ["- OK: HTTPS works.", "- Worth fixing: HSTS is not set.",
                          "- Needs fixing: Plain HTTP doesn't redirect."]
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
