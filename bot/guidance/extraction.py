"""Profile facts from what the owner typed.

Rasa hands us entities from three places: the project's spaCy EntityRuler
(patterns built from ``data/patterns``), the trained CRF model, and button
payloads. This module turns them into typed profile values: it normalises
synonyms, reads head counts, and notices negation ("we don't take cards").

Owners also say things no entity covers, in their own words: "me and 5 lads", "our IT
guy", "a Facebook page", "we're in Swansea", "it's windows 7". ``facts_from_text`` reads
those from the message itself (``TEXT_CUES`` below), and names a place's nation through
bot/guidance/places.py. An entity wins over the text, except for the nation, where the
gazetteer knows more towns than the entity patterns do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

from bot.guidance import places
from bot.guidance.profile import ATTRIBUTE_VALUES, BOOLEAN_ATTRIBUTES, parse_value, size_from_headcount
from bot.paths import DATA_DIR

VOCABULARY_FILE = DATA_DIR / "patterns" / "profile_vocabulary.yml"

# Which extractor to believe when two disagree: a button payload has no extractor. The
# project's faster subclasses (bot/nlp/spacy_entities.py, bot/nlp/crf_extractor.py) rank
# as the Rasa components they replace.
_EXTRACTOR_RANK = {None: 0, "SpacyEntityExtractor": 1, "SharedDocSpacyEntityExtractor": 1,
                   "CRFEntityExtractor": 2, "FastCRFEntityExtractor": 2, "DIETClassifier": 2}

_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90, "hundred": 100, "dozen": 12, "couple": 2, "few": 3,
}
_SOLO = re.compile(r"\b(just me|only me|myself|on my own|sole trader|self[- ]?employed|freelanc(?:e|er|ing)|"
                   r"one[- ]?(man|woman|person))\b")
#: Saying so outright beats a count elsewhere ("just me, about 20 clients").
_SURELY_SOLO = re.compile(r"\b(just me|only me|on my own|sole trader|one[- ]?(man|woman|person) band)\b")
_NEGATION = re.compile(r"(\bno|\bnot|n't|\bnever|\bwithout|\bnone of|\bdont|\bdon't)\W+(\w+\W+){0,3}$")


@dataclass(frozen=True)
class Entity:
    """An entity as Rasa reports it."""

    label: str
    text: str
    value: Any = None
    start: int | None = None
    end: int | None = None
    extractor: str | None = None

    @classmethod
    def from_rasa(cls, raw: Mapping[str, Any], message: str) -> Entity:
        start, end = raw.get("start"), raw.get("end")
        text = message[start:end] if isinstance(start, int) and isinstance(end, int) else ""
        return cls(
            label=str(raw.get("entity", "")),
            text=text or str(raw.get("value", "")),
            value=raw.get("value"),
            start=start if isinstance(start, int) else None,
            end=end if isinstance(end, int) else None,
            extractor=raw.get("extractor"),
        )


@lru_cache(maxsize=1)
def vocabulary(path: Path = VOCABULARY_FILE) -> dict[str, dict[str, Any]]:
    """Phrase (lower case) to normalised value, per attribute."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    table: dict[str, dict[str, Any]] = {}
    for attribute, values in raw.items():
        table[attribute] = {}
        for value, phrases in values.items():
            typed = parse_value(attribute, value)
            stored = next(iter(typed)) if isinstance(typed, frozenset) else typed
            for phrase in phrases:
                table[attribute][str(phrase).lower()] = stored
    return table


def parse_headcount(text: str) -> int | None:
    """How many people a phrase like "12-person", "three of us" or "just me" means."""
    lowered = text.lower()
    if _SOLO.search(lowered):
        return 1
    digits = re.search(r"\d[\d,]*", lowered)
    if digits:
        return int(digits.group().replace(",", ""))
    total = 0
    for word in re.findall(r"[a-z]+", lowered):
        if word in _NUMBER_WORDS:
            number = _NUMBER_WORDS[word]
            total = total * number if number == 100 and total else total + number
    return total or None


def _negated(message: str, entity: Entity) -> bool:
    if entity.start is None:
        return False
    before = message[max(0, entity.start - 30): entity.start].lower()
    before = re.split(r"[.!?;\n]", before)[-1]  # negation does not reach over a full stop
    return bool(_NEGATION.search(before))


