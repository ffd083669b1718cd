"""What the claims API answers: the public models and how a Claim becomes one."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field

from services.claims.domain.charges import total_due
from services.claims.domain.claim import Claim, OperatorAction
from services.claims.domain.deadlines import DeadlineStanding
from services.claims.domain.intake import Intake
from services.claims.domain.lifecycle import CustomerAction
from services.claims.entrypoints.evidence_views import IntakeEvidencePublic, evidence_public
from services.claims.handlers import LabelLookup
from services.claims.unit_of_work import ClaimListing
from shared.claims_vocabulary import (
    CHARGE_KIND_NAMES_PL,
    CHARGE_STATE_NAMES_PL,
    DEADLINE_STATE_NAMES_PL,
    STATUS_NAMES_PL,
)
from shared.events import ClaimStatus, PostalAddress
from shared.service_centre import SERVICE_CENTRE


class TimelineEntry(BaseModel):
    status: str
    actor: str
    note: str | None
    at: datetime


class ClaimSummary(BaseModel):
    claim_id: UUID
    rma_number: str
    status: str
    status_name: str
    claim_type: str
    product: dict[str, Any]
    serial_number: str | None
    customer_reference: str | None
    created_at: datetime


class DeadlineStandingPublic(BaseModel):
    kind: str
    description: str
    due_on: date | None = Field(description="As the warranty service computed it")
    moved_to: date | None = Field(
        description="Moved by the working days waited for the customer or the manufacturer"
    )
    paused_working_days: int = Field(description="Both kinds of pause (a day of both once)")
    customer_paused_working_days: int = Field(default=0, description="Waiting for the customer")
    manufacturer_paused_working_days: int = Field(
        default=0, description="The unit at DJI's official service"
    )
    state: str = Field(
        description="running | waiting_for_receipt | paused | paused_at_manufacturer | kept | "
        "missed | deemed_accepted | no_longer_applies"
    )
    state_name: str
    overdue: bool = Field(
        description="Past its day with the work still undone (a repair not finished, a "
        "complaint unanswered)"
    )
    days_left: int | None = Field(
        default=None,
        description="Calendar days to its day while it still counts (negative: late); "
        "None when it no longer does",
    )
    at_risk: bool = Field(
        default=False, description="Overdue, or 3 working days from its day or fewer"
    )


class OperatorClaimSummary(ClaimSummary):
    """A claim in the operator's list: with its deadlines, so the dashboard needs no more calls."""

    deadlines: list[dict[str, Any]]
    deadline_standings: list[DeadlineStandingPublic]
    serial_mismatch: bool = Field(
        description="The warehouse found a device whose serial number is not the claim's"
    )


