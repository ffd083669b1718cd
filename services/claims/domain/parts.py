"""The parts of a claim and the values its commands take: who acts, the decision, the shipment,
the refund, the replacement, the files and parcels.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Literal
from uuid import UUID

from services.claims.domain.decisions import DeductionLine
from services.claims.domain.intake import Intake
from shared.calendar import polish_date
from shared.events import (
    ClaimStatus,
    DecisionKind,
    OfferKind,
)

# "expired": the offer's term passed unanswered (the scheduler's act), which counts as refused.
CustomerResponse = Literal["accepted", "refused", "expired"]
# An offer without a date of its own (deductions, a price reduction) awaits its answer this long.
OFFER_ANSWER_DAYS = 14


@dataclass(frozen=True)
class Act:
    """Who does something, when, and the correlation id of the request that asked for it."""

    role: str  # customer | operator | scanner
    label: str  # what records show: "operator:ola@innpro.example"
    at: datetime
    correlation_id: UUID

    @property
    def day(self) -> date:
        """The day in Poland: what the law's and the policies' days are counted in."""
        return polish_date(self.at)


@dataclass(frozen=True)
class TimelineEntry:
    status: ClaimStatus
    actor: str
    note: str | None
    at: datetime
    entry_id: int | None = None  # None until stored


@dataclass(frozen=True)
class Decision:
    kind: DecisionKind
    justification: str
    decided_by: str
    decided_at: datetime
    amount: Decimal | None = None
    rejection_reason: str | None = None
    deductions: tuple[DeductionLine, ...] = ()
    valid_until: date | None = None
    exchange_product: str | None = None
    customer_response: CustomerResponse | None = None
    # Repairs: what warranty needs for Civil Code art. 581 § 1 (a new period or an extension).
    substantial_repair: bool | None = None
    replaced_part: str | None = None
    reduction_kind: str | None = None  # price reductions: the policy's kind

    @property
    def offer(self) -> OfferKind | None:
        """What the customer must accept or refuse before the claim can go on, if anything."""
        if self.kind == "price_reduction":
            return "price_reduction"
        if self.kind == "paid_repair":
            return "paid_repair_quote"
        if self.kind == "refund" and self.deductions:
            return "return_deductions"
        return None

    @property
    def answer_by(self) -> date | None:
        """The last Polish day the customer may answer the offer: a quote's own date, else
        OFFER_ANSWER_DAYS after the decision."""
        if self.offer is None:
            return None
        return self.valid_until or polish_date(self.decided_at) + timedelta(days=OFFER_ANSWER_DAYS)


@dataclass(frozen=True)
class DecisionInput:
    kind: DecisionKind
    justification: str
    amount: Decimal | None = None
    rejection_reason: str | None = None
    deduction_percents: dict[str, int] = field(default_factory=dict)
    missing_accessories_value: Decimal = Decimal(0)
    valid_until: date | None = None
    exchange_product: str | None = None
    substantial_repair: bool | None = None
    replaced_part: str | None = None
    reduction_kind: str | None = None  # price reductions: cosmetic_defect, defect_kept, ...


@dataclass(frozen=True)
class Shipment:
    carrier: str
    tracking_number: str
    shipped_at: datetime


@dataclass(frozen=True)
class Replacement:
    serial_number: str
    ean: str
    issued_at: datetime


@dataclass(frozen=True)
class Refund:
    amount: Decimal
    method: str
    account_number_ending: str | None
    refunded_at: datetime
    difference_reason: str | None = None  # why it is not the decided amount


@dataclass(frozen=True)
class NewAttachment:
    """A file of the claim: the sales document, an answer's photo, DJI's statement."""

    attachment_id: UUID
    purpose: str  # sales_document | answer | manufacturer_statement
    filename: str
    content_type: str
    # None once stored: the claim never reads a file's bytes (a download reads them from the store).
    content: bytes | None


@dataclass(frozen=True)
class ParcelRecord:
    parcel_id: UUID
    tracking_number: str | None
    scanned_by: str
    received_at: datetime
    attention: str | None = None
    intake: Intake | None = None  # what the warehouse checked, when it did


def with_response(decision: Decision, response: CustomerResponse) -> Decision:
    return replace(decision, customer_response=response)


@dataclass(frozen=True)
class ManufacturerHandoff:
    """One trip of the unit to DJI's official service (DJI terms §2, §9): the manufacturer's
    case number, the days it left and came back, and the status the claim goes on in."""

    case_number: str
    sent_on: date
    sent_by: str
    resumes: ClaimStatus  # in_inspection or in_repair: where the claim left off
    back_on: date | None = None
    back_by: str | None = None
    remark: str | None = None  # what the manufacturer said, as the operator read it