def _normalise(entity: Entity, message: str) -> tuple[str, Any] | None:
    """The (attribute, typed value) an entity stands for, or None if it means nothing to us."""
    if entity.label == "headcount":
        people = parse_headcount(entity.text or str(entity.value))
        return ("size", size_from_headcount(people)) if people else None
    if entity.label not in ATTRIBUTE_VALUES:
        return None
    attribute = entity.label
    value: Any = None
    for candidate in (entity.value, entity.text):
        if candidate is None:
            continue
        try:
            value = parse_value(attribute, candidate)
        except ValueError:
            value = vocabulary().get(attribute, {}).get(str(candidate).lower().strip())
        if value is not None:
            break
    if value is None:
        return None
    if isinstance(value, frozenset):
        value = next(iter(value))
    if _negated(message, entity):
        if attribute in BOOLEAN_ATTRIBUTES:
            value = not value if value is True else value
        elif attribute == "website" and value != "none" or attribute == "it_support" and value != "none":
            value = "none"
        elif attribute == "cloud":
            return None
    return attribute, value


def entity_facts(message: str, entities: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Profile values found in one message, keyed by attribute.

    ``cloud`` collects every service mentioned; for other attributes the most
    trusted extractor wins (button payload, then the EntityRuler, then DIET).
    """
    parsed = [Entity.from_rasa(raw, message) for raw in entities]
    parsed.sort(key=lambda e: _EXTRACTOR_RANK.get(e.extractor, 3))
    facts: dict[str, Any] = {}
    clouds: set[str] = set()
    for entity in parsed:
        found = _normalise(entity, message)
        if found is None:
            continue
        attribute, value = found
        if attribute == "cloud":
            clouds.add(value)
        elif attribute not in facts:
            facts[attribute] = value
    if clouds:
        if len(clouds) > 1:
            clouds.discard("none")
        facts["cloud"] = frozenset(clouds)
    return facts


# ---- facts read from the text itself -------------------------------------------------

_NUMBER = r"(?:\d{1,4}|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + ")"
_PEOPLE_WORDS = (r"(?:people|persons?|staff|employees|lads|guys|girls|blokes|workers|members of staff|"
                 r"carers|consultants|stylists|physios|colleagues|of us|strong|-person|person|fte|"
                 r"full[- ]timers|part[- ]timers|part-time staff|team members)")
_HEADCOUNT = re.compile(rf"\b({_NUMBER})\s*(?:-\s*)?(?:\w+\s+)?{_PEOPLE_WORDS}", re.IGNORECASE)
_TEAM_OF = re.compile(rf"\b(?:team|staff|workforce) of (?:about |around )?({_NUMBER})\b", re.IGNORECASE)
_ME_AND = re.compile(
    rf"\b(?:me|myself) (?:and|plus|\+) (?:my |the |our )?(?:({_NUMBER}) |a )?"
    r"(wife|husband|partner|missus|son|daughter|brother|sister|dad|mum|mate|business partner|"
    r"others?|staff|lads|guys|girls|part[- ]timers?|stylists|artists|resident artists|employees|"
    r"apprentice|helpers?|people)\b", re.IGNORECASE)
_NO_STAFF = re.compile(r"\bno (?:staff|employees)\b", re.IGNORECASE)
_NEGATIVE_BEFORE = re.compile(
    r"(?:\bno|\bnot|n't|\bnever|\bwithout|\bnone|\bdont|\bnor|\bnot on|\bisnt|\bdoesnt)"
    r"(?:\W+\w+){0,3}\W*$", re.IGNORECASE)

#: attribute -> list of (pattern, value). The first pattern that matches, not negated, wins;
#: a negated match of a yes/no attribute gives "no". Patterns are matched case-insensitively.
TEXT_CUES: dict[str, list[tuple[str, Any]]] = {
    "bank_transfers": [
        (r"bank transfers?|by transfer|\bbacs\b|standing orders?|direct debits?|client account|"
         r"completion monies|pay (?:the )?\w+ (?:out )?(?:monthly |weekly )?by transfer|invoices?|"
         r"invoiced|on account|stage payments|payroll payments|deposits? by", True),
    ],
    "social_media": [
        (r"facebook|instagram|\binsta\b|tiktok|twitter|linkedin|youtube|social media|"
         r"followers|\bdms\b", True),
    ],
    "customer_wifi": [
        (r"(?:free|guest|customer|public|visitor) wi-?fi|wi-?fi for (?:customers|guests|visitors|"
         r"patients|clients)|guests get the wi-?fi|customers use (?:our|the) wi-?fi", True),
    ],
    "onsite_server": [
        # A server rented from a hosting firm ("a server on DigitalOcean") is not on site.
        (r"(?:a|our|the|own) (?:file |windows |old |little )?server\b(?! ?(?:staff|waiting))"
         r"(?![^.]{0,40}(?:digitalocean|\baws\b|amazon|azure|linode|hetzner|\bovh\b|\bvps\b|"
         r"in the cloud|hosting))|servers at|\bnas\b|synology|server in the", True),
    ],
    "old_machines": [
        (r"windows (?:7|8|xp|vista|10|server 20(?:0\d|1[0-6]))|\bxp\b|out of support|"
         r"unsupported|no longer (?:gets? )?updates?|old(?:ish)? (?:laptop|pc|computer|machines?|"
         r"pcs|kit)|(?:laptops?|pcs|computers?) (?:are|is) (?:really )?old|it's old|its old", True),
    ],
    "website_platform": [
        (r"wordpress|woocommerce|magento|joomla|drupal|our own (?:site|server)|digitalocean|"
         r"self[- ]hosted", "self_run"),
        (r"shopify|\bwix\b|squarespace|\betsy\b|big ?cartel|square online|ebay|godaddy site|"
         r"weebly", "hosted"),
    ],
    "website": [
        (r"no (?:website|web site)|(?:don'?t|do not) have a (?:website|site)|"
         r"no website of our own|just the \w+ link", "none"),
        (r"online shop|sell (?:them |it )?(?:online|on etsy|on (?:our|the) (?:website|site))|"
         r"\betsy\b|shopify|woocommerce|square online|orders? online|selling online", "online_shop"),
        (r"website|web site|squarespace|\bwix\b|wordpress", "brochure"),
    ],
    "volunteers": [(r"volunteers?\b", True)],
    # Outsiders who log in to the business's own accounts, not suppliers in general.
    "contractors": [
        (r"(?:freelancers?|contractors?|sub-?contractors?|agency (?:staff|workers))"
         r"(?:\W+\w+){0,4}?\W+(?:get|have|has|need|with|use|using)\W+(?:\w+\W+){0,2}?"
         r"(?:access|log-?ins?|logins?|passwords?|accounts?|systems?)|"
         r"(?:give|gives|given|share) (?:our |the )?(?:freelancers?|contractors?)\W+(?:\w+\W+){0,3}?"
         r"(?:access|logins?|passwords?)", True),
    ],
    "shared_devices": [
        (r"(?:room|shared|communal|class(?:room)?|ward|team|front desk|reception) "
         r"(?:tablets?|ipads?|laptops?|pcs?|computers?)|"
         r"(?:tablets?|ipads?|laptops?|pcs?|computers?) (?:are |is )?shared|"
         r"(?:tablets?|ipads?) in (?:each|every|the) (?:room|classroom|van|ward)", True),
    ],
    "shared_logins": [
        (r"(?:same|one|shared?) (?:login|log-in|password|pin|account)|all (?:use|know) the "
         r"(?:one |same )?(?:login|password|pin)|share (?:a|one|the) (?:login|password|gmail|email)|"
         r"we all know the password|logs? in with the same", True),
    ],
    "needs_cyber_essentials": [(r"cyber essentials", True)],
    "large_payments": [
        (r"big amounts|large (?:sums|amounts|payments)|six figure|five figure|"
         r"\d+-\d+k\b|£\d+(?:,\d{3})+|£\d+k\b|\d{2,3} ?k (?:jobs?|payments?|invoices?|a term)", True),
    ],
    "remote_access": [
        (r"\bvpn\b|remote desktop|\brdp\b|dial in|connects? (?:in|to it) remotely|"
         r"looks? after it remotely|teamviewer|anydesk|remote (?:access|support)", True),
    ],
    "social_media_sales": [
        (r"(?:instagram|facebook|tiktok|social media) is (?:basically |literally )?(?:my|our)? ?"
         r"(?:business|everything|massive)|(?:most|all|loads) (?:of )?(?:our |my )?(?:work|bookings|"
         r"enquiries|sales|orders)[^.]{0,30}(?:instagram|facebook|tiktok|social|dms)|"
         r"\d+k followers|big facebook following|(?:instagram|facebook)[^.]{0,40}where (?:most|all)", True),
    ],
    "it_support": [
        (r"no it (?:person|support|help|guy)|nobody (?:does|looks after) (?:the )?it|"
         r"no outside it|not techy", "none"),
        (r"in[- ]house it|it technician in house|\d+ (?:people )?in-house it|"
         r"\bit (?:manager|department|team)\b", "in_house"),
        (r"it (?:guy|bloke|man|company|firm|provider|support company|contractor)|"
         r"it is outsourced|outsourced|computer (?:guy|man)|tech guy|managed service|"
         r"looks after (?:it|that side|our laptops) remotely", "outsourced"),
    ],
    "card_payments": [
        (r"card (?:machine|reader|terminal|payments?|deposit)|take cards|pay by card|"
         r"\bsumup\b|stripe|square\b|contactless|paypal", True),
    ],
    "personal_data": [
        (r"patients?|client (?:details|records|files|data)|customer (?:accounts|details|records|data)|"
         r"payroll|passports?|session notes|health info|care plans|children|pupils|cvs|"
         r"addresses|medical|consent forms|tenant", True),
    ],
    "remote_working": [
        (r"nobody works from home|no one works from home|all in the (?:cafe|shop|office)|"
         r"never leaves the office|its all done in the shop", False),
        # "Remotely" alone is often a supplier reaching in ("the IT company looks after it
        # remotely"): that is remote_access, not people working away from the office.
        (r"work(?:ing|s)? from home|home working|hybrid|remote (?:working|workers?|staff|team)|"
         r"work(?:ing|s)? remotely|on the road|travel|from home", True),
    ],
    "byod": [
        (r"(?:their|our|my|his|her) own (?:phones?|devices?|laptops?|mobiles?)|personal phones?|"
         r"from their phones|own phones", True),
        (r"company (?:laptops?|phones?|devices)|not allowed their own phones", False),
    ],
}

#: Sector words that say more than the entity patterns: "community pharmacy" is health
#: care, not a shop; "precision engineering" with a shop floor is manufacturing.
SECTOR_CUES: list[tuple[str, str]] = [
    (r"pharmacy|pharmacist|dispensing", "health_care"),
    (r"engineering consultancy|consulting engineers", "professional_services"),
    (r"estate (?:&|and) letting|letting agen\w*|lettings agen\w*", "professional_services"),
    (r"precision engineering|cnc|shop floor|factory|manufactur\w*", "manufacturing"),
    (r"logistics|haulage|warehous\w*|call centre|contact centre", "other"),
    (r"school uniform shop|uniform shop", "retail"),
    (r"sell (?:them |it |things |stuff |my \w+ |our \w+ )?on (?:etsy|ebay|amazon|not on the high street)|"
     r"(?:etsy|ebay|amazon) (?:shop|store|seller)", "retail"),
]

#: Online services that count as cloud accounts, beyond the entity vocabulary.
_CLOUD_OTHER = re.compile(
    r"\b(?:xero|quickbooks|sage online|dropbox|icloud|pixieset|famly|fresha|cliniko|alto|"
    r"bullhorn|slack|figma|canva|booking\.com|airbnb|opentable|square|sumup|shopify|etsy|"
    r"mailchimp|zoom|paypal|google form|cloud)\b", re.IGNORECASE)
_CLOUD_MICROSOFT = re.compile(r"\b(?:m365|microsoft 365|office 365|o365|outlook|hotmail|onedrive|"
                              r"sharepoint|teams)\b", re.IGNORECASE)
_CLOUD_GOOGLE = re.compile(r"\b(?:gmail|google (?:workspace|drive|docs|sheets)|g ?suite)\b",
                           re.IGNORECASE)


def _negated_at(text: str, start: int) -> bool:
    before = text[max(0, start - 40): start]
    clause = re.split(r"[.,;!?]|\bbut\b|\band\b", before)[-1]
    return bool(_NEGATIVE_BEFORE.search(clause)) if clause.strip() else False


def headcount_in(text: str) -> int | None:
    """How many people the message says work in the business, owner included."""
    lowered = text.lower()
    if _SURELY_SOLO.search(lowered) and not _ME_AND.search(lowered):
        return 1
    together = _ME_AND.search(text)
    if together:
        number = together.group(1)
        extra = parse_headcount(number) if number else 1
        total = 1 + (extra or 1)
        more = re.search(rf"\b(?:and|plus) ({_NUMBER}) (?:staff|others|part[- ]timers|employees)", lowered)
        if more and more.start() > together.start():
            total += parse_headcount(more.group(1)) or 0
        return total
    for pattern in (_HEADCOUNT, _TEAM_OF):
        match = pattern.search(text)
        if match:
            people = parse_headcount(match.group(1))
            if people:
                return people
    return 1 if _SOLO.search(lowered) else None


def facts_from_text(message: str) -> dict[str, Any]:
    """Profile values the message states in words that no entity pattern covers."""
    facts: dict[str, Any] = {}
    for attribute, cues in TEXT_CUES.items():
        for pattern, value in cues:
            for match in re.finditer(rf"(?<![\w-])(?:{pattern})", message, flags=re.IGNORECASE):
                negated = _negated_at(message, match.start())
                if not negated:
                    facts.setdefault(attribute, value)
                    break
                if isinstance(value, bool):
                    facts.setdefault(attribute, not value)
                    break
            if attribute in facts:
                break
    if facts.get("website") == "none":
        facts.pop("website_platform", None)
    elif facts.get("website_platform") and "website" not in facts:
        facts["website"] = "brochure"
    for pattern, sector in SECTOR_CUES:
        if re.search(rf"\b(?:{pattern})", message, flags=re.IGNORECASE):
            facts["sector"] = sector
            break
    if _mixed_online_cards(message):
        facts["card_payments"] = True
        facts.setdefault("website", "online_shop")
    people = headcount_in(message)
    if people is None and _NO_STAFF.search(message) and _SOLO.search(message.lower()):
        people = 1
    if people:
        facts["people"] = people
        facts["size"] = size_from_headcount(people)
    clouds = set()
    if _CLOUD_MICROSOFT.search(message):
        clouds.add("microsoft_365")
    if _CLOUD_GOOGLE.search(message):
        clouds.add("google_workspace")
    if _CLOUD_OTHER.search(message):
        clouds.add("other")
    if clouds:
        facts["cloud"] = frozenset(clouds)
    if _consumer_email_only(message):
        facts["consumer_email"] = True
    try:
        nation = places.nation_in(message)
    except places.PlacesMissingError:
        nation = None
    if nation:
        facts["nation"] = nation
    return facts


_CONSUMER_EMAIL = re.compile(r"\b(?:gmail|hotmail|outlook\.com|yahoo|aol|btinternet|icloud)\b",
                             re.IGNORECASE)
_BUSINESS_SUITE = re.compile(r"\b(?:workspace|g ?suite|microsoft 365|office 365|m365|o365|"
                             r"exchange|sharepoint|teams|own domain)\b", re.IGNORECASE)


def _consumer_email_only(message: str) -> bool:
    """A personal Gmail or Hotmail account, not a business suite with an admin console."""
    return bool(_CONSUMER_EMAIL.search(message)) and not _BUSINESS_SUITE.search(message)


def _mixed_online_cards(message: str) -> bool:
    """ "we take cards in the shop and online": cards, and a shop on the web."""
    return bool(re.search(r"\bcards?\b[^.]{0,40}\b(?:and|&) online\b", message, re.IGNORECASE)
                and not re.search(r"not online", message, re.IGNORECASE))


def extract_facts(message: str, entities: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Every profile value one message states: entities first, then the text's own words.

    A button payload (an entity with no extractor) always wins. The text's nation and head
    count win over entity patterns, which know fewer places and no "me and 5 lads".
    """
    raw = list(entities)
    facts = entity_facts(message, raw)
    if message.startswith("/"):
        return facts
    from_text = facts_from_text(message)
    if from_text.pop("consumer_email", False):
        # Gmail or Hotmail on its own is an online service, not Google Workspace or
        # Microsoft 365: the admin-console steps would not fit.
        for key in (facts, from_text):
            if "cloud" in key:
                services = set(key["cloud"]) - {"google_workspace", "microsoft_365"}
                key["cloud"] = frozenset(services | {"other"})
    from_buttons = {str(e.get("entity")) for e in raw if e.get("extractor") is None}
    for attribute, value in from_text.items():
        if attribute in from_buttons:
            continue
        if attribute == "cloud" and "cloud" in facts:
            merged = set(facts["cloud"]) | set(value)
            if len(merged) > 1:
                merged.discard("none")
            facts["cloud"] = frozenset(merged)
        elif attribute in ("nation", "size", "people", "sector") or attribute not in facts:
            facts[attribute] = value
        elif attribute == "website" and value == "online_shop":
            # "Our site is WordPress + WooCommerce": the entity saw a site, the words a shop.
            facts[attribute] = value
    return facts
