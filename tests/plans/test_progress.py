"""Typed progress in owners' words: which step of the plan a message names, and where each
step stands. The intents themselves are classified by the trained model (tests/plans/
test_stack_progress.py); here is the step the action then records."""

from __future__ import annotations

import pytest

from bot.guidance.knowledge import default_knowledge_base
from bot.plans.progress import match_step, next_step, plan_states

KB = default_knowledge_base()
#: A plan as the tailoring gives one to a small office on Microsoft 365, plus steps shown
#: under answers since (the candidates come plan first, as the action orders them).
PLAN = ["card_payments_never_store", "cloud_mfa_everyone", "remote_working_firewall",
        "access_control_leavers", "backups_automatic", "malware_antivirus", "updates_automatic",
        "devices_screen_lock"]
SHOWN = ["email_security_two_step", "passwords_manager", "network_router_password",
         "cyber_insurance_check_cover", "staff_training_top_tips", "network_guest_wifi",
         "personal_data_ico_fee", "cyber_essentials_preview", "payment_fraud_call_back",
         "website_https", "devices_encrypt", "social_media_two_step", "ransomware_offline_backup"]
CANDIDATES = PLAN + SHOWN

DONE = [
    ("done the backups", "backups_automatic"),
    ("I've set up backups already", "backups_automatic"),
    ("backing up is sorted now", "backups_automatic"),
    ("I've set up 2-step on email", "email_security_two_step"),
    ("we've turned on two-step verification for the mailboxes", "email_security_two_step"),
    ("MFA is on for all our users now", "cloud_mfa_everyone"),
    ("antivirus is on every computer", "malware_antivirus"),
    ("we did the automatic updates", "updates_automatic"),
    ("updates are switched on now", "updates_automatic"),
    ("the firewall is on", "remote_working_firewall"),
    ("I've put a PIN on every phone", "devices_screen_lock"),
    ("screen locks are done", "devices_screen_lock"),
    ("I changed the router's admin password", "network_router_password"),
    ("we've got a password manager now", "passwords_manager"),
    ("we did the NCSC staff training last week", "staff_training_top_tips"),
    ("guest wi-fi is set up", "network_guest_wifi"),
    ("paid the ICO fee", "personal_data_ico_fee"),
    ("we now phone to confirm new bank details", "payment_fraud_call_back"),
    ("our website uses https now", "website_https"),
    ("the laptops are encrypted", "devices_encrypt"),
    ("removed the leavers' access", "access_control_leavers"),
    ("I'll do the leavers one", "access_control_leavers"),
    ("we've sorted access for people who left the business", "access_control_leavers"),
    ("we never store card numbers any more", "card_payments_never_store"),
    ("2fa is on for facebook and instagram", "social_media_two_step"),
    ("we keep an offline backup for ransomware now", "ransomware_offline_backup"),
]
COMMITTED = [
    ("I'll do the passwords one", "passwords_manager"),
    ("I'll do the backups", "backups_automatic"),
    ("I'll set up 2-step on email this week", "email_security_two_step"),
    ("I'll get the IT company to do the firewall one", "remote_working_firewall"),
    ("I'll turn on automatic updates tonight", "updates_automatic"),
    ("I'll look at the insurance one this weekend", "cyber_insurance_check_cover"),
    ("I'll change the wifi password for guests tomorrow", "network_guest_wifi"),
    ("count me in for the antivirus step", "malware_antivirus"),
    ("I'll sort the cyber essentials questions", "cyber_essentials_preview"),
    ("put the encryption one on my list", "devices_encrypt"),
]
DROPPED = [
    ("we won't do the insurance one", "cyber_insurance_check_cover"),
    ("we're not doing cyber insurance", "cyber_insurance_check_cover"),
    ("skip the cyber essentials one", "cyber_essentials_preview"),
    ("drop the guest wifi one", "network_guest_wifi"),
    ("we won't bother with the password manager", "passwords_manager"),
    ("take the ICO fee step off, we're exempt", "personal_data_ico_fee"),
    ("not doing the card numbers one, we don't take cards", "card_payments_never_store"),
    ("forget the router one", "network_router_password"),
]


@pytest.mark.parametrize(("message", "expected"), DONE + COMMITTED + DROPPED)
def test_a_typed_message_names_the_step_it_means(message: str, expected: str) -> None:
    assert match_step(message, CANDIDATES, KB) == expected


def test_there_are_at_least_forty_phrasings() -> None:
    assert len(DONE + COMMITTED + DROPPED) >= 40


@pytest.mark.parametrize("message", ["I've done that", "done", "yes that's sorted", "ok will do",
                                     "we won't bother", "/report_done"])
def test_a_message_naming_no_step_names_none(message: str) -> None:
    assert match_step(message, CANDIDATES, KB) is None


def test_a_step_outside_the_candidates_is_never_chosen() -> None:
    # Insurance is not in the plan alone: the owner has not been shown it.
    assert match_step("we won't do the insurance one", PLAN, KB) is None


def test_a_tie_goes_to_the_plan_step_listed_first() -> None:
    plan = ["backups_separate", "backups_automatic"]
    assert match_step("done the backups", plan, KB) == "backups_separate"
    assert match_step("done the backups", list(reversed(plan)), KB) == "backups_automatic"


def test_states_follow_the_plan_order_and_done_wins() -> None:
    states = plan_states(KB, PLAN[:4], commitments=[PLAN[1], PLAN[2]], done=[PLAN[2]],
                         dropped=[PLAN[3], PLAN[2]])
    assert [(s.step.id, s.status) for s in states] == [
        (PLAN[0], "open"), (PLAN[1], "planned"), (PLAN[2], "done"), (PLAN[3], "dropped")]


def test_next_is_the_first_step_promised_then_the_first_not_started() -> None:
    states = plan_states(KB, PLAN[:4], commitments=[PLAN[2]], done=[PLAN[0]], dropped=[])
    following = next_step(states)
    assert following is not None and following.step.id == PLAN[2]
    states = plan_states(KB, PLAN[:3], commitments=[], done=[PLAN[0]], dropped=[PLAN[1]])
    following = next_step(states)
    assert following is not None and following.step.id == PLAN[2]
    assert next_step(plan_states(KB, PLAN[:2], [], done=PLAN[:1], dropped=PLAN[1:2])) is None
