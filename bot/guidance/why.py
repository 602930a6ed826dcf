"""The why-line of a plan step: what the step protects for this business.

"Official guidance says every business should do this" tells an owner nothing. The line
is built from the threat the step does most against (bot/guidance/risk.py) and the fact
about the business that makes that threat likely: "Because customers pay you by bank
transfer, a criminal who changes the bank details can take a whole payment." With no
such fact known it says what the step prevents. Every line is short and plain (Flesch
reading ease of 60 or more, checked in tests/guidance/test_why.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from bot.guidance.profile import BusinessProfile, size_label

_CLOUD_NAMES = {"microsoft_365": "Microsoft 365", "google_workspace": "Google Workspace"}

Phrase = Callable[[BusinessProfile], "str | None"]


def _org(profile: BusinessProfile) -> str:
    return "charity" if profile.is_charity else "business"


@dataclass(frozen=True)
class Fact:
    """A fact about the business that drives a threat, and how to say it."""

    attribute: str
    value: Any
    text: str

    def __call__(self, profile: BusinessProfile) -> str | None:
        return self.text if getattr(profile, self.attribute) == self.value else None


def _when(attribute: str, value: Any, text: str) -> Phrase:
    return Fact(attribute, value, text)


def _people_share(profile: BusinessProfile) -> str | None:
    if profile.solo or profile.size not in ("small", "medium") and not (profile.people or 0) > 5:
        return None
    return f"{size_label(profile)} each get emails"


def _cloud(profile: BusinessProfile) -> str | None:
    names = [_CLOUD_NAMES[s] for s in sorted(profile.cloud or ()) if s in _CLOUD_NAMES]
    return f"your email and files are on {' and '.join(names)}" if names else None


def _team_size(profile: BusinessProfile) -> str | None:
    if profile.solo or profile.size is None:
        return None
    return f"{size_label(profile)} use your systems"


#: For each threat, the facts that drive it, most telling first.
DRIVERS: dict[str, tuple[Phrase, ...]] = {
    "payment_fraud": (
        _when("large_payments", True, "single payments can run to thousands of pounds"),
        _when("sector", "professional_services", "clients trust you with large payments"),
        _when("bank_transfers", True, "customers pay you by bank transfer"),
        _when("sector", "construction_trades", "you send invoices by email"),
    ),
    "impersonation": (
        _when("sector", "professional_services", "clients act on your emails"),
        _when("bank_transfers", True, "customers pay you from your emails"),
    ),
    "phishing": (
        _when("volunteers", True, "volunteers use your email too"),
        _people_share,
        _cloud,
        _when("bank_transfers", True, "money comes in by bank transfer"),
    ),
    "account_takeover": (
        _cloud,
        _when("bank_transfers", True, "your email handles your invoices"),
        _when("social_media_sales", True, "your social pages bring you work"),
        _when("social_media", True, "your social pages bring you work"),
    ),
    "malware": (
        _when("old_machines", True, "some of your computers are old"),
        _when("byod", True, "staff use their own devices"),
        _when("it_support", "none", "nobody else looks after your computers"),
    ),
    "ransomware": (
        _when("remote_access", True, "people connect to your systems from outside"),
        _when("old_machines", True, "some of your machines are too old for updates"),
        _when("onsite_server", True, "your files sit on a server in the building"),
        _when("sector", "manufacturing", "your work stops if the computers stop"),
        _when("sector", "health_care", "you cannot see patients without your records"),
    ),
    "intrusion": (
        _when("customer_wifi", True, "customers use your Wi-Fi"),
        _when("onsite_server", True, "you have a server in the building"),
        _when("old_machines", True, "some of your machines are old"),
        _when("remote_working", True, "people work away from the office"),
    ),
    "insider": (
        _when("shared_logins", True, "people share one login"),
        _when("contractors", True, "freelancers come and go with access to your accounts"),
        _when("volunteers", True, "volunteers come and go"),
        _team_size,
    ),
    "device_loss": (
        _when("sector", "health_care", "your devices hold patient details"),
        _when("shared_devices", True, "several people share your tablets and computers"),
        _when("remote_working", True, "laptops and phones leave the building"),
        _when("byod", True, "staff use their own phones for work"),
        _when("personal_data", True, "your devices hold people's details"),
    ),
    "data_loss": (
        _when("onsite_server", True, "your files sit on one server"),
        _when("sector", "creative_media", "your work cannot be made again"),
        _when("personal_data", True, "you keep records you must not lose"),
    ),
    "card_fraud": (
        _when("website", "online_shop", "you take card payments online"),
        _when("card_payments", True, "you take card payments"),
    ),
    "website_hack": (
        _when("website_platform", "self_run", "you run your own website software"),
        _when("website", "online_shop", "you sell through your website"),
        _when("website", "brochure", "customers find you through your website"),
    ),
    "social_hijack": (
        _when("social_media_sales", True, "most of your work comes through social media"),
        _when("social_media", True, "customers find you on social media"),
    ),
    "supplier": (
        _when("it_support", "outsourced", "an IT firm can reach your systems"),
    ),
    "contract_loss": (
        _when("needs_cyber_essentials", True, "customers ask you for Cyber Essentials"),
    ),
    "legal": (
        _when("sector", "health_care", "you hold health records"),
        _when("personal_data", True, "you keep details about people"),
        _when("card_payments", True, "you take card payments"),
    ),
}

#: What each threat costs, said after a fact: "Because X, <harm>."
HARM: dict[str, Callable[[BusinessProfile], str]] = {
    "payment_fraud": lambda p: "a criminal who changes the bank details can take a whole payment",
    "impersonation": lambda p: "a fake email in your name could send their money to a criminal",
    "phishing": lambda p: "one fake email can give a criminal your logins",
    "account_takeover": lambda p: "a stolen password should not be enough to get in",
    "malware": lambda p: "a virus could steal logins or wreck files",
    "ransomware": lambda p: f"one attack could lock every file and stop your {_org(p)}",
    "intrusion": lambda p: "a stranger on your network could reach your files",
    "insider": lambda p: "each person should reach only what they need",
    "device_loss": lambda p: "a lost phone or laptop should not give your data away",
    "data_loss": lambda p: "a broken or stolen device should not lose your work",
    "card_fraud": lambda p: "stolen card details mean fines and lost trust",
    "website_hack": lambda p: "a hacked site can trick your customers",
    "social_hijack": lambda p: "a lost account could cost you new work",
    "supplier": lambda p: "a hacked supplier could let a criminal in",
    "legal": lambda p: "the law gives you duties here, and fines if you miss them",
    "contract_loss": lambda p: "without the badge you could lose their work",
}

#: What each threat costs, said on its own when no fact about the business explains it.
HARM_ALONE: dict[str, Callable[[BusinessProfile], str]] = {
    "payment_fraud": lambda p: "Fake bank details are the biggest money loss for small firms.",
    "impersonation": lambda p: "Criminals can send emails that look as if they come from you.",
    "phishing": lambda p: "Scam emails are the most common attack. One can give away your logins.",
    "account_takeover": lambda p: "A stolen password should not be enough to get into your accounts.",
    "malware": lambda p: "A virus could steal logins or wreck your files.",
    "ransomware": lambda p: f"Ransomware could lock every file and stop your {_org(p)}.",
    "intrusion": lambda p: "A stranger on your network could reach your files.",
    "insider": lambda p: "Each person should reach only what they need.",
    "device_loss": lambda p: "A lost phone or laptop should not give your data away.",
    "data_loss": lambda p: "A broken or stolen device should not lose your work.",
    "card_fraud": lambda p: "Stolen card details mean fines and lost trust.",
    "website_hack": lambda p: "A hacked site can trick your customers.",
    "social_hijack": lambda p: "A stolen account can be used to scam your followers.",
    "supplier": lambda p: "A hacked supplier could let a criminal in.",
    "legal": lambda p: "The law gives you duties here, and fines if you miss them.",
    "contract_loss": lambda p: "More and more big customers ask for Cyber Essentials.",
}


def driver(threat: str, profile: BusinessProfile) -> str | None:
    """The fact about this business that makes the threat likely, if one is known."""
    for phrase in DRIVERS.get(threat, ()):
        text = phrase(profile)
        if text:
            return text
    return None


def why_line(threat: str | None, profile: BusinessProfile, fallback: str) -> str:
    """One line on what the step protects for this business."""
    if threat is None:
        return fallback
    fact = driver(threat, profile)
    if fact:
        return f"Because {fact}, {HARM[threat](profile)}."
    return HARM_ALONE[threat](profile)


def harms() -> Mapping[str, Callable[[BusinessProfile], str]]:
    return HARM