def summary_fields(
    claim: ClaimListing, model: type[ClaimSummary], without: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """The model's fields taken from the listed claim, but for `without` (given apart)."""
    values: dict[str, Any] = {
        **vars(claim),
        "product": claim.product.model_dump(mode="json"),
        "deadlines": [deadline.model_dump(mode="json") for deadline in claim.deadlines],
        "status_name": STATUS_NAMES_PL[claim.status],
    }
    return {key: values[key] for key in model.model_fields if key not in without}


class ShipmentPublic(BaseModel):
    carrier: str
    tracking_number: str
    shipped_at: datetime


class ReplacementPublic(BaseModel):
    serial_number: str
    ean: str
    issued_at: datetime


class RefundPublic(BaseModel):
    amount: Decimal
    method: str
    account_number_ending: str | None
    refunded_at: datetime


class TransferDetails(BaseModel):
    recipient: str
    account_number: str
    title: str


class ChargePublic(BaseModel):
    charge_id: UUID
    kind: str
    kind_name: str = Field(description="In Polish")
    amount: Decimal = Field(description="Złote, two decimal places")
    reason: str
    state: str = Field(description="due | paid | waived")
    state_name: str
    added_at: datetime
    settled_at: datetime | None = Field(description="When it was paid or waived")
    waiver_reason: str | None


class ChargesPublic(BaseModel):
    """What the customer owes the service centre, and where to pay it."""

    items: list[ChargePublic] = Field(default_factory=list)
    total_due: Decimal = Decimal("0.00")
    transfer: TransferDetails | None = Field(
        default=None, description="The service centre's bank account, while something is due"
    )


def charges_public(claim: Claim) -> ChargesPublic:
    due = total_due(claim.charges)
    centre = SERVICE_CENTRE
    return ChargesPublic(
        items=[
            ChargePublic(
                charge_id=c.charge_id,
                kind=c.kind,
                kind_name=CHARGE_KIND_NAMES_PL[c.kind],
                amount=c.amount,
                reason=c.reason,
                state=c.state,
                state_name=CHARGE_STATE_NAMES_PL[c.state],
                added_at=c.added_at,
                settled_at=c.settled_at,
                waiver_reason=c.waiver_reason,
            )
            for c in claim.charges
        ],
        total_due=due,
        transfer=TransferDetails(
            recipient=centre.one_line, account_number=centre.bank_account, title=claim.rma_number
        )
        if due > 0
        else None,
    )


class ManufacturerHandoffPublic(BaseModel):
    """One trip of the unit to DJI's official service."""

    trip: int = Field(description="1 for the claim's first trip")
    case_number: str = Field(description="The manufacturer's service case number")
    sent_on: date
    back_on: date | None = Field(description="None while the unit is at the manufacturer")
    remark: str | None = Field(description="What the manufacturer said, as the operator read it")
    sent_by: str
    back_by: str | None


def handoffs_public(claim: Claim) -> list[ManufacturerHandoffPublic]:
    return [
        ManufacturerHandoffPublic(
            trip=number,
            case_number=h.case_number,
            sent_on=h.sent_on,
            back_on=h.back_on,
            remark=h.remark,
            sent_by=h.sent_by,
            back_by=h.back_by,
        )
        for number, h in enumerate(claim.manufacturer_handoffs, start=1)
    ]


class DecisionPublic(BaseModel):
    decision: str
    justification: str
    amount: Decimal | None
    rejection_reason: str | None
    deductions: list[dict[str, Any]]
    valid_until: date | None
    exchange_product: str | None
    offer: str | None = Field(description="What the customer must accept or refuse, if anything")
    customer_response: str | None
    decided_by: str
    decided_at: datetime


class ClaimPublic(ClaimSummary):
    document_type: str
    document_number: str
    problem_description: str
    problem_code: str | None
    tracking_number: str | None = Field(description="The customer's inbound parcel")
    package_contents: str
    assessment: dict[str, Any] | None
    deadlines: list[dict[str, Any]]
    deadline_standings: list[DeadlineStandingPublic]
    decision: DecisionPublic | None
    return_address: PostalAddress | None
    outbound: ShipmentPublic | None
    replacement: ReplacementPublic | None
    refund: RefundPublic | None
    charges: ChargesPublic = Field(default_factory=ChargesPublic)
    intake_evidence: IntakeEvidencePublic | None = Field(
        default=None, description="What intake found: photos, packaging, seal, damage, dirt"
    )
    manufacturer_handoffs: list[ManufacturerHandoffPublic] = Field(
        default_factory=list, description="The unit's trips to DJI's official service"
    )
    manufacturer_statement_id: UUID | None = Field(
        default=None,
        description="The attachment holding the manufacturer's written statement (a DJI "
        "replacement needs it)",
    )
    next_statuses: list[ClaimStatus] = Field(description="Where the viewer may move the claim")
    offer_awaiting_answer: str | None = Field(
        default=None,
        description="The offer the customer must accept or refuse now: price_reduction | "
        "paid_repair_quote | return_deductions (the claims service decides; pages show it)",
    )
    customer_actions: list[CustomerAction] = Field(
        default_factory=list,
        description="What the customer may do now: send_parcel (the service waits for it), "
        "cancel, answer (the service's question), answer_offer",
    )
    timeline: list[TimelineEntry]


class CustomerPublic(BaseModel):
    full_name: str | None
    email: str
    phone: str | None
    address: PostalAddress | None


class DocumentPublic(BaseModel):
    document_type: str
    document_number: str
    issued_on: date | None
    buyer_type: str | None = Field(description="From the purchase document, not self-declared")
    buyer_name: str | None
    total: Decimal | None
    unit_price: Decimal | None = Field(description="The claimed product's price on the document")


class AttachmentPublic(BaseModel):
    attachment_id: UUID
    purpose: str
    filename: str
    content_type: str
    size_bytes: int
    created_at: datetime
    download_path: str


class IntakePublic(BaseModel):
    """The warehouse's check of the claim's latest parcel."""

    parcel_id: UUID
    checked_by: str
    checked_at: datetime
    contents_checked: bool
    missing_items: list[str]
    serial_number_read: str | None
    serial_number_expected: str | None
    serial_mismatch: bool
    seal_intact: bool | None = Field(
        default=None, description="Sealed goods: the seal as found (None: not checked)"
    )


def intake_public(intake: Intake | None) -> IntakePublic | None:
    if intake is None:
        return None
    return IntakePublic(
        parcel_id=intake.parcel_id,
        checked_by=intake.checked_by,
        checked_at=intake.checked_at,
        contents_checked=intake.contents_checked,
        missing_items=list(intake.missing_items),
        serial_number_read=intake.serial_read,
        serial_number_expected=intake.serial_expected,
        serial_mismatch=intake.serial_mismatch,
        seal_intact=intake.seal_intact,
    )


class OperatorClaimPublic(ClaimPublic):
    customer: CustomerPublic
    document: DocumentPublic
    attachments: list[AttachmentPublic]
    serial_mismatch: bool = Field(
        description="The warehouse found a device whose serial number is not the claim's"
    )
    intake: IntakePublic | None = Field(description="The warehouse's check of the latest parcel")
    operator_actions: list[OperatorAction] = Field(
        description="The commands besides status moves that the claim's state allows now: "
        "decide, decide_with_deductions (a return's refund carries the deductions), "
        "record_replacement, ship_back, record_refund, announce_repair_delay, "
        "attach_manufacturer_statement, send_to_manufacturer (a DJI unit to DJI's official "
        "service), receive_from_manufacturer (its return), record_intake_evidence"
    )
    may_add_charge: bool = Field(
        default=False, description="A charge may be added now (the service holds the product)"
    )
    may_mark_warranty_void: bool = Field(
        default=False, description="The unit's warranty may be marked void (it has a serial)"
    )
    rejection_reasons: list[str] = Field(
        default_factory=list,
        description="The rejection reasons a decision may give now: the claim type's, less "
        "those the evidence at intake does not support (damage needs recorded damage)",
    )


class ScannerClaimPublic(BaseModel):
    """A claim as the warehouse sees it: what it is, what should be in the parcel, and no
    personal data (no name, email or address)."""

    rma_number: str
    status: ClaimStatus
    status_name: str
    claim_type: str
    product: dict[str, Any]
    serial_number: str | None = Field(description="The unit that should be in the parcel")
    declared_items: list[str] = Field(description="The package contents as a checklist")
    tracking_number: str | None = Field(description="The customer's inbound parcel")
    received_at: datetime | None
    asks_seal: bool = Field(
        default=False, description="A return of sealed goods: report the seal as found"
    )
    claim_id: UUID | None = Field(default=None, description="Where its intake evidence goes")
    takes_evidence: bool = Field(
        default=False,
        description="The product is at the service before the decision: the "
        "intake evidence (photos, packaging, damage) can be recorded now",
    )


class LabelLookupPublic(BaseModel):
    code: str
    rma_number: str | None = Field(description="The label read as an RMA number")
    tracking_number: str | None = Field(description="The label read as a tracking number")
    outlook: str = Field(
        description="What a receipt would do now: receive | returned (refused by the customer) "
        "| already_received | from_manufacturer (the unit back from DJI's service: recorded and "
        "queued for an operator) | ended (recorded and queued for an operator) | already_queued | "
        "parcel_known (this tracking number was received) | unknown (unidentified queue)"
    )
    claim: ScannerClaimPublic | None
    parcel_received_at: datetime | None = Field(description="When a known parcel was received")


def label_lookup_public(lookup: LabelLookup) -> LabelLookupPublic:
    claim = lookup.claim
    label = lookup.label
    return LabelLookupPublic(
        code=label.rma_number or label.tracking_number or "",
        rma_number=label.rma_number,
        tracking_number=label.tracking_number,
        outlook=lookup.outlook,
        claim=None
        if claim is None
        else ScannerClaimPublic(
            rma_number=claim.rma_number,
            status=claim.status,
            status_name=STATUS_NAMES_PL[claim.status],
            claim_type=claim.claim_type,
            product=claim.product.model_dump(mode="json"),
            serial_number=claim.expected_serial,
            declared_items=list(claim.declared_items),
            tracking_number=claim.tracking_number,
            received_at=claim.received_at,
            asks_seal=claim.asks_seal,
            claim_id=claim.claim_id,
            takes_evidence=claim.takes_evidence,
        ),
        parcel_received_at=lookup.parcel_received_at,
    )


def standing_public(standing: DeadlineStanding, today: date) -> DeadlineStandingPublic:
    return DeadlineStandingPublic(
        days_left=standing.days_left(today),
        at_risk=standing.at_risk(today),
        kind=standing.kind,
        description=standing.description,
        due_on=standing.due_on,
        moved_to=standing.moved_to,
        paused_working_days=standing.paused_working_days,
        customer_paused_working_days=standing.customer_paused_working_days,
        manufacturer_paused_working_days=standing.manufacturer_paused_working_days,
        state=standing.state,
        state_name=DEADLINE_STATE_NAMES_PL[standing.state],
        overdue=standing.overdue,
    )


def claim_public(
    claim: Claim, assessment: dict[str, Any] | None, role: str, today: date
) -> dict[str, Any]:
    decision = claim.decision
    return {
        "claim_id": claim.claim_id,
        "rma_number": claim.rma_number,
        "status": claim.status,
        "status_name": STATUS_NAMES_PL[claim.status],
        "claim_type": claim.claim_type,
        "product": claim.product.model_dump(mode="json"),
        "serial_number": claim.serial_number,
        "customer_reference": claim.customer_reference,
        "created_at": claim.created_at,
        "document_type": claim.document_type,
        "document_number": claim.document_number,
        "problem_description": claim.problem_description,
        "problem_code": claim.problem_code,
        "tracking_number": claim.tracking_number,
        "package_contents": claim.package_contents,
        "assessment": assessment,
        "deadlines": [d.model_dump(mode="json") for d in claim.deadlines],
        "deadline_standings": [standing_public(s, today) for s in claim.deadline_standings(today)],
        "decision": None
        if decision is None
        else DecisionPublic(
            decision=decision.kind,
            justification=decision.justification,
            amount=decision.amount,
            rejection_reason=decision.rejection_reason,
            deductions=[
                {"reason": d.reason, "percent": d.percent, "amount": d.amount}
                for d in decision.deductions
            ],
            valid_until=decision.valid_until,
            exchange_product=decision.exchange_product,
            offer=decision.offer,
            customer_response=decision.customer_response,
            decided_by=decision.decided_by,
            decided_at=decision.decided_at,
        ),
        "return_address": claim.return_address,
        "outbound": ShipmentPublic(**vars(claim.outbound)) if claim.outbound else None,
        "replacement": ReplacementPublic(**vars(claim.replacement)) if claim.replacement else None,
        "refund": RefundPublic(**vars(claim.refund)) if claim.refund else None,
        "charges": charges_public(claim),
        "manufacturer_handoffs": handoffs_public(claim),
        "manufacturer_statement_id": claim.manufacturer_statement,
        "intake_evidence": evidence_public(claim, role),
        "next_statuses": claim.next_statuses(role),
        "offer_awaiting_answer": claim.offer_awaiting_answer,
        "customer_actions": claim.customer_actions(),
        "timeline": [
            TimelineEntry(status=e.status, actor=e.actor, note=e.note, at=e.at)
            for e in claim.timeline
        ],
    }
