"""How each deadline of a claim stands, with the time spent waiting for the customer or for the
manufacturer left out.

The warranty service computes the deadlines (WarrantyAssessed); the claim knows what happened:
when it waited for the customer or for DJI's official service (seed 001 DJI §8: delays caused
by the buyer or by DJI's official service do not count, so the DJI repair deadline moves by the
working days waited), when it was decided, shipped or refunded. A consumer complaint not
answered within 14 days is deemed accepted (consumer rights act art. 7a), never "kept".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from typing import Literal

import holidays

from shared.calendar import polish_date
from shared.events import Deadline

DeadlineState = Literal[
    "running", "waiting_for_receipt", "paused", "paused_at_manufacturer", "kept", "missed",
    "deemed_accepted", "no_longer_applies",
]  # fmt: skip
# Whose side a pause is on: the customer's (asked for information) or the manufacturer's (the
# unit at DJI's official service).
PauseCause = Literal["customer", "manufacturer"]

# Deadlines that stop while the service waits for the customer or for the manufacturer (§8).
PAUSABLE_DEADLINES = frozenset({"dji_repair"})
# Deadlines the decision keeps (the others, shipping back or refunding).
ANSWERED_BY_THE_DECISION = frozenset({"complaint_answer", "business_assessment"})


@dataclass(frozen=True)
class Pause:
    """The claim waited from `started_at` until `ended_at` (None: still), for the customer or
    for the manufacturer (`cause`)."""

    started_at: datetime
    ended_at: datetime | None = None
    cause: PauseCause = "customer"


@cache
def _polish_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("PL", years=year))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _polish_holidays(day.year)


def add_working_days(start: date, count: int) -> date:
    day = start
    while count > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


def paused_working_days(pauses: list[Pause], today: date, cause: PauseCause | None = None) -> int:
    """Working days spent waiting (for `cause` only, when given; a day waited for both counts
    once): the day the question was asked (or the unit sent) is not counted, the day of the
    answer (or of its return) is (the service could not work on it before it came)."""
    waited: set[date] = set()
    for pause in pauses:
        if cause is not None and pause.cause != cause:
            continue
        end = polish_date(pause.ended_at) if pause.ended_at else today
        day = polish_date(pause.started_at)
        while day < end:
            day += timedelta(days=1)
            if is_working_day(day):
                waited.add(day)
    return len(waited)


def working_days_until(today: date, due: date) -> int:
    """Working days from tomorrow to `due`, both counted: 0 when `due` is today or past."""
    days, day = 0, today
    while day < due:
        day += timedelta(days=1)
        if is_working_day(day):
            days += 1
    return days


# The service desk hears of a deadline this many working days before it (issue 24).
AT_RISK_WORKING_DAYS = 3
# A deadline in one of these still has a day to keep.
STILL_COUNTING = frozenset({"running", "waiting_for_receipt", "paused", "paused_at_manufacturer"})


@dataclass(frozen=True)
class DeadlineStanding:
    kind: str
    description: str
    due_on: date | None  # as the warranty service computed it
    moved_to: date | None  # due_on moved by the working days waited for the customer
    paused_working_days: int
    state: DeadlineState
    # Past its day with the work still undone: a repair not finished, a complaint unanswered.
    overdue: bool = False
    # The working days paused on each side (a day paused for both is in each, once in the total).
    customer_paused_working_days: int = 0
    manufacturer_paused_working_days: int = 0

    def working_days_left(self, today: date) -> int | None:
        """While it runs: the working days left to its (moved) day; None otherwise."""
        due = self.moved_to or self.due_on
        if self.state != "running" or due is None or due < today:
            return None
        return working_days_until(today, due)

    def days_left(self, today: date) -> int | None:
        """Calendar days to its (moved) day while it still counts (it runs, waits for the
        parcel or is paused, or is overdue), negative when late; None when it no longer does."""
        due = self.moved_to or self.due_on
        if due is None or not (self.state in STILL_COUNTING or self.overdue):
            return None
        return (due - today).days

    def at_risk(self, today: date) -> bool:
        """Overdue, or running with AT_RISK_WORKING_DAYS working days left or fewer."""
        left = self.working_days_left(today)
        return self.overdue or (left is not None and left <= AT_RISK_WORKING_DAYS)


@dataclass(frozen=True)
class ClaimProgress:
    """What happened to a claim that the deadlines are measured against."""

    cancelled: bool
    waiting_for_customer: bool
    decided_on: date | None
    finished_on: date | None  # shipped back or refunded
    at_manufacturer: bool = False


def claim_progress(
    status: str,
    decided_at: datetime | None,
    shipped_at: datetime | None,
    refunded_at: datetime | None,
) -> ClaimProgress:
    """What the deadlines are measured against: the product shipped back ends the claim's work,
    else the money refunded."""
    finished = shipped_at or refunded_at
    return ClaimProgress(
        cancelled=status == "cancelled",
        waiting_for_customer=status == "awaiting_customer",
        decided_on=polish_date(decided_at) if decided_at else None,
        finished_on=polish_date(finished) if finished else None,
        at_manufacturer=status == "at_manufacturer",
    )


def standing(
    kind: str,
    description: str,
    due_on: date | None,
    progress: ClaimProgress,
    pauses: list[Pause],
    today: date,
) -> DeadlineStanding:
    pausable = kind in PAUSABLE_DEADLINES
    waited = paused_working_days(pauses, today) if pausable else 0
    moved = add_working_days(due_on, waited) if due_on is not None and waited else due_on
    state = _state(kind, moved, progress, today)
    done = progress.decided_on if kind in ANSWERED_BY_THE_DECISION else progress.finished_on
    overdue = state in ("missed", "deemed_accepted") and done is None
    by_customer = paused_working_days(pauses, today, "customer") if pausable else 0
    by_manufacturer = paused_working_days(pauses, today, "manufacturer") if pausable else 0
    return DeadlineStanding(
        kind, description, due_on, moved, waited, state, overdue, by_customer, by_manufacturer
    )


def _state(kind: str, due: date | None, progress: ClaimProgress, today: date) -> DeadlineState:
    if progress.cancelled:
        return "no_longer_applies"
    if due is None:
        return "waiting_for_receipt"
    if kind in ANSWERED_BY_THE_DECISION:
        answered = progress.decided_on
        if answered is not None and answered <= due:
            return "kept"
        late = answered is not None or today > due
        # Only a consumer's complaint is accepted by law when late; a business's is missed.
        if late:
            return "deemed_accepted" if kind == "complaint_answer" else "missed"
        return "running"
    if progress.finished_on is not None:
        return "kept" if progress.finished_on <= due else "missed"
    if kind in PAUSABLE_DEADLINES and progress.waiting_for_customer:
        return "paused"
    if kind in PAUSABLE_DEADLINES and progress.at_manufacturer:
        return "paused_at_manufacturer"
    return "missed" if today > due else "running"


@dataclass(frozen=True)
class ClaimDeadlineFacts:
    """What one claim's deadlines are judged by: the deadlines warranty computed, and what the
    claim did (its status, the waits for the customer, the decision, shipment and refund)."""

    status: str
    deadlines: tuple[Deadline, ...]
    pauses: list[Pause] = field(default_factory=list)
    decided_at: datetime | None = None
    shipped_at: datetime | None = None
    refunded_at: datetime | None = None

    def progress(self) -> ClaimProgress:
        return claim_progress(self.status, self.decided_at, self.shipped_at, self.refunded_at)

    def standings(self, today: date) -> list[DeadlineStanding]:
        progress = self.progress()
        return [
            standing(d.kind, d.description, d.due_on, progress, self.pauses, today)
            for d in self.deadlines
        ]


def settled_on(deadline: DeadlineStanding, progress: ClaimProgress) -> date | None:
    """The day a deadline's standing became final: the day it was kept, or the day after it ran
    out for one missed or deemed accepted; None while it runs or when it no longer applies."""
    if deadline.state == "kept":
        if deadline.kind in ANSWERED_BY_THE_DECISION:
            return progress.decided_on
        return progress.finished_on
    if deadline.state in ("missed", "deemed_accepted") and deadline.moved_to is not None:
        return deadline.moved_to + timedelta(days=1)
    return None
