"""The risk model's numbers and the page that explains them to content authors."""

from __future__ import annotations

from bot.guidance import risk
from bot.guidance.knowledge import load_knowledge_base
from bot.guidance.profile import BusinessProfile
from bot.paths import PROJECT_ROOT

KB = load_knowledge_base()
DOC = (PROJECT_ROOT / "docs" / "risk-model.md").read_text(encoding="utf-8")


def test_the_page_names_every_threat_and_every_step_with_its_own_numbers():
    for threat in risk.THREAT_IDS:
        assert f"`{threat}`" in DOC, threat
    for step in KB.all_steps():
        if step.reduces:
            line = next((row for row in DOC.splitlines() if row.startswith(f"| `{step.id}` |")), "")
            for threat, share in step.reduces.items():
                assert f"{threat} {share:g}" in line, (step.id, threat)


def test_bank_transfers_make_invoice_fraud_likelier_and_no_website_rules_out_a_hack():
    paid = risk.threat_levels(BusinessProfile(bank_transfers=True))["payment_fraud"]
    cash = risk.threat_levels(BusinessProfile(bank_transfers=False))["payment_fraud"]
    assert paid.likelihood > cash.likelihood
    assert risk.threat_levels(BusinessProfile(website="none"))["website_hack"].likelihood == 0


def test_an_unknown_answer_counts_between_yes_and_no():
    yes = risk.threat_levels(BusinessProfile(old_machines=True))["ransomware"].likelihood
    no = risk.threat_levels(BusinessProfile(old_machines=False))["ransomware"].likelihood
    unknown = risk.threat_levels(BusinessProfile())["ransomware"].likelihood
    assert no < unknown < yes


def test_a_bigger_business_has_more_to_lose():
    small = risk.threat_levels(BusinessProfile(size="micro"))["phishing"]
    medium = risk.threat_levels(BusinessProfile(size="medium"))["phishing"]
    assert medium.exposure > small.exposure


def test_the_catch_all_sector_counts_as_an_unknown_sector():
    """'other' is garages, cleaners and farms alike: no figure backs a factor for it."""
    for extra in ({}, {"size": "micro", "social_media": True}):
        other = risk.threat_levels(BusinessProfile(sector="other", **extra))
        unknown = risk.threat_levels(BusinessProfile(**extra))
        assert other == unknown


def test_outsiders_with_logins_and_shared_devices_raise_their_threats():
    """Freelancers who log in are leavers nobody removes; a shared tablet nobody carries."""
    base = risk.threat_levels(BusinessProfile(size="micro"))
    outsiders = risk.threat_levels(BusinessProfile(size="micro", contractors=True))
    shared = risk.threat_levels(BusinessProfile(size="micro", shared_devices=True))
    assert outsiders["insider"].likelihood > base["insider"].likelihood
    assert shared["device_loss"].likelihood > base["device_loss"].likelihood
