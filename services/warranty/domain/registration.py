"""Seed 001: whether registering a scooter changes its warranty, until when it does, and how a
unit stands. Read from the rules table itself, so the window and the brands live in one place."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

from services.warranty.domain.engine import ProductPurchase, find_rule
from services.warranty.domain.periods import last_day_of_period

# not_needed: no rule looks at a registration (another brand, a business buyer, bought before
# 2021-03-01); open: the window still runs; missed: it ran out unregistered.
RegistrationState = Literal["not_needed", "open", "missed", "registered_in_time", "registered_late"]


@dataclass(frozen=True)
class RegistrationStanding:
    state: RegistrationState
    deadline: date | None  # the last day a registration still counts
    registered_on: date | None


def registration_deadline(purchase: ProductPurchase) -> date | None:
    """The last day of the registration window of the row a registration would pick, or None
    when registering would not change which row decides."""
    in_time = find_rule(replace(purchase, registered_on=purchase.sold_on))
    if in_time == find_rule(replace(purchase, registered_on=None)):
        return None
    assert in_time.registration_window is not None  # a row that looks at registrations has one
    return last_day_of_period(purchase.sold_on, in_time.registration_window)


def registration_standing(
    purchase: ProductPurchase, registered_on: date | None, today: date
) -> RegistrationStanding:
    deadline = registration_deadline(purchase)
    state: RegistrationState
    if deadline is None:
        state = "not_needed"
    elif registered_on is not None:
        state = "registered_in_time" if registered_on <= deadline else "registered_late"
    else:
        state = "open" if today <= deadline else "missed"
    return RegistrationStanding(state, deadline, registered_on)


def imported_registration_refusal(
    registered_on: date, purchased_on: date, today: date
) -> tuple[str, str] | None:
    """A registration made on the distributor's old form, before the panel: its date must fall
    between the purchase and today. The refusal's (code, reason in Polish), or None."""
    if registered_on < purchased_on:
        return "registered_before_purchase", (
            f"data rejestracji {registered_on} jest wcześniejsza niż zakup ({purchased_on})"
        )
    if registered_on > today:
        return "registered_in_future", f"data rejestracji {registered_on} jest w przyszłości"
    return None
