"""UK bank holidays by nation, worked out from the rules, so the monthly report email can
skip them.

The ``holidays`` package would do this, but it needs python-dateutil 2.9 or later and Rasa
pins 2.8.2; the rules are short enough to keep here, with ``dateutil.easter`` for Easter.
England and Wales share one list; Scotland and Northern Ireland each have their own.

The regular rules and the list they are checked against are GOV.UK's:
https://www.gov.uk/bank-holidays (the published dates: https://www.gov.uk/bank-holidays.json).
A year can also bring a one-off change (a holiday moved, or an extra one for a royal
occasion); those announced since 2012 are in ``MOVED`` and ``EXTRA``, and a new one has to
be added there when GOV.UK announces it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from dateutil.easter import easter

from bot.guidance.profile import NATIONS

__all__ = ["NATIONS", "BankHoliday", "bank_holidays", "is_bank_holiday"]
SUBSTITUTE = " (substitute day)"


@dataclass(frozen=True, order=True)
class BankHoliday:
    day: date
    name: str


def _first_monday(year: int, month: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=-first.weekday() % 7)


def _last_monday(year: int, month: int) -> date:
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=last.weekday())


def _fixed(year: int, nation: str) -> list[BankHoliday]:
    """The holidays on a date of their own, before any move for a weekend, in date order."""
    # Source for each date and who has it: https://www.gov.uk/bank-holidays
    days = [BankHoliday(date(year, 1, 1), "New Year's Day")]
    if nation == "scotland":
        days.append(BankHoliday(date(year, 1, 2), "2nd January"))
    if nation == "northern_ireland":
        days += [BankHoliday(date(year, 3, 17), "St Patrick's Day"),
                 BankHoliday(date(year, 7, 12), "Battle of the Boyne (Orangemen's Day)")]
    if nation == "scotland":
        days.append(BankHoliday(date(year, 11, 30), "St Andrew's Day"))
    days += [BankHoliday(date(year, 12, 25), "Christmas Day"), BankHoliday(date(year, 12, 26), "Boxing Day")]
    return days


def _movable(year: int, nation: str) -> list[BankHoliday]:
    """The holidays set by Easter or by a Monday of the month."""
    # Source for each rule and who has it: https://www.gov.uk/bank-holidays
    sunday = easter(year)
    days = [BankHoliday(sunday - timedelta(days=2), "Good Friday")]
    if nation != "scotland":
        days.append(BankHoliday(sunday + timedelta(days=1), "Easter Monday"))
    days += [BankHoliday(_first_monday(year, 5), "Early May bank holiday"),
             BankHoliday(_last_monday(year, 5), "Spring bank holiday")]
    summer = _first_monday(year, 8) if nation == "scotland" else _last_monday(year, 8)
    days.append(BankHoliday(summer, "Summer bank holiday"))
    return days


def _weekday_after(day: date, taken: set[date]) -> date:
    day += timedelta(days=1)
    while day.weekday() >= 5 or day in taken:
        day += timedelta(days=1)
    return day


def _with_substitutes(fixed: list[BankHoliday], others: list[BankHoliday]) -> list[BankHoliday]:
    """Each holiday on a weekend moves to the next weekday that is not already a holiday.

    Holidays that fall on a weekday keep their day first, so that with Christmas on a Sunday
    Boxing Day stays Monday 26th and Christmas moves to Tuesday 27th, as GOV.UK lists it;
    with Christmas on a Saturday the two become Monday 27th and Tuesday 28th (the same for
    1 and 2 January in Scotland).
    """
    kept = [holiday for holiday in fixed if holiday.day.weekday() < 5]
    taken = {holiday.day for holiday in [*kept, *others]}
    moved = []
    for holiday in fixed:
        if holiday.day.weekday() >= 5:
            day = _weekday_after(holiday.day, taken)
            taken.add(day)
            moved.append(BankHoliday(day, holiday.name + SUBSTITUTE))
    return [*kept, *moved, *others]


# One-off changes, the same in every nation. Source: https://www.gov.uk/bank-holidays and
# the dates it publishes, https://www.gov.uk/bank-holidays.json
#: A regular holiday moved to another day that year: the regular date, and where it went.
MOVED: dict[date, date] = {
    date(2012, 5, 28): date(2012, 6, 4),  # spring bank holiday, next to the Diamond Jubilee
    date(2020, 5, 4): date(2020, 5, 8),  # early May bank holiday, to VE Day's 75th anniversary
    date(2022, 5, 30): date(2022, 6, 2),  # spring bank holiday, next to the Platinum Jubilee
}
#: Extra holidays for one year only.
EXTRA = (
    BankHoliday(date(2012, 6, 5), "Queen's Diamond Jubilee"),
    BankHoliday(date(2022, 6, 3), "Platinum Jubilee bank holiday"),
    BankHoliday(date(2022, 9, 19), "State funeral of Queen Elizabeth II"),
    BankHoliday(date(2023, 5, 8), "Coronation of King Charles III"),
)


@lru_cache(maxsize=64)
def bank_holidays(year: int, nation: str = "england") -> tuple[BankHoliday, ...]:
    """The nation's bank holidays in ``year``, in date order, substitute days included.

    Years before 2012 may be wrong: one-off changes before then are not recorded.
    """
    if nation not in NATIONS:
        raise ValueError(f"unknown nation {nation!r}: use one of {', '.join(NATIONS)}")
    regular = _with_substitutes(_fixed(year, nation), _movable(year, nation))
    days = [BankHoliday(MOVED.get(holiday.day, holiday.day), holiday.name) for holiday in regular]
    days += [holiday for holiday in EXTRA if holiday.day.year == year]
    return tuple(sorted(days))


def is_bank_holiday(day: date, nation: str = "england") -> bool:
    return any(holiday.day == day for holiday in bank_holidays(day.year, nation))
