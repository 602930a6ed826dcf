"""Every kind of reply the assistant sends fits the reply contract, in the analytics parser,
in the JSON Schema the widget's authors read, and in the widget itself."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import jsonschema
import pytest

from bot import reply_contract as contract
from bot.analytics.ingest import BotReply, Malformed, parse
from bot.checks.findings import CheckResult, Finding
from bot.checks.reply import check_reply
from bot.guidance import replies
from bot.guidance.knowledge import default_knowledge_base
from bot.guidance.profile import BusinessProfile
from bot.paths import PROJECT_ROOT

SCHEMA_FILE = PROJECT_ROOT / "docs" / "reply-contract.schema.json"
WIDGET = PROJECT_ROOT / "bot" / "web" / "static" / "widget.js"
KB = default_knowledge_base()
PROFILE = BusinessProfile(size="micro", cloud=frozenset({"microsoft_365"}), nation="scotland")


def _every_reply() -> dict[str, replies.Reply]:
    step = KB.step("backups_automatic")
    assert step is not None
    checked = CheckResult("website", "checked", (Finding("https", "pass", "Your site uses HTTPS."),
                                                  Finding("hsts", "warning", "No HSTS header.")))
    return {
        "topic answer": replies.topic_answer(KB, "backups", PROFILE),
        "more on a topic": replies.more_on_topic(KB, "backups", PROFILE, shown=["backups_automatic"]),
        "topic exhausted": replies.more_exhausted(KB, "backups"),
        "plan": replies.plan_reply(KB, PROFILE),
        "incident": replies.incident_reply(KB, "our files are encrypted", PROFILE),
        "commitment": replies.commitment_reply(step),
        "done": replies.done_reply(step),
        "follow-up question": replies.follow_up_question(step),
        "not yet": replies.follow_up_answer_reply(step, "not_yet"),
        "dropped": replies.follow_up_answer_reply(step, "dropped"),
        "check": check_reply(KB, checked, PROFILE),
        "refused check": check_reply(KB, CheckResult("website", "refused", problem="No."), PROFILE),
        **_plan_replies(),
    }


def _plan_replies() -> dict[str, replies.Reply]:
    """The plan's own replies (bot/plans): progress, next, the plan again, untick, download."""
    from bot.plans import replies as plan_replies
    from bot.plans.progress import plan_states

    states = plan_states(KB, ["backups_automatic", "updates_automatic"], ["updates_automatic"],
                         ["backups_automatic"], [])
    step = KB.step("backups_automatic")
    assert step is not None
    return {
        "progress so far": plan_replies.list_progress_reply(states),
        "next step": plan_replies.next_step_reply(states),
        "plan shown again": plan_replies.show_plan_reply(KB, states, {}),
        "untick": plan_replies.undone_reply(step),
        "download": plan_replies.download_reply("https://example.org/plan/t/plan.pdf",
                                                "https://example.org/plan/t", "2027-02-01"),
    }


def _bot_row(custom: contract.Custom) -> Any:
    data = {"event": "bot", "timestamp": 1_764_000_000.0, "text": "reply",
            "data": {"custom": custom}}
    return SimpleNamespace(id=1, sender_id="s-1", type_name="bot", timestamp=1_764_000_000.0,
                           data=json.dumps(data))


@pytest.mark.parametrize("kind", list(_every_reply()))
def test_every_kind_of_reply_fits_the_schema_and_the_parser(kind: str) -> None:
    schema = contract.json_schema()
    messages = [m for m in _every_reply()[kind].messages if m.custom is not None]
    assert messages, f"{kind} carries no custom payload"
    for message in messages:
        custom = message.custom
        assert custom is not None
        jsonschema.validate(custom, schema)
        reply = parse(_bot_row(custom)).payload
        assert isinstance(reply, BotReply)
        assert reply.topic == custom.get("topic")
        assert reply.plan == tuple((e["topic"], e["step"]) for e in custom.get("plan", []))
        for key, seen in (("commitment", reply.commitment), ("done", reply.done), ("undone", reply.undone)):
            ref = custom.get(key)
            assert seen == ((ref["topic"], ref["step"]) if ref else None)  # type: ignore[index]
        if "check" in custom:
            assert reply.check is not None and reply.check.kind == custom["check"]["kind"]
            assert [f for f, _ in reply.check.findings] == [f["id"] for f in custom["check"]["findings"]]


