"""Decisions and what settles them (seed 002): rejection reasons, deductions from a return,
quotes for a paid repair, refunds and replacement units."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from stdnum import ean as gtin
from stdnum import iban as iban_numbers
from stdnum.exceptions import ValidationError

from services.claims.domain.refusals import Refusal
from shared.claims_vocabulary import (
    DEDUCTION_RANGES,
    MISSING_ACCESSORIES_DEDUCTION,
    MISSING_ACCESSORY_FEE_PERCENT,
    PRICE_REDUCTION_KINDS,
    PRICE_REDUCTION_RANGES,
    rejection_reasons,
)
from shared.events import ClaimType, RefundMethod

CENTS = Decimal("0.01")
MIN_JUSTIFICATION = 20  # a rejection's written justification, in characters
MIN_REASON = 10  # why a refund differs from the decision, in characters


@dataclass(frozen=True)
class DeductionLine:
    reason: str
    percent: Decimal | None
    amount: Decimal


def compute_deductions(
    price: Decimal,
    percents: dict[str, int],
    missing_accessories_value: Decimal = Decimal(0),
) -> tuple[list[DeductionLine], Decimal]:
    """Deduction lines and the refund left; each percentage must lie in its seed-002 range."""
    lines: list[DeductionLine] = []
    for kind, percent in percents.items():
        if kind not in DEDUCTION_RANGES:
            raise Refusal("deduction_unknown", "deductions", {"kind": kind})
        low, high, reason = DEDUCTION_RANGES[kind]
        if not low <= percent <= high:
            raise Refusal(
                "deduction_out_of_range",
                "deductions",
                {"name": reason, "kind": kind, "low": low, "high": high},
            )
        amount = (price * percent / 100).quantize(CENTS)
        lines.append(DeductionLine(reason, Decimal(percent), amount))
    if missing_accessories_value > 0:
        fee = missing_accessories_value * (100 + MISSING_ACCESSORY_FEE_PERCENT) / 100
        lines.append(DeductionLine(MISSING_ACCESSORIES_DEDUCTION, None, fee.quantize(CENTS)))
    deducted = sum((line.amount for line in lines), Decimal(0))
    return lines, max(price - deducted, Decimal(0))


def check_rejection_reason(claim_type: ClaimType, reason: str | None, justification: str) -> None:
    if reason not in rejection_reasons(claim_type):
        raise Refusal("rejection_reason_unknown", "rejection_reason")
    if len(justification.strip()) < MIN_JUSTIFICATION:
        raise Refusal("justification_required", "justification", {"min_length": MIN_JUSTIFICATION})


def require_amount(amount: Decimal | None, field: str = "amount") -> Decimal:
    if amount is None or amount <= 0:
        raise Refusal("amount_required", field)
    return amount.quantize(CENTS)


def check_price_reduction(
    kind: str | None, amount: Decimal | None, price: Decimal | None
) -> Decimal:
    """A price reduction of its kind's range of the price paid (seed 002), never above it."""
    money = require_amount(amount)
    if kind not in PRICE_REDUCTION_KINDS:
        names = ", ".join(f"{code} ({name})" for code, name in PRICE_REDUCTION_KINDS.items())
        raise Refusal("price_reduction_kind_required", "reduction_kind", {"kinds": names})
    if price is None or price <= 0:
        raise Refusal("price_unknown", "amount")
    if money > price:
        raise Refusal("price_reduction_above_price", "amount", {"amount": money, "price": price})
    if kind in PRICE_REDUCTION_RANGES:
        low, high, name = PRICE_REDUCTION_RANGES[kind]
        lowest, highest = (price * low / 100).quantize(CENTS), (price * high / 100).quantize(CENTS)
        if not lowest <= money <= highest:
            raise Refusal(
                "price_reduction_out_of_range",
                "amount",
                {
                    "name": name,
                    "kind": kind,
                    "low": low,
                    "high": high,
                    "lowest": lowest,
                    "highest": highest,
                },
            )
    return money


def check_refund_amount(
    paid: Decimal, decided: Decimal | None, difference_reason: str | None
) -> str | None:
    """A refund pays what was decided, or says why not (at least 10 characters)."""
    reason = (difference_reason or "").strip() or None
    if decided is None or paid == decided:
        return None
    if reason is None or len(reason) < MIN_REASON:
        raise Refusal(
            "refund_differs_from_decision",
            "difference_reason",
            {"paid": paid, "decided": decided, "min_length": MIN_REASON},
        )
    return reason


def check_quote_validity(valid_until: date | None, today: date) -> date:
    if valid_until is None or valid_until < today:
        raise Refusal("quote_valid_until_required", "valid_until")
    return valid_until


@dataclass(frozen=True)
class RefundPayment:
    method: RefundMethod
    iban: str | None  # compact, validated; only for bank transfers

    @property
    def account_number_ending(self) -> str | None:
        return self.iban[-4:] if self.iban else None


def refund_payment(method: RefundMethod, iban: str | None) -> RefundPayment:
    """A bank transfer needs a valid IBAN (python-stdnum checks its country format and digits)."""
    if method == "original_payment":
        return RefundPayment(method, None)
    try:
        return RefundPayment(method, iban_numbers.validate(iban or ""))
    except ValidationError:
        raise Refusal("iban_invalid", "iban") from None


def replacement_serial(serial_number: str, old_serial: str | None) -> str:
    serial = "".join(serial_number.split()).upper()
    if len(serial) < 4:
        raise Refusal("replacement_serial_required", "serial_number")
    if old_serial is not None and serial == old_serial.upper():
        raise Refusal("replacement_serial_unchanged", "serial_number")
    return serial


def replacement_ean(ean: str | None, old_ean: str) -> str:
    if not (ean or "").strip():
        return old_ean
    try:
        return str(gtin.validate(ean or ""))
    except ValidationError:
        raise Refusal("ean_invalid", "ean") from None
