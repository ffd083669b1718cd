"""Today as the services count it: the day in Poland (shared/calendar.py), not the machine's.

Between 23:00 and 24:00 UTC (22:00 in summer) the machine's `date.today()` is still yesterday
in Poland; a test that files a claim "activated tomorrow" then files it for today.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from shared.calendar import polish_date


def polish_today() -> date:
    return polish_date(datetime.now(UTC))
