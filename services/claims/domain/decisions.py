"""Decisions and what settles them (seed 002): rejection reasons, deductions from a return,
quotes for a paid repair, refunds and replacement units."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from stdnum import ean as gtin
from stdnum import iban as iban_numbers
from stdnum.exceptions import ValidationError

from shared.claims_vocabulary import (
    DEDUCTION_RANGES,
    MISSING_ACCESSORY_FEE_PERCENT,
    PRICE_REDUCTION_KINDS,
    PRICE_REDUCTION_RANGES,
    rejection_reasons,
)
from shared.errors import BusinessRuleError, Message
from shared.events import ClaimType, RefundMethod

CENTS = Decimal("0.01")


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
            raise BusinessRuleError(
                "deduction_unknown",
                Message(f"Nieznany rodzaj potrącenia: {kind}.", f"Unknown deduction: {kind}."),
                field="deductions",
            )
        low, high, reason = DEDUCTION_RANGES[kind]
        if not low <= percent <= high:
            raise BusinessRuleError(
                "deduction_out_of_range",
                Message(
                    f"Potrącenie „{reason}” musi wynosić od {low} do {high}% wartości produktu.",
                    f"The deduction '{kind}' must be between {low} and {high}% of the price.",
                ),
                field="deductions",
            )
        amount = (price * percent / 100).quantize(CENTS)
        lines.append(DeductionLine(reason, Decimal(percent), amount))
    if missing_accessories_value > 0:
        fee = missing_accessories_value * (100 + MISSING_ACCESSORY_FEE_PERCENT) / 100
        lines.append(
            DeductionLine(
                "Brakujące akcesoria (wartość + 15% opłaty manipulacyjnej)",
                None,
                fee.quantize(CENTS),
            )
        )
    deducted = sum((line.amount for line in lines), Decimal(0))
    return lines, max(price - deducted, Decimal(0))


def check_rejection_reason(claim_type: ClaimType, reason: str | None, justification: str) -> None:
    if reason not in rejection_reasons(claim_type):
        raise BusinessRuleError(
            "rejection_reason_unknown",
            Message(
                "Wybierz jedną z przyczyn odrzucenia z polityki zwrotów i reklamacji.",
                "Choose one of the codified rejection reasons.",
            ),
            field="rejection_reason",
        )
    if len(justification.strip()) < 20:
        raise BusinessRuleError(
            "justification_required",
            Message(
                "Odmowa wymaga pisemnego uzasadnienia (co najmniej 20 znaków).",
                "A rejection needs a written justification (at least 20 characters).",
            ),
            field="justification",
        )


def require_amount(amount: Decimal | None, field: str = "amount") -> Decimal:
    if amount is None or amount <= 0:
        raise BusinessRuleError(
            "amount_required",
            Message("Podaj kwotę większą od zera.", "Enter an amount greater than zero."),
            field=field,
        )
    return amount.quantize(CENTS)


def check_price_reduction(
    kind: str | None, amount: Decimal | None, price: Decimal | None
) -> Decimal:
    """A price reduction of its kind's range of the price paid (seed 002), never above it."""
    money = require_amount(amount)
    if kind not in PRICE_REDUCTION_KINDS:
        names = ", ".join(f"{code} ({name})" for code, name in PRICE_REDUCTION_KINDS.items())
        raise BusinessRuleError(
            "price_reduction_kind_required",
            Message(f"Wybierz rodzaj obniżki: {names}.", f"Choose the reduction's kind: {names}."),
            field="reduction_kind",
        )
    if price is None or price <= 0:
        raise BusinessRuleError(
            "price_unknown",
            Message(
                "Cena zakupu nie jest znana: obniżki nie można policzyć od ceny.",
                "The price paid is not known: the reduction cannot be checked against it.",
            ),
            field="amount",
        )
    if money > price:
        raise BusinessRuleError(
            "price_reduction_above_price",
            Message(
                f"Obniżka ({money} zł) nie może przekroczyć ceny zapłaconej ({price} zł).",
                f"The reduction ({money}) cannot exceed the price paid ({price}).",
            ),
            field="amount",
        )
    if kind in PRICE_REDUCTION_RANGES:
        low, high, name = PRICE_REDUCTION_RANGES[kind]
        lowest, highest = (price * low / 100).quantize(CENTS), (price * high / 100).quantize(CENTS)
        if not lowest <= money <= highest:
            raise BusinessRuleError(
                "price_reduction_out_of_range",
                Message(
                    f"Obniżka „{name}” wynosi od {low} do {high}% ceny: od {lowest} do "
                    f"{highest} zł.",
                    f"A '{kind}' reduction is {low}-{high}% of the price: {lowest} to {highest}.",
                ),
                field="amount",
            )
    return money


def check_refund_amount(
    paid: Decimal, decided: Decimal | None, difference_reason: str | None
) -> str | None:
    """A refund pays what was decided, or says why not (at least 10 characters)."""
    reason = (difference_reason or "").strip() or None
    if decided is None or paid == decided:
        return None
    if reason is None or len(reason) < 10:
        raise BusinessRuleError(
            "refund_differs_from_decision",
            Message(
                f"Kwota zwrotu ({paid} zł) różni się od decyzji ({decided} zł): podaj przyczynę "
                "różnicy (co najmniej 10 znaków).",
                f"The refund ({paid}) differs from the decision ({decided}): give the reason.",
            ),
            field="difference_reason",
        )
    return reason


def check_quote_validity(valid_until: date | None, today: date) -> date:
    if valid_until is None or valid_until < today:
        raise BusinessRuleError(
            "quote_valid_until_required",
            Message(
                "Podaj, do kiedy oferta naprawy jest ważna (dziś lub później).",
                "Say until when the repair quote stands (today or later).",
            ),
            field="valid_until",
        )
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
        raise BusinessRuleError(
            "iban_invalid",
            Message(
                "Numer rachunku (IBAN) jest nieprawidłowy. Podaj go z kodem kraju, np. "
                "PL61 1090 1014 0000 0712 1981 2874.",
                "The IBAN is not valid. Enter it with its country code.",
            ),
            field="iban",
        ) from None


def replacement_serial(serial_number: str, old_serial: str | None) -> str:
    serial = "".join(serial_number.split()).upper()
    if len(serial) < 4:
        raise BusinessRuleError(
            "replacement_serial_required",
            Message(
                "Podaj numer seryjny egzemplarza wydanego w zamian.",
                "Enter the serial number of the replacement unit.",
            ),
            field="serial_number",
        )
    if old_serial is not None and serial == old_serial.upper():
        raise BusinessRuleError(
            "replacement_serial_unchanged",
            Message(
                "Egzemplarz zastępczy musi mieć inny numer seryjny niż reklamowany.",
                "The replacement unit must have another serial number than the claimed one.",
            ),
            field="serial_number",
        )
    return serial


def replacement_ean(ean: str | None, old_ean: str) -> str:
    if not (ean or "").strip():
        return old_ean
    try:
        return str(gtin.validate(ean or ""))
    except ValidationError:
        raise BusinessRuleError(
            "ean_invalid",
            Message(
                "Kod EAN jest nieprawidłowy (13 cyfr z cyfrą kontrolną).",
                "The EAN is not valid (13 digits with a check digit).",
            ),
            field="ean",
        ) from None
