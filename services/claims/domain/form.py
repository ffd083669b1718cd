"""What the claim form needs (seed 000): the product line, its serial number, its problem, the
attached documents and the RMA number."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from services.claims.domain.eligibility import sealed_goods
from services.claims.domain.refusals import Refusal
from shared.brands import is_dji, needs_serial_number
from shared.events import ClaimedProduct, ClaimType, SaleLine

# Brands whose products cannot be claimed without a serial number (seed 000: "wybrane marki").


def format_rma_number(sequence: int, year: int) -> str:
    return f"RMA/{sequence}/SR/{year}"


@dataclass(frozen=True)
class ClaimedLine:
    line_no: int
    ean: str
    sku: str
    name: str
    brand: str
    category: str
    outlet: bool
    serial_numbers: tuple[str, ...]
    unit_price: Decimal
    activated_on: date | None = None  # an outlet unit's activation, when the ERP knows it

    @classmethod
    def from_sale_line(cls, line: SaleLine) -> ClaimedLine:
        return cls(
            line_no=line.line_no,
            ean=line.ean,
            sku=line.sku,
            name=line.name,
            brand=line.brand,
            category=line.category,
            outlet=line.outlet,
            serial_numbers=line.serial_numbers,
            unit_price=line.unit_price,
            activated_on=line.activated_on,
        )

    @property
    def is_dji(self) -> bool:
        return is_dji(self.brand)

    @property
    def product(self) -> ClaimedProduct:
        """The product as a claim's events tell it."""
        return ClaimedProduct(
            ean=self.ean,
            sku=self.sku,
            name=self.name,
            brand=self.brand,
            category=self.category,
            outlet=self.outlet,
        )


def claimed_serial(serial_number: str | None) -> str | None:
    """The serial number as claims keep it (and look it up by)."""
    return (serial_number or "").strip().upper() or None


def check_serial_number(line: ClaimedLine, serial_number: str | None) -> str | None:
    serial = claimed_serial(serial_number)
    if serial is None and needs_serial_number(line.brand):
        raise Refusal("serial_number_required", "serial_number", {"brand": line.brand})
    if (
        serial is not None
        and line.serial_numbers
        and serial not in {known.upper() for known in line.serial_numbers}
    ):
        raise Refusal("serial_number_unknown", "serial_number")
    return serial


# --- attachments -----------------------------------------------------------------------------

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
_SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


def attachment_type(content: bytes) -> str:
    """The attachment's real type from its first bytes, whatever its name or declared type."""
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise Refusal("attachment_too_large", "attachment", status_code=413)
    for signature, content_type in _SIGNATURES:
        if content.startswith(signature):
            return content_type
    raise Refusal("attachment_type_invalid", "attachment", status_code=415)


# A withdrawal needs no reason (consumer rights act art. 27): a return is filed without a
# problem, whatever the product's problem list; every complaint describes its defect.
MIN_PROBLEM_DESCRIPTION = 10


def check_problem(
    problems: list[str], problem_code: str | None, claim_type: ClaimType
) -> str | None:
    """Some products need a problem chosen from their list (seed 000: "dodatkowe pole"), unless
    the claim is a withdrawal."""
    chosen = (problem_code or "").strip() or None
    if claim_type == "return":
        return chosen if chosen in problems else None
    if problems and chosen not in problems:
        raise Refusal("problem_required", "problem_code")
    return chosen


def check_problem_description(description: str, claim_type: ClaimType) -> str:
    """A complaint describes its defect in at least 10 characters; a withdrawal may say nothing."""
    text = description.strip()
    if claim_type != "return" and len(text) < MIN_PROBLEM_DESCRIPTION:
        raise Refusal(
            "problem_description_required",
            "problem_description",
            {"min_length": MIN_PROBLEM_DESCRIPTION},
        )
    return text


@dataclass(frozen=True)
class UnitDetails:
    """What the customer tells about the unit that its warranty depends on (seed 001): who
    installed a scooter's service part, and when a DJI outlet product was activated."""

    installed_by_authorised_service: bool | None = None
    installing_service_name: str | None = None
    activated_on: date | None = None


def check_unit_details(details: UnitDetails, sold_on: date, today: date) -> UnitDetails:
    """An activation date is neither before the sale nor in the future."""
    activated_on = details.activated_on
    if activated_on is not None and activated_on < sold_on:
        raise Refusal("activation_before_sale", "activated_on", {"sold_on": sold_on})
    if activated_on is not None and activated_on > today:
        raise Refusal("activation_in_future", "activated_on")
    name = (details.installing_service_name or "").strip() or None
    return UnitDetails(details.installed_by_authorised_service, name, activated_on)


def check_seal_declared(category: str, claim_type: ClaimType, seal_intact: bool | None) -> None:
    """A return of sealed goods says whether the seal is intact (an opened one is refused by the
    claim type's rules; the warehouse confirms it at intake)."""
    if claim_type == "return" and seal_intact is None and sealed_goods(category):
        raise Refusal("seal_state_required", "seal_intact")
