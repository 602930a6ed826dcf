"""The business profile: what the assistant knows about one business.

Every attribute is optional. ``None`` means "not known" (never asked, or the owner
said "not sure"), which the tailoring engine treats differently from a known "no".
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any, Mapping

SIZES = ("sole_trader", "micro", "small", "medium")
SECTORS = (
    "retail",
    "hospitality",
    "professional_services",
    "health_care",
    "construction_trades",
    "creative_media",
    "charity",
    "education",
    "manufacturing",
    "other",
)
CLOUD_SERVICES = ("microsoft_365", "google_workspace", "other", "none")
IT_SUPPORT = ("none", "in_house", "outsourced")
WEBSITES = ("none", "brochure", "online_shop")
#: Who runs the website's software: a hosted platform (Shopify, Wix, Squarespace, Etsy)
#: patches itself; a site the business runs (WordPress on its own hosting) does not.
WEBSITE_PLATFORMS = ("hosted", "self_run")
NATIONS = ("england", "scotland", "wales", "northern_ireland")

BOOLEAN_ATTRIBUTES = (
    "card_payments", "personal_data", "remote_working", "byod",
    "bank_transfers", "social_media", "customer_wifi", "onsite_server", "old_machines",
    "volunteers", "shared_logins", "needs_cyber_essentials", "remote_access", "social_media_sales",
    "large_payments", "contractors", "shared_devices",
)

#: Allowed values of each attribute, as written in the knowledge base and slots.
ATTRIBUTE_VALUES: dict[str, tuple[Any, ...]] = {
    "size": SIZES,
    "sector": SECTORS,
    "card_payments": (True, False),
    "personal_data": (True, False),
    "cloud": CLOUD_SERVICES,
    "remote_working": (True, False),
    "it_support": IT_SUPPORT,
    "website": WEBSITES,
    "byod": (True, False),
    "nation": NATIONS,
    "bank_transfers": (True, False),
    "social_media": (True, False),
    "customer_wifi": (True, False),
    "onsite_server": (True, False),
    "old_machines": (True, False),
    "website_platform": WEBSITE_PLATFORMS,
    "volunteers": (True, False),
    "shared_logins": (True, False),
    "needs_cyber_essentials": (True, False),
    "remote_access": (True, False),
    "social_media_sales": (True, False),
    "large_payments": (True, False),
    "contractors": (True, False),
    "shared_devices": (True, False),
}

#: The attributes the analytics record keeps a column for (bot/analytics), in their order.
QUESTION_ORDER = (
    "size",
    "sector",
    "nation",
    "cloud",
    "card_payments",
    "personal_data",
    "website",
    "remote_working",
    "byod",
    "it_support",
)

#: Every attribute the assistant may ask about. Which one it asks, if any, is chosen by
#: bot/guidance/questions.py: the unknown one whose answer would change the plan most.
ASKABLE_ATTRIBUTES = QUESTION_ORDER + (
    "bank_transfers",
    "social_media",
    "website_platform",
    "old_machines",
    "onsite_server",
    "customer_wifi",
    "volunteers",
)

#: Slot value meaning "asked, and the owner is not sure or skipped it".
UNKNOWN = "unknown"

SIZE_LABELS = {
    "sole_trader": "sole trader",
    "micro": "2 to 9 people",
    "small": "10 to 49 people",
    "medium": "50 to 249 people",
}


@dataclass(frozen=True)
class BusinessProfile:
    """A (possibly partial) description of a business."""

    size: str | None = None
    sector: str | None = None
    card_payments: bool | None = None
    personal_data: bool | None = None
    cloud: frozenset[str] | None = field(default=None)
    remote_working: bool | None = None
    it_support: str | None = None
    website: str | None = None
    byod: bool | None = None
    nation: str | None = None
    bank_transfers: bool | None = None
    social_media: bool | None = None
    customer_wifi: bool | None = None
    onsite_server: bool | None = None
    old_machines: bool | None = None
    website_platform: str | None = None
    volunteers: bool | None = None
    #: Several people share one login (a till PIN, one email account): told, never asked.
    shared_logins: bool | None = None
    #: A customer or contract asks for Cyber Essentials: told, never asked.
    needs_cyber_essentials: bool | None = None
    #: Someone connects in from outside (remote desktop, VPN, a supplier's support tool): told.
    remote_access: bool | None = None
    #: Most work or sales come through social media ("Instagram is everything"): told.
    social_media_sales: bool | None = None
    #: Single payments of thousands of pounds ("jobs of 20-30k", "six figure sums"): told.
    large_payments: bool | None = None
    #: Freelancers, contractors or agency staff log in to the business's accounts ("freelancers
    #: get access to those too"): each is a login that must go when the work ends. Told.
    contractors: bool | None = None
    #: Tablets, laptops or PCs used by several people ("the room tablets", "a shared iPad"):
    #: nobody carries them, so they are left unlocked and go missing unnoticed. Told.
    shared_devices: bool | None = None
    #: How many people, when the owner said ("3 of us"): words read better than a band.
    people: int | None = None

    def known(self) -> dict[str, Any]:
        """The attributes whose value is known."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}

    def with_values(self, **values: Any) -> BusinessProfile:
        return replace(self, **values)

    @classmethod
    def from_slots(cls, slots: Mapping[str, Any]) -> BusinessProfile:
        """Build a profile from Rasa slot values (strings, "unknown" or None)."""
        values: dict[str, Any] = {}
        for name in ATTRIBUTE_VALUES:
            values[name] = parse_value(name, slots.get(name))
        values["people"] = parse_people(slots.get("people"))
        return cls(**values)

    @property
    def is_charity(self) -> bool:
        return self.sector == "charity"

    @property
    def solo(self) -> bool:
        """One person: "you", never "everyone" or "staff"."""
        return self.size == "sole_trader" or self.people == 1


