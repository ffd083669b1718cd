"""Period arithmetic: months (art. 112 KC), days (art. 111 §2 KC), Polish working days.

Every expected date below was counted by hand on a calendar.
"""

from __future__ import annotations

from datetime import date

import pytest

from services.warranty.domain.periods import (
    NO_PERIOD,
    Period,
    add_working_days,
    is_working_day,
    last_day_of_period,
)

D = date


@pytest.mark.parametrize(
    ("start", "months", "last_day"),
    [
        (D(2025, 3, 15), 24, D(2027, 3, 15)),  # the matching date
        (D(2025, 8, 31), 6, D(2026, 2, 28)),  # no 31 February: the last day of February
        (D(2024, 2, 29), 12, D(2025, 2, 28)),  # leap-day start, common year
        (D(2024, 2, 29), 24, D(2026, 2, 28)),
        (D(2024, 2, 29), 48, D(2028, 2, 29)),  # back to a leap year: the 29th exists
        (D(2024, 1, 31), 1, D(2024, 2, 29)),
        (D(2025, 1, 31), 1, D(2025, 2, 28)),
        (D(2025, 3, 31), 1, D(2025, 4, 30)),
        (D(2025, 12, 31), 2, D(2026, 2, 28)),  # across the year end
    ],
)
def test_months_end_on_the_matching_day_or_the_last_day_of_a_shorter_month(
    start: date, months: int, last_day: date
) -> None:
    assert last_day_of_period(start, Period.of_months(months)) == last_day


@pytest.mark.parametrize(
    ("start", "days", "last_day"),
    [
        (D(2021, 3, 1), 30, D(2021, 3, 31)),  # purchase day not counted: day 30 is 31 March
        (D(2025, 12, 20), 14, D(2026, 1, 3)),
        (D(2024, 2, 15), 14, D(2024, 2, 29)),
        (D(2025, 6, 1), 1, D(2025, 6, 2)),
    ],
)
def test_days_do_not_count_the_starting_day(start: date, days: int, last_day: date) -> None:
    assert last_day_of_period(start, Period.of_days(days)) == last_day


def test_a_period_is_months_or_days_never_negative_and_an_empty_one_has_no_last_day() -> None:
    with pytest.raises(ValueError):
        Period(months=-1)
    with pytest.raises(ValueError):
        Period(months=1, days=1)
    with pytest.raises(ValueError):
        last_day_of_period(D(2025, 1, 1), NO_PERIOD)
    assert NO_PERIOD.is_empty and not Period.of_days(1).is_empty


@pytest.mark.parametrize(
    ("period", "text"),
    [
        (Period.of_months(1), "1 miesiąc"),
        (Period.of_months(2), "2 miesiące"),
        (Period.of_months(6), "6 miesięcy"),
        (Period.of_months(12), "12 miesięcy"),
        (Period.of_months(14), "14 miesięcy"),
        (Period.of_months(22), "22 miesiące"),
        (Period.of_months(24), "24 miesiące"),
        (Period.of_days(1), "1 dzień"),
        (Period.of_days(30), "30 dni"),
        (NO_PERIOD, "brak"),
    ],
)
def test_polish_plurals(period: Period, text: str) -> None:
    assert period.describe_pl() == text


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2025, 12, 24), False),  # Christmas Eve: a public holiday from 2025
        (D(2024, 12, 24), True),  # ... but not yet in 2024 (a Tuesday)
        (D(2025, 12, 26), False),
        (D(2026, 1, 6), False),  # Epiphany
        (D(2026, 4, 6), False),  # Easter Monday 2026
        (D(2026, 4, 7), True),
        (D(2026, 6, 4), False),  # Corpus Christi 2026
        (D(2026, 5, 1), False),
        (D(2026, 3, 14), False),  # a Saturday
        (D(2026, 3, 15), False),  # a Sunday
        (D(2026, 3, 16), True),
    ],
)
def test_working_days_exclude_weekends_and_polish_holidays(day: date, working: bool) -> None:
    assert is_working_day(day) is working


def test_60_working_days_across_christmas_and_new_year() -> None:
    # From Mon 2025-12-01: 16 working days to Tue 12-23; 24, 25, 26 Dec off; 29-31 Dec (19);
    # 1 Jan off; 2 and 5 Jan (21); 6 Jan off; 7-9 Jan (24); 7 full weeks to Fri 02-27 (59);
    # the 60th is Mon 2026-03-02.
    assert add_working_days(D(2025, 12, 1), 60) == D(2026, 3, 2)


def test_60_working_days_across_easter_may_and_corpus_christi() -> None:
    # From Mon 2026-03-16: 14 working days to Fri 04-03; Easter Monday 04-06 off; to Thu 04-30
    # (32); 1 May off (3 May is a Sunday); to Fri 05-29 (52); 1-3 June (55); Corpus Christi
    # 06-04 off; Fri 06-05 (56); 8-11 June (60): Thu 2026-06-11.
    assert add_working_days(D(2026, 3, 16), 60) == D(2026, 6, 11)


def test_one_working_day_after_23_december() -> None:
    assert add_working_days(D(2025, 12, 23), 1) == D(2025, 12, 29)  # 24-26 off, then a weekend
    assert add_working_days(D(2024, 12, 23), 1) == D(2024, 12, 24)  # not a holiday in 2024
    assert add_working_days(D(2026, 4, 2), 2) == D(2026, 4, 7)  # Fri 3rd, Mon 6th off, Tue 7th


def test_zero_and_negative_working_days() -> None:
    assert add_working_days(D(2026, 4, 6), 0) == D(2026, 4, 6)
    with pytest.raises(ValueError):
        add_working_days(D(2026, 4, 6), -1)
