"""Reporting periods: presets, the previous equal period, intervals and their partial marks."""

from __future__ import annotations

from datetime import date

import pytest

from bot.analytics.report_periods import buckets, change, custom, preset
from bot.web.staff.query import read_filters

TODAY = date(2026, 12, 3)  # a Thursday, three days into December


@pytest.mark.parametrize(("name", "start", "end", "unfinished"), [
    ("this_week", date(2026, 11, 30), TODAY, True),
    ("last_week", date(2026, 11, 23), date(2026, 11, 29), False),
    ("this_month", date(2026, 12, 1), TODAY, True),
    ("last_month", date(2026, 11, 1), date(2026, 11, 30), False),
    ("this_quarter", date(2026, 10, 1), TODAY, True),
    ("last_quarter", date(2026, 7, 1), date(2026, 9, 30), False),
    ("this_financial_year", date(2026, 4, 1), TODAY, True),
    ("last_financial_year", date(2025, 4, 1), date(2026, 3, 31), False),
])
def test_presets_are_the_calendar_periods_people_report_in(name: str, start: date, end: date,
                                                            unfinished: bool) -> None:
    period = preset(name, TODAY)
    assert (period.start, period.end, period.unfinished) == (start, end, unfinished)


def test_financial_year_turns_in_april() -> None:
    assert preset("this_financial_year", date(2027, 3, 31)).start == date(2026, 4, 1)
    assert preset("this_financial_year", date(2027, 4, 1)).start == date(2027, 4, 1)


def test_previous_period_is_the_equal_stretch_before() -> None:
    november = preset("last_month", TODAY).previous()
    assert (november.start, november.end) == (date(2026, 10, 1), date(2026, 10, 31))
    # December so far (3 days) against the first 3 days of November, not all of it.
    so_far = preset("this_month", TODAY).previous()
    assert (so_far.start, so_far.end) == (date(2026, 11, 1), date(2026, 11, 3))
    # March (31 days) so far against February: clipped to February's end.
    march = preset("this_month", date(2026, 3, 31)).previous()
    assert (march.start, march.end) == (date(2026, 2, 1), date(2026, 2, 28))
    quarter = preset("last_quarter", TODAY).previous()
    assert (quarter.start, quarter.end) == (date(2026, 4, 1), date(2026, 6, 30))
    year = preset("last_financial_year", TODAY).previous()
    assert (year.start, year.end) == (date(2024, 4, 1), date(2025, 3, 31))
    ten_days = custom(date(2026, 5, 11), date(2026, 5, 20), TODAY).previous()
    assert (ten_days.start, ten_days.end) == (date(2026, 5, 1), date(2026, 5, 10))


def test_intervals_mark_unfinished_and_cut_ones() -> None:
    period = preset("this_month", TODAY)
    weeks = buckets(period.start, period.end, "week", TODAY, period.full_end)
    assert [w.label for w in weeks] == ["2026-11-30"]
    assert weeks[0].unfinished and weeks[0].days == 3 and "unfinished" in weeks[0].note
    quarter = preset("last_quarter", TODAY)
    months = buckets(quarter.start, quarter.end, "month", TODAY, quarter.full_end)
    assert [(m.label, m.partial) for m in months] == [("2026-07", False), ("2026-08", False),
                                                      ("2026-09", False)]
    cut = buckets(date(2026, 7, 15), date(2026, 9, 30), "month", TODAY)
    assert [(m.label, m.cut, m.days) for m in cut][0] == ("2026-07", True, 17)
    assert not cut[1].partial and not cut[2].partial


def test_change_in_number_and_percent() -> None:
    assert change(120, 100) == {"previous": 100, "change": 20, "percent": 0.2}
    assert change(5, 0) == {"previous": 0, "change": 5, "percent": None}
    assert change(None, 3)["change"] is None


def test_url_filters_read_presets_clamp_and_refuse_impossible_dates() -> None:
    chosen = read_filters({"period": "last_month", "interval": "month"}, today=TODAY)
    assert (chosen.filters.start, chosen.filters.end, chosen.interval) == (
        date(2026, 11, 1), date(2026, 11, 30), "month")
    assert "period=last_month" in chosen.query() and "from=" not in chosen.query()
    assert read_filters({}, today=TODAY).current.preset == "last_month"
    # Dates without a preset are a custom range; one before the data starts there.
    wide = read_filters({"from": "1000-01-01", "to": "9999-12-31"}, today=TODAY)
    assert wide.impossible  # outside any year anyone reports on
    clamped = read_filters({"from": "2001-01-01", "to": "2026-12-31"}, today=TODAY,
                           span=(date(2025, 6, 2), date(2026, 12, 2)))
    assert (clamped.filters.start, clamped.filters.end) == (date(2025, 6, 2), TODAY)
    assert clamped.current.unfinished and clamped.errors
    assert "from=2025-06-02" in clamped.query() and "to=2026-12-31" in clamped.query()
    assert read_filters({"from": "2025-02-30"}, today=TODAY).impossible


def test_every_figure_definition_is_the_same_in_the_docs() -> None:
    from bot.analytics.definitions import DEFINITIONS
    from bot.paths import PROJECT_ROOT

    docs = " ".join((PROJECT_ROOT / "docs" / "metrics.md").read_text(encoding="utf-8").split())
    for definition in DEFINITIONS.values():
        assert f"**{definition.label}** (counts {definition.unit}): {definition.text}" in docs
