"""What the customer pays the service centre (issue 25 §1; DJI terms §12-14, scooter terms §4-5,
the returns policy): each charge's kind and the rule that allows it, its amount and its state.

A charge is due until an operator marks it paid or waives it with a reason; the product does not
ship back while one is due (`ClaimSettlement._why_not_shippable`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Final, get_args
from uuid import UUID

from services.claims.domain.decisions import CENTS
from services.claims.domain.refusals import Refusal
from shared.events import ChargeKind, ChargeState

MIN_CHARGE_REASON = 10  # a charge's and a waiver's written reason, in characters
LARGEST_AMOUNT = Decimal("9999999999.99")  # numeric(12, 2)
# The administrative fee (returns policy): 10 % of the price from the 4th return in 12 months.
ADMINISTRATIVE_FEE_PERCENT: Final = 10
ADMINISTRATIVE_FEE_FROM_RETURN: Final = 4
CHARGE_KINDS: Final[tuple[str, ...]] = get_args(ChargeKind)


@dataclass(frozen=True)
class Charge:
    charge_id: UUID
    kind: ChargeKind
    amount: Decimal
    reason: str
    added_by: str
    added_at: datetime
    state: ChargeState = "due"
    settled_by: str | None = None  # who marked it paid or waived it
    settled_at: datetime | None = None
    waiver_reason: str | None = None


@dataclass(frozen=True)
class ChargeFacts:
    """What the rules of a new charge need beyond the claim, given by the operator or looked up
    by the handler. `transport_damage_reported`: the operator's statement that the parcel came
    damaged in transport with a courier's damage report (the claim's intake evidence can say
    so too: `evidence.transport_damage_reported`).
    `returns_in_year`: the customer's returns filed in the 12 months up to this claim, itself
    included."""

    transport_damage_reported: bool = False
    returns_in_year: int = 0


def check_amount(amount: Decimal | None) -> Decimal:
    if amount is None or amount <= 0:
        raise Refusal("amount_required", "amount")
    if amount != amount.quantize(CENTS):
        raise Refusal("charge_amount_precision", "amount")
    if amount > LARGEST_AMOUNT:
        raise Refusal("charge_amount_too_large", "amount", {"largest": LARGEST_AMOUNT})
    return amount.quantize(CENTS)


def check_reason(reason: str, field: str) -> str:
    text = reason.strip()
    if len(text) < MIN_CHARGE_REASON:
        raise Refusal("charge_reason_required", field, {"min_length": MIN_CHARGE_REASON})
    return text


def check_kind(kind: str) -> ChargeKind:
    if kind not in CHARGE_KINDS:
        raise Refusal("charge_kind_unknown", "kind", {"kinds": ", ".join(CHARGE_KINDS)})
    return kind  # type: ignore[return-value]


def administrative_fee(price: Decimal | None) -> Decimal:
    """10 % of the price paid, to the grosz."""
    if price is None or price <= 0:
        raise Refusal("price_unknown", "amount")
    return (price * ADMINISTRATIVE_FEE_PERCENT / 100).quantize(CENTS)


def administrative_fee_ahead(returns_before: int, price: Decimal | None) -> Decimal | None:
    """The fee a new return would carry, told before it is filed: due when it would be the 4th
    (or later) within 12 months; None when not (or when the price is unknown)."""
    if returns_before + 1 < ADMINISTRATIVE_FEE_FROM_RETURN or price is None or price <= 0:
        return None
    return administrative_fee(price)


def total_due(charges: list[Charge]) -> Decimal:
    return sum((c.amount for c in charges if c.state == "due"), Decimal("0.00"))
