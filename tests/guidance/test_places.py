"""Naming a place names its nation: the table built from the real gazetteers."""

from __future__ import annotations

import pytest

from bot.guidance.places import PLACES_FILE, nation_in, table, write_table


@pytest.fixture(scope="module", autouse=True)
def places_table():
    if not PLACES_FILE.exists():
        write_table()
    table.cache_clear()


@pytest.mark.parametrize(
    ("text", "nation"),
    [
        ("we're a garage in Belfast", "northern_ireland"),
        ("shop in Edinburgh", "scotland"),
        ("we're in Glasgow", "scotland"),
        ("based in Aberdeen", "scotland"),
        ("hotel in Inverness", "scotland"),
        ("a cafe in Cardiff", "wales"),
        ("we're in Swansea", "wales"),
        ("siop lyfrau in Caerdydd", "wales"),
        ("a cardiff-based salon", "wales"),
        ("pub in Derry~Londonderry", "northern_ireland"),
        ("farm in county antrim", "northern_ireland"),
        ("builders in co. down", "northern_ireland"),
        ("a bakery in fife", "scotland"),
        ("we're a charity in wales", "wales"),
        ("tattoo studio in leith, edinburgh", "scotland"),
        ("a garage in east belfast", "northern_ireland"),
        ("uniform shop in Bangor (north wales)", "wales"),
        ("haulage firm in Northamptonshire", "england"),
        ("a plumber in Leeds", "england"),
    ],
)
def test_a_town_or_county_gives_its_nation(text, nation):
    assert nation_in(text) == nation


@pytest.mark.parametrize(
    "text",
    ["we started in march", "We opened in March.", "got a good deal in deal",
     "everything is in sale", "we work in street clothes", "in hope of some advice",
     "Pembrokeshire coast path walks"],
)
def test_ordinary_words_and_places_without_a_cue_settle_nothing(text):
    assert nation_in(text) is None


@pytest.mark.parametrize(
    ("text", "nation"),
    [("a shop in Deal, Kent", "england"), ("we're based in sale", "england"),
     ("a cafe in Street, Somerset", "england")],
)
def test_a_town_that_is_also_a_word_counts_with_a_capital_or_a_clear_cue(text, nation):
    assert nation_in(text) == nation
