"""The share of deadlines kept, per deadline kind and week, as the claims domain judges each one.

Whether a deadline was kept, missed or deemed accepted is decided by `deadlines.standing` (the
one owner of that rule); this module only counts the verdicts, each in the week (Monday to
Sunday) of the day it became final.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from services.claims.domain.deadlines import ClaimDeadlineFacts, settled_on

# The verdicts counted; a deadline still running, paused or cancelled with its claim is not.
SETTLED_STATES = ("kept", "missed", "deemed_accepted")


@dataclass(frozen=True)
class DeadlinesOfWeek:
    week: date  # its Monday
    kind: str
    kept: int
    missed: int
    deemed_accepted: int

    @property
    def settled(self) -> int:
        return self.kept + self.missed + self.deemed_accepted

    @property
    def share_kept(self) -> float:
        return self.kept / self.settled if self.settled else 0.0


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def deadlines_kept_per_week(
    claims: Iterable[ClaimDeadlineFacts], since: date, today: date
) -> list[DeadlinesOfWeek]:
    """Deadlines settled from `since` to `today`, counted per week and kind, oldest week first."""
    counted: Counter[tuple[date, str, str]] = Counter()
    for claim in claims:
        progress = claim.progress()
        for verdict in claim.standings(today):
            day = settled_on(verdict, progress)
            if day is not None and since <= day <= today:
                counted[(week_of(day), verdict.kind, verdict.state)] += 1
    weeks = sorted({(week, kind) for week, kind, _state in counted})
    return [
        DeadlinesOfWeek(week, kind, *(counted[(week, kind, state)] for state in SETTLED_STATES))
        for week, kind in weeks
    ]
