"""Polish time: the days the law and the shop's policies count in (Europe/Warsaw).

A claim filed at 00:30 on 1 January in Rybnik is filed in the new year, whatever UTC says; so are
its return window, its deadlines and a quote's validity. Instants stay in UTC; days are Polish.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

POLAND = ZoneInfo("Europe/Warsaw")


def polish_date(at: datetime) -> date:
    """The day in Poland at the instant `at` (which must carry its time zone)."""
    return at.astimezone(POLAND).date()


def start_of_polish_day(day: date) -> datetime:
    """The instant a Polish day begins."""
    return datetime.combine(day, time(), POLAND)
