"""Counting periods the way Polish law does.

- Months (Civil Code art. 112; the brief cites it together with art. 111 §2): a period ends on
  the day whose date matches the start day, or on the last day of the month when the month is
  shorter, and that day is still inside the period. 2025-08-31 + 6 months ends on 2026-02-28.
  dateutil's relativedelta clamps to the end of the month in exactly this way.
- Days (art. 111 §2): the day of the event that starts the period is not counted, so 30 days
  from a purchase on 2021-03-01 end on 2021-03-31.
- Working days: Monday to Friday, except Polish public holidays (the `holidays` package, which
  knows, for example, that 24 December is a holiday from 2025 on).

Art. 115 (a deadline falling on a Saturday or a holiday moves to the next working day) is not
applied: the warranty terms count calendar dates, and for deadlines it could only make them later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

import holidays

# python-dateutil ships no type information and its stubs are not in requirements.lock.
from dateutil.relativedelta import relativedelta  # type: ignore[import-untyped, unused-ignore]


@dataclass(frozen=True)
class Period:
    """A period in months or in days (not both: their order of addition would matter)."""

    months: int = 0
    days: int = 0

    def __post_init__(self) -> None:
        if self.months < 0 or self.days < 0:
            raise ValueError("Okres nie może być ujemny.")
        if self.months and self.days:
            raise ValueError("Okres liczymy w miesiącach albo w dniach, nie w obu naraz.")

    @classmethod
    def of_months(cls, months: int) -> Period:
        return cls(months=months)

    @classmethod
    def of_days(cls, days: int) -> Period:
        return cls(days=days)

    @property
    def is_empty(self) -> bool:
        return self.months == 0 and self.days == 0

    def describe_pl(self) -> str:
        """`24 miesiące`, `12 miesięcy`, `30 dni`, `brak`."""
        if self.months:
            return f"{self.months} {_plural_pl(self.months, 'miesiąc', 'miesiące', 'miesięcy')}"
        if self.days:
            return f"{self.days} {'dzień' if self.days == 1 else 'dni'}"
        return "brak"


NO_PERIOD = Period()


def _plural_pl(count: int, one: str, few: str, many: str) -> str:
    if count == 1:
        return one
    if count % 10 in (2, 3, 4) and count % 100 not in (12, 13, 14):
        return few
    return many


def last_day_of_period(start: date, period: Period) -> date:
    """The last day still inside `period` counted from the event that happened on `start`."""
    if period.is_empty:
        raise ValueError("Pusty okres nie ma ostatniego dnia.")
    if period.months:
        end: date = start + relativedelta(months=period.months)
        return end
    # The start day is not counted, so the n-th day after it is the last one.
    return start + timedelta(days=period.days)


@cache
def _polish_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("PL", years=year))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _polish_holidays(day.year)


def add_working_days(start: date, count: int) -> date:
    """The `count`-th working day after `start` (the start day itself is not counted)."""
    if count < 0:
        raise ValueError("Liczba dni roboczych nie może być ujemna.")
    day = start
    remaining = count
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day