def test_the_schema_refuses_an_unknown_key_and_a_wrong_shape() -> None:
    schema = contract.json_schema()
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"topic": "backups", "colour": "red"}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"plan": [{"topic": "backups"}]}, schema)


def test_older_conversations_that_said_action_are_still_read() -> None:
    legacy = {"plan": [{"topic": "backups", "action": "backups_automatic", "title": "Back up"}],
              "commitment": {"topic": "backups", "action": "backups_automatic"}}
    reply = parse(_bot_row(legacy)).payload  # type: ignore[arg-type]
    assert isinstance(reply, BotReply)
    assert reply.plan == (("backups", "backups_automatic"),)
    assert reply.commitment == ("backups", "backups_automatic")
    with pytest.raises(Malformed):
        parse(_bot_row({"done": {"topic": "backups"}}))  # type: ignore[typeddict-item]


def test_links_are_built_only_as_https_tel_or_mailto() -> None:
    assert contract.link("phone", "Report Fraud", "0300 123 2040")["href"] == "tel:03001232040"
    assert contract.link("email", "Forward scams", "report@phishing.gov.uk")["href"] == \
        "mailto:report@phishing.gov.uk"
    for kind, value in (("url", "http://example.com"), ("url", "javascript:alert(1)"),
                        ("email", "a@b.com?bcc=c@d.com"), ("phone", "call us")):
        with pytest.raises(ValueError):
            contract.link(kind, "x", value)  # type: ignore[arg-type]


def test_the_schema_file_for_the_widget_is_up_to_date() -> None:
    written = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert written == contract.json_schema(), (
        "docs/reply-contract.schema.json is stale: run "
        "`.venv/bin/python -m bot.reply_contract > docs/reply-contract.schema.json`")


def test_the_widget_reads_only_keys_the_contract_defines() -> None:
    keys = set(contract.json_schema()["properties"])
    read = set(re.findall(r"\bcustom\.(\w+)", WIDGET.read_text(encoding="utf-8")))
    read |= {m for m in re.findall(r"\bc\.(\w+)", WIDGET.read_text(encoding="utf-8"))}
    assert read, "the widget reads no custom key: the pattern above no longer finds them"
    assert read <= keys, f"the widget reads keys outside the contract: {sorted(read - keys)}"


def _payload_literals(path: Path) -> list[str]:
    keys = "|".join(sorted(set(contract.json_schema()["properties"]) | {"step", "action", "actions"}))
    quoted = rf"""["'](?:{keys})["']"""
    pattern = re.compile(rf"[{{,]\s*{quoted}\s*:|\.get\(\s*{quoted}|\[{quoted}\]")
    return [f"{path.relative_to(PROJECT_ROOT)}:{n}: {line.strip()}"
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
            if pattern.search(line)]


def test_no_payload_is_built_outside_the_contract_module() -> None:
    """A payload key written as a literal where replies are built or read back means a
    payload built or parsed by hand."""
    # (bot/guidance/knowledge reads the content files, whose keys are not payload keys.)
    places = ["bot/guidance/replies.py", "bot/guidance/tailoring.py", "bot/checks", "bot/channels",
              "bot/analytics/ingest", "actions"]
    sources = [p for place in places for p in
               ((PROJECT_ROOT / place).rglob("*.py") if (PROJECT_ROOT / place).is_dir()
                else [PROJECT_ROOT / place])]
    found = [hit for path in sources for hit in _payload_literals(path)]
    assert not found, "\n".join(found)
