"""Counting periods the way Polish law does.

- Months (Civil Code art. 111 §2, art. 112): a period ends on the day whose date matches the
  start day, or on the last day of the month when the month is shorter; that day is covered.
  2025-08-31 + 6 months ends 2026-02-28. dateutil's relativedelta clamps exactly like that.
- Days (art. 111 §2): the starting day is not counted, so 30 days from 2021-03-01 end on
  2021-03-31.
- Working days: Monday to Friday, Polish public holidays excluded (the `holidays` package).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import holidays
from dateutil.relativedelta import relativedelta


@dataclass(frozen=True)
class Period:
    months: int = 0
    days: int = 0

    def __post_init__(self) -> None:
        if self.months < 0 or self.days < 0:
            raise ValueError("a period cannot be negative")

    @property
    def is_empty(self) -> bool:
        return self.months == 0 and self.days == 0

    def describe_pl(self) -> str:
        if self.months:
            return f"{self.months} {_months_pl(self.months)}"
        return f"{self.days} {'dzień' if self.days == 1 else 'dni'}"


def _months_pl(count: int) -> str:
    if count == 1:
        return "miesiąc"
    if count % 10 in (2, 3, 4) and count % 100 not in (12, 13, 14):
        return "miesiące"
    return "miesięcy"


def last_day_of_period(start: date, period: Period) -> date:
    """The last day still inside `period` counted from the event on `start`."""
    return start + relativedelta(months=period.months) + timedelta(days=period.days)


@lru_cache(maxsize=64)
def _polish_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("PL", years=year))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _polish_holidays(day.year)


def add_working_days(start: date, count: int) -> date:
    """The `count`-th working day after `start` (the start day itself is not counted)."""
    day = start
    remaining = count
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day
