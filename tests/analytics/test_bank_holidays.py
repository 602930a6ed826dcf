"""UK bank holidays against the dates GOV.UK publishes (https://www.gov.uk/bank-holidays),
and the monthly report email's first working day, which skips them."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from bot import settings
from bot.analytics import bank_holidays, monthly_email
from bot.cli import app


def _dates(year: int, *days: tuple[int, int]) -> list[date]:
    return [date(year, month, day) for month, day in days]


ENGLAND_AND_WALES = {
    2025: _dates(2025, (1, 1), (4, 18), (4, 21), (5, 5), (5, 26), (8, 25), (12, 25), (12, 26)),
    # Boxing Day is a Saturday: its substitute is Monday 28 December.
    2026: _dates(2026, (1, 1), (4, 3), (4, 6), (5, 4), (5, 25), (8, 31), (12, 25), (12, 28)),
    # Christmas is a Saturday: Monday 27 and Tuesday 28 December.
    2027: _dates(2027, (1, 1), (3, 26), (3, 29), (5, 3), (5, 31), (8, 30), (12, 27), (12, 28)),
}
#: Published for 2026: 2 January, no Easter Monday, the first Monday of August, St Andrew's Day.
SCOTLAND_2026 = _dates(2026, (1, 1), (1, 2), (4, 3), (5, 4), (5, 25), (8, 3), (11, 30), (12, 25), (12, 28))
#: St Patrick's Day, and the Battle of the Boyne (Sunday 12 July) moved to Monday 13 July.
NORTHERN_IRELAND_2026 = _dates(2026, (1, 1), (3, 17), (4, 3), (4, 6), (5, 4), (5, 25), (7, 13), (8, 31),
                               (12, 25), (12, 28))


def days(year: int, nation: str) -> list[date]:
    return [holiday.day for holiday in bank_holidays.bank_holidays(year, nation)]


@pytest.mark.parametrize("nation", ["england", "wales"])
@pytest.mark.parametrize("year", sorted(ENGLAND_AND_WALES))
def test_england_and_wales_have_the_published_dates(year: int, nation: str) -> None:
    assert days(year, nation) == ENGLAND_AND_WALES[year]


@pytest.mark.parametrize(("nation", "expected"), [
    ("scotland", SCOTLAND_2026), ("northern_ireland", NORTHERN_IRELAND_2026)])
def test_scotland_and_northern_ireland_have_the_published_dates_for_2026(
        nation: str, expected: list[date]) -> None:
    assert days(2026, nation) == expected


@pytest.mark.parametrize(("year", "nation", "expected"), [
    # 1 January is a Saturday: New Year's Day on Monday 3, 2nd January on Tuesday 4.
    (2022, "scotland", [date(2022, 1, 3), date(2022, 1, 4)]),
    # 1 January is a Sunday: 2 January stays on Monday 2, New Year's Day moves to Tuesday 3.
    (2023, "scotland", [date(2023, 1, 2), date(2023, 1, 3)]),
    # 1 January is a Friday: 2nd January (a Saturday) moves to Monday 4.
    (2027, "scotland", [date(2027, 1, 1), date(2027, 1, 4)]),
    (2022, "england", [date(2022, 1, 3)]),
])
def test_new_year_moves_off_the_weekend(year: int, nation: str, expected: list[date]) -> None:
    assert [day for day in days(year, nation) if day.month == 1] == expected


def test_christmas_on_a_sunday_leaves_boxing_day_on_monday_and_moves_christmas_to_tuesday() -> None:
    found = bank_holidays.bank_holidays(2022, "england")
    december = [holiday for holiday in found if holiday.day.month == 12]
    assert [(holiday.day, holiday.name) for holiday in december] == [
        (date(2022, 12, 26), "Boxing Day"), (date(2022, 12, 27), "Christmas Day (substitute day)")]


@pytest.mark.parametrize("nation", bank_holidays.NATIONS)
def test_the_one_off_changes_of_2022_and_2023_apply_in_every_nation(nation: str) -> None:
    found = set(days(2022, nation)) | set(days(2023, nation))
    # 2022: spring bank holiday moved from Monday 30 May to Thursday 2 June, the Platinum
    # Jubilee on Friday 3 June and the Queen's state funeral on Monday 19 September.
    assert {date(2022, 6, 2), date(2022, 6, 3), date(2022, 9, 19)} <= found
    assert date(2022, 5, 30) not in found
    # 2023: the coronation on Monday 8 May, besides the early May bank holiday on 1 May.
    assert {date(2023, 5, 1), date(2023, 5, 8), date(2023, 5, 29)} <= found


def test_the_earlier_one_off_changes() -> None:
    # 2020: the early May bank holiday moved from Monday 4 May to Friday 8 May (VE Day).
    assert [day for day in days(2020, "england") if day.month == 5] == [date(2020, 5, 8), date(2020, 5, 25)]
    # 2012: spring bank holiday moved from Monday 28 May to Monday 4 June, and the Diamond
    # Jubilee on Tuesday 5 June.
    assert [day for day in days(2012, "scotland") if day.month in (5, 6)] == [
        date(2012, 5, 7), date(2012, 6, 4), date(2012, 6, 5)]


@pytest.mark.parametrize(("year", "month", "nation", "first"), [
    (2027, 1, "england", date(2027, 1, 4)),  # Friday 1 January is New Year's Day
    (2027, 1, "wales", date(2027, 1, 4)),
    (2027, 1, "northern_ireland", date(2027, 1, 4)),
    (2027, 1, "scotland", date(2027, 1, 5)),  # and Monday 4 January stands in for 2 January
    (2028, 5, "england", date(2028, 5, 2)),  # Monday 1 May 2028 is the early May bank holiday
    (2028, 5, "scotland", date(2028, 5, 2)),
    (2024, 4, "england", date(2024, 4, 2)),  # Monday 1 April 2024 is Easter Monday ...
    (2024, 4, "scotland", date(2024, 4, 1)),  # ... but not in Scotland
    (2026, 8, "scotland", date(2026, 8, 4)),  # Monday 3 August is Scotland's summer holiday
    (2026, 8, "england", date(2026, 8, 3)),
    # St Andrew's Day on a Sunday (2025, 2031): its substitute is Monday 1 December.
    (2025, 12, "scotland", date(2025, 12, 2)),
    (2031, 12, "scotland", date(2031, 12, 2)),
    (2025, 12, "england", date(2025, 12, 1)),
    # On a Saturday (2024): Monday 2 December, after Sunday 1 December.
    (2024, 12, "scotland", date(2024, 12, 3)),
    (2023, 5, "england", date(2023, 5, 2)),
])
def test_the_first_working_day_skips_the_nations_bank_holidays(
        year: int, month: int, nation: str, first: date) -> None:
    assert monthly_email.first_working_day(year, month, nation) == first


def test_an_unknown_nation_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown nation 'uk'"):
        bank_holidays.bank_holidays(2026, "uk")


def test_the_setting_defaults_to_england_and_takes_the_nations_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REPORT_BANK_HOLIDAYS", raising=False)
    assert settings.report_bank_holidays() == "england"
    assert settings.REPORT_BANK_HOLIDAYS_NATIONS == bank_holidays.NATIONS
    for nation in bank_holidays.NATIONS:
        monkeypatch.setenv("REPORT_BANK_HOLIDAYS", f" {nation} ")
        assert settings.report_bank_holidays() == nation


@pytest.mark.parametrize("value", ["uk", "England", "northern ireland", "ni"])
def test_an_unknown_setting_is_refused_naming_the_allowed_values(
        value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPORT_BANK_HOLIDAYS", value)
    with pytest.raises(ValueError) as error:
        settings.report_bank_holidays()
    assert str(error.value) == ("REPORT_BANK_HOLIDAYS must be one of england, scotland, wales, "
                                f"northern_ireland, got {value!r}")


def test_the_email_waits_for_the_configured_nations_working_day(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTP_URL", "smtp://127.0.0.1:9")
    monkeypatch.setenv("REPORT_EMAIL_TO", "programme@example.org")
    monkeypatch.setenv("REPORT_BANK_HOLIDAYS", "scotland")
    config = monthly_email.configured()
    assert config is not None and config.nation == "scotland"
    engine = sa.create_engine("sqlite://")  # not reached: nothing is due
    try:
        outcome = monthly_email.send_due(engine, config, clock=lambda: datetime(2027, 1, 4, 7))
    finally:
        engine.dispose()
    assert not outcome.sent and "due on Tuesday 05 January 2027" in outcome.reason


def test_the_command_refuses_an_unknown_nation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTP_URL", "smtp://127.0.0.1:9")
    monkeypatch.setenv("REPORT_EMAIL_TO", "programme@example.org")
    monkeypatch.setenv("REPORT_BANK_HOLIDAYS", "uk")
    result = CliRunner().invoke(app, ["monthly-report", "--month", "2026-01", "--email",
                                      "--database-url", "sqlite://"])
    assert result.exit_code == 2
    assert "REPORT_BANK_HOLIDAYS must be one of england, scotland, wales, northern_ireland" in result.output