def parse_people(raw: Any) -> int | None:
    """A head count from a slot (a number or its text), or None."""
    if isinstance(raw, bool) or raw in (None, "", UNKNOWN):
        return None
    try:
        people = int(float(raw))
    except (TypeError, ValueError):
        return None
    return people if people > 0 else None


def size_label(profile: BusinessProfile) -> str | None:
    """How big the business is, in the owner's terms: "3 people", "just you", "10 to 49 people"."""
    if profile.solo:
        return "just you"
    if profile.people:
        return f"{profile.people} people"
    if profile.size:
        return SIZE_LABELS[profile.size]
    return None


def parse_value(attribute: str, raw: Any) -> Any:
    """Turn a slot or entity value into the profile's typed value, or None if unknown.

    Raises ValueError for a value that is not allowed for the attribute, so that a
    typo in a button payload or pattern file is caught rather than silently dropped.
    """
    if attribute not in ATTRIBUTE_VALUES:
        raise ValueError(f"unknown profile attribute {attribute!r}")
    if raw is None or raw == UNKNOWN or raw == "":
        return None
    if attribute == "cloud":
        items = [raw] if isinstance(raw, str) else list(raw)
        cleaned = [str(item) for item in items if item not in (None, "", UNKNOWN)]
        for item in cleaned:
            if item not in CLOUD_SERVICES:
                raise ValueError(f"{item!r} is not a cloud service value")
        if not cleaned:
            return None
        if len(cleaned) > 1 and "none" in cleaned:
            cleaned.remove("none")
        return frozenset(cleaned)
    if attribute in BOOLEAN_ATTRIBUTES:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("true", "yes"):
            return True
        if text in ("false", "no"):
            return False
        raise ValueError(f"{raw!r} is not a yes/no value for {attribute}")
    text = str(raw).strip().lower()
    if text not in ATTRIBUTE_VALUES[attribute]:
        raise ValueError(f"{raw!r} is not a valid {attribute}")
    return text


def to_slot_value(attribute: str, value: Any) -> Any:
    """The inverse of :func:`parse_value`: a typed value as stored in a Rasa slot."""
    if value is None:
        return UNKNOWN
    if attribute == "cloud":
        return sorted(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def size_from_headcount(people: int) -> str:
    """Map a head count (owner included) to the size band."""
    if people <= 1:
        return "sole_trader"
    if people <= 9:
        return "micro"
    if people <= 49:
        return "small"
    return "medium"
