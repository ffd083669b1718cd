"""HTTP entry points of claims for operators: lists, the claim view and every command after
receipt (inspection, questions, decision, replacement, shipping back, refund, delays)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, File, Query, Response, UploadFile
from pydantic import BaseModel, Field

from services.claims import handlers
from services.claims.domain import decisions
from services.claims.domain.claim import Claim
from services.claims.domain.parts import Act, DecisionInput
from services.claims.domain.refusals import Refusal
from services.claims.entrypoints.http import (
    DOWNLOAD_RESPONSES,
    STATE_REFUSAL,
    Context,
    Operator,
    actor_of,
    download,
    read_upload,
)
from services.claims.entrypoints.views import (
    AttachmentPublic,
    ChargePublic,
    CustomerPublic,
    DocumentPublic,
    OperatorClaimPublic,
    OperatorClaimSummary,
    charges_public,
    claim_public,
    intake_public,
    standing_public,
    summary_fields,
)
from services.claims.handlers import ClaimCommand
from shared.claims_vocabulary import CLAIM_STATUSES, STATUS_NAMES_PL
from shared.events import ChargeKind, DecisionKind, Event, RefundMethod
from shared.http import CorrelationId
from shared.idempotency import idempotent_request

router = APIRouter(tags=["operators"])


async def _run(
    ctx: handlers.ClaimsContext,
    claim_id: UUID,
    operator: Any,
    correlation: UUID,
    command: ClaimCommand,
) -> list[Event]:
    return await handlers.run_command(ctx, claim_id, actor_of(operator), correlation, command)


@router.get("/api/operator/parcels/unidentified", summary="Parcels waiting for an operator")
async def unidentified(_operator: Operator, ctx: Context) -> list[dict[str, Any]]:
    """Parcels that matched no claim, and parcels for a cancelled or closed claim (`attention`
    says why): nothing a scanner received is lost."""
    return [asdict(parcel) for parcel in await handlers.parcels_for_operators(ctx)]


class ParcelAttach(BaseModel):
    rma_number: str = Field(min_length=5, max_length=40)


@router.post(
    "/api/operator/parcels/{parcel_id}/attach",
    summary="Identify an unidentified parcel as a claim's",
    responses=STATE_REFUSAL,
)
async def attach(
    parcel_id: UUID,
    body: ParcelAttach,
    operator: Operator,
    ctx: Context,
    correlation: CorrelationId,
) -> dict[str, UUID]:
    claim_id = await handlers.attach_parcel(
        ctx, parcel_id, body.rma_number, actor_of(operator), correlation
    )
    return {"claim_id": claim_id}


@router.post(
    "/api/operator/parcels/{parcel_id}/resolve",
    summary="A parcel for a cancelled or closed claim has been dealt with",
    responses=STATE_REFUSAL,
)
async def resolve(parcel_id: UUID, operator: Operator, ctx: Context) -> dict[str, str]:
    await handlers.resolve_attention_parcel(ctx, parcel_id, actor_of(operator))
    return {"status": "resolved"}


def _check_statuses(statuses: list[str]) -> None:
    unknown = [name for name in statuses if name not in STATUS_NAMES_PL]
    if unknown:
        allowed = ", ".join(STATUS_NAMES_PL)
        raise Refusal(
            "status_unknown", "status", {"unknown": ", ".join(unknown), "allowed": allowed}
        )


@router.get(
    "/api/operator/claims",
    response_model=list[OperatorClaimSummary],
    summary="Claims with their deadlines, newest first, optionally of some statuses",
    responses={422: {"description": "An unknown status, or a limit outside 1..500"}},
)
async def operator_claims(
    _operator: Operator,
    ctx: Context,
    status: Annotated[
        list[str] | None,
        Query(description=f"Repeatable; one of: {', '.join(STATUS_NAMES_PL)}"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 500,
    oldest_first: Annotated[
        bool, Query(description="Those waiting longest first (open claims beyond the limit)")
    ] = False,
) -> list[OperatorClaimSummary]:
    if status:
        _check_statuses(status)
    listed = await handlers.claims_by_status(ctx, status, limit, oldest_first)
    today = ctx.today()
    given_apart = frozenset({"deadline_standings"})
    return [
        OperatorClaimSummary(
            **summary_fields(claim.listing, OperatorClaimSummary, without=given_apart),
            deadline_standings=[standing_public(s, today) for s in claim.deadline_standings],
        )
        for claim in listed
    ]


@router.get(
    "/api/operator/claims/counts",
    response_model=dict[str, int],
    summary="How many claims there are in each status of the lifecycle (all claims, zeros too)",
)
async def operator_claim_counts(_operator: Operator, ctx: Context) -> dict[str, int]:
    counted = await handlers.count_claims_by_status(ctx)
    return {name: counted.get(name, 0) for name in CLAIM_STATUSES}


def _operator_view(
    ctx: handlers.ClaimsContext, view: handlers.OperatorClaimView
) -> OperatorClaimPublic:
    claim, contact, document = view.claim, view.contact, view.document
    today = ctx.today()
    return OperatorClaimPublic(
        **claim_public(claim, view.assessment, "operator", today),
        operator_actions=claim.operator_actions(today),
        may_add_charge=claim.accepts_charges,
        may_mark_warranty_void=claim.accepts_void_mark,
        rejection_reasons=claim.rejection_reasons_now,
        customer=CustomerPublic(
            full_name=contact.full_name if contact else None,
            email=claim.email,
            phone=contact.phone if contact else None,
            address=contact.address if contact else None,
        ),
        document=DocumentPublic(
            document_type=claim.document_type,
            document_number=claim.document_number,
            issued_on=document.issued_on if document else None,
            buyer_type=document.buyer_type if document else None,
            buyer_name=document.buyer_name if document else None,
            total=document.total if document else None,
            unit_price=claim.unit_price,
        ),
        attachments=[
            AttachmentPublic(
                **vars(a),
                download_path=f"/api/operator/claims/{claim.claim_id}/attachments/"
                f"{a.attachment_id}",
            )
            for a in view.attachments
        ],
        serial_mismatch=claim.serial_mismatch,
        intake=intake_public(claim.intake),
    )


@router.get(
    "/api/operator/claims/{claim_id}",
    response_model=OperatorClaimPublic,
    summary="Any claim with the customer, the purchase document, files, deadlines and next steps",
)
async def operator_claim(claim_id: UUID, _operator: Operator, ctx: Context) -> OperatorClaimPublic:
    return _operator_view(ctx, await handlers.operator_claim_view(ctx, claim_id))


@router.get(
    "/api/operator/claims/{claim_id}/attachments/{attachment_id}",
    summary="Download a file of the claim (the customer's sales document, photos)",
    response_class=Response,
    responses=DOWNLOAD_RESPONSES,
)
async def attachment(
    claim_id: UUID, attachment_id: UUID, _operator: Operator, ctx: Context
) -> Response:
    return download(await handlers.attachment_file(ctx, claim_id, attachment_id, None))


class Transition(BaseModel):
    status: Literal[
        "in_inspection", "awaiting_customer", "in_repair", "shipped_back", "refunded", "closed"
    ]
    note: str | None = Field(default=None, max_length=5000)
    tracking_number: str | None = Field(default=None, max_length=60)
    carrier: str | None = Field(default=None, max_length=60)
    amount: Decimal | None = Field(default=None, max_digits=12, decimal_places=2)
    method: RefundMethod = "bank_transfer"
    iban: str | None = Field(default=None, max_length=42)


def _transition_command(body: Transition) -> ClaimCommand:
    """The aggregate's command for a target status (the panel's one form of status changes)."""

    def move(claim: Claim, act: Act) -> list[Event]:
        match body.status:
            case "in_inspection" if claim.status == "awaiting_customer":
                return claim.answer(act, body.note or "Operator wznowił diagnozę.")
            case "in_inspection":
                return claim.start_inspection(act)
            case "awaiting_customer":
                return claim.ask_customer(act, body.note or "")
            case "in_repair":
                return claim.start_repair(act)
            case "shipped_back":
                return claim.ship_back(act, body.carrier or "kurier", body.tracking_number or "")
            case "refunded":
                payment = decisions.refund_payment(body.method, body.iban)
                return claim.record_refund(act, body.amount, payment)
            case "closed":
                return claim.close(act)

    return move


@router.post(
    "/api/operator/claims/{claim_id}/status",
    summary="Start inspection, ask the customer, repair, ship back, refund or close",
    responses={409: {"description": "Not allowed from the claim's status (see next_statuses)"}},
)
async def transition(
    claim_id: UUID,
    body: Transition,
    operator: Operator,
    ctx: Context,
    correlation: CorrelationId,
) -> dict[str, str]:
    await _run(ctx, claim_id, operator, correlation, _transition_command(body))
    return {"status": body.status}


class DecisionCreate(BaseModel):
    decision: DecisionKind
    justification: str = Field(min_length=2, max_length=5000)
    amount: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)
    rejection_reason: str | None = Field(default=None, max_length=60)
    deductions: dict[str, int] = Field(
        default_factory=dict,
        description="Returns: packaging, intensive_use, seals_removed, electronics_handling (%)",
    )
    missing_accessories_value: Decimal = Field(default=Decimal(0), ge=0)
    valid_until: date | None = Field(default=None, description="Paid repair: the quote's end")
    exchange_product: str | None = Field(default=None, max_length=200)
    substantial_repair: bool | None = Field(
        default=None,
        description="Repair: a substantial one (Civil Code art. 581 § 1: the warranty runs anew)",
    )
    replaced_part: str | None = Field(
        default=None, max_length=200, description="Repair: the part replaced (its own period anew)"
    )
    reduction_kind: str | None = Field(
        default=None,
        max_length=40,
        description="Price reduction: cosmetic_defect (5-20 %), defect_kept (10-40 %) or "
        "missing_accessory (its value)",
    )


@router.post(
    "/api/operator/claims/{claim_id}/decision",
    summary="Decide: repair, replacement, refund, price reduction, paid repair, exchange, reject",
    responses=STATE_REFUSAL,
)
async def decision(
    claim_id: UUID,
    body: DecisionCreate,
    operator: Operator,
    ctx: Context,
    correlation: CorrelationId,
) -> dict[str, Any]:
    command = DecisionInput(
        kind=body.decision,
        justification=body.justification,
        amount=body.amount,
        rejection_reason=body.rejection_reason,
        deduction_percents=body.deductions,
        missing_accessories_value=body.missing_accessories_value,
        valid_until=body.valid_until,
        exchange_product=body.exchange_product,
        substantial_repair=body.substantial_repair,
        replaced_part=body.replaced_part,
        reduction_kind=body.reduction_kind,
    )
    events = await _run(
        ctx, claim_id, operator, correlation, lambda claim, act: claim.decide(act, command)
    )
    return events[-1].data.model_dump(mode="json")


class ReplacementCreate(BaseModel):
    serial_number: str = Field(min_length=1, max_length=60)
    ean: str | None = Field(default=None, max_length=14, description="Only for another model")


@router.post(
    "/api/operator/claims/{claim_id}/replacement",
    summary="Record the replacement unit's serial number (and EAN if another model)",
    responses=STATE_REFUSAL,
)
async def replacement(
    claim_id: UUID,
    body: ReplacementCreate,
    operator: Operator,
    ctx: Context,
    correlation: CorrelationId,
) -> dict[str, Any]:
    events = await handlers.record_replacement(
        ctx, claim_id, actor_of(operator), correlation, body.serial_number, body.ean
    )
    return events[0].data.model_dump(mode="json")


class ShipBack(BaseModel):
    carrier: str = Field(min_length=1, max_length=60, examples=["DPD"])
    tracking_number: str = Field(min_length=1, max_length=60)


@router.post(
    "/api/operator/claims/{claim_id}/ship-back",
    summary="Ship the product back: carrier and outbound tracking number (inbound one is kept)",
    responses=STATE_REFUSAL,
)
async def ship_back(
    claim_id: UUID,
    body: ShipBack,
    operator: Operator,
    ctx: Context,
    correlation: CorrelationId,
) -> dict[str, str]:
    await _run(
        ctx,
        claim_id,
        operator,
        correlation,
        lambda claim, act: claim.ship_back(act, body.carrier, body.tracking_number),
    )
    return {"status": "shipped_back"}


class RefundCreate(BaseModel):
    amount: Decimal | None = Field(default=None, max_digits=12, decimal_places=2)
    method: RefundMethod
    iban: str | None = Field(default=None, max_length=42, description="For bank transfers")
    difference_reason: str | None = Field(
        default=None, max_length=1000, description="Why the amount is not the decided one"
    )


@router.post(
    "/api/operator/claims/{claim_id}/refund",
    summary="Record the refund: amount and method (IBAN checked); due 14 days from receipt",
    responses=STATE_REFUSAL,
)
async def refund(
    claim_id: UUID,
    body: RefundCreate,
    operator: Operator,
    ctx: Context,
    correlation: CorrelationId,
) -> dict[str, Any]:
    payment = decisions.refund_payment(body.method, body.iban)
    events = await _run(
        ctx,
        claim_id,
        operator,
        correlation,
        lambda claim, act: claim.record_refund(act, body.amount, payment, body.difference_reason),
    )
    return events[0].data.model_dump(mode="json")


@router.post(
    "/api/operator/claims/{claim_id}/manufacturer-statement",
    summary="Attach DJI's written statement that the unit cannot be repaired (a DJI replacement "
    "needs it)",
    responses={
        **STATE_REFUSAL,
        413: {"description": "The file is larger than 10 MB"},
        415: {"description": "The file is not a PDF, JPEG or PNG (checked by content)"},
    },
)
async def manufacturer_statement(
    claim_id: UUID,
    operator: Operator,
    ctx: Context,
    correlation: CorrelationId,
    statement: Annotated[UploadFile, File(description="The statement: PDF, JPEG or PNG")],
) -> dict[str, str]:
    attachment = handlers.checked_attachment(await read_upload(statement), "manufacturer_statement")
    await _run(
        ctx,
        claim_id,
        operator,
        correlation,
        lambda claim, act: claim.attach_manufacturer_statement(act, attachment),
    )
    return {"attachment_id": str(attachment.attachment_id)}


class WarrantyVoid(BaseModel):
    reason: str = Field(
        min_length=1,
        max_length=40,
        description="unauthorised_repair, disassembly, modification, misuse, manual_ignored or "
        "serial_label_tampered (shared.claims_vocabulary.WARRANTY_VOID_REASONS)",
    )
    evidence: list[UUID] = Field(
        default_factory=list, max_length=20, description="The claim's attachments that show it"
    )
    note: str | None = Field(default=None, max_length=2000)


@router.post(
    "/api/operator/claims/{claim_id}/warranty-void",
    summary="Mark the claimed unit's warranty void (the guarantor's terms): warranty keeps the "
    "mark, and the unit's guarantee claims are no longer covered",
    responses=STATE_REFUSAL,
)
async def warranty_void(
    claim_id: UUID,
    body: WarrantyVoid,
    operator: Operator,
    ctx: Context,
    correlation: CorrelationId,
) -> dict[str, Any]:
    mark = handlers.VoidMark(body.reason, tuple(body.evidence), body.note)
    events = await handlers.mark_warranty_void(ctx, claim_id, actor_of(operator), correlation, mark)
    return events[0].data.model_dump(mode="json")


class RepairDelay(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)
    expected_on: date | None = None


@router.post(
    "/api/operator/claims/{claim_id}/repair-delay",
    summary="Tell the customer, before the 30 days pass, why a scooter repair takes longer",
    responses=STATE_REFUSAL,
)
async def repair_delay(
    claim_id: UUID,
    body: RepairDelay,
    operator: Operator,
    ctx: Context,
    correlation: CorrelationId,
) -> dict[str, Any]:
    events = await _run(
        ctx,
        claim_id,
        operator,
        correlation,
        lambda claim, act: claim.announce_repair_delay(act, body.reason, body.expected_on),
    )
    return events[0].data.model_dump(mode="json")


class ChargeCreate(BaseModel):
    kind: ChargeKind
    amount: Decimal | None = Field(
        default=None,
        max_digits=12,
        decimal_places=2,
        description="Złote; the administrative fee's is the policy's (10 % of the price)",
    )
    reason: str = Field(min_length=1, max_length=2000)
    transport_damage_reported: bool = Field(
        default=False,
        description="The parcel came damaged in transport and a courier's damage report exists "
        "(no reshipping charge then)",
    )


@router.post(
    "/api/operator/claims/{claim_id}/charges",
    summary="Charge the customer (reshipping, transport, cleaning, missing equipment, "
    "administrative fee, price difference): due until paid or waived",
    response_model=ChargePublic,
    responses=STATE_REFUSAL,
)
async def add_charge(
    claim_id: UUID,
    body: ChargeCreate,
    operator: Operator,
    ctx: Context,
    correlation: CorrelationId,
) -> ChargePublic:
    idempotent = idempotent_request()
    if idempotent is None or idempotent.made is None:
        command = handlers.NewCharge(
            body.kind, body.amount, body.reason, body.transport_damage_reported
        )
        events = await handlers.add_charge(
            ctx, claim_id, actor_of(operator), correlation, command, idempotent
        )
        charge_id = events[0].data.charge_id  # type: ignore[attr-defined]
    else:  # added by this key's first request, which died before its answer was recorded
        charge_id = UUID(idempotent.made)
    claim = await handlers.load_claim(ctx, claim_id, None)
    return next(c for c in charges_public(claim).items if c.charge_id == charge_id)


@router.post(
    "/api/operator/claims/{claim_id}/charges/{charge_id}/paid",
    summary="The customer paid the charge",
    responses=STATE_REFUSAL,
)
async def charge_paid(
    claim_id: UUID,
    charge_id: UUID,
    operator: Operator,
    ctx: Context,
    correlation: CorrelationId,
) -> dict[str, Any]:
    events = await _run(
        ctx, claim_id, operator, correlation, lambda c, act: c.mark_charge_paid(act, charge_id)
    )
    return events[0].data.model_dump(mode="json")


class ChargeWaiver(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


@router.post(
    "/api/operator/claims/{claim_id}/charges/{charge_id}/waive",
    summary="Waive the charge, with the reason",
    responses=STATE_REFUSAL,
)
async def charge_waived(
    claim_id: UUID,
    charge_id: UUID,
    body: ChargeWaiver,
    operator: Operator,
    ctx: Context,
    correlation: CorrelationId,
) -> dict[str, Any]:
    events = await _run(
        ctx,
        claim_id,
        operator,
        correlation,
        lambda c, act: c.waive_charge(act, charge_id, body.reason),
    )
    return events[0].data.model_dump(mode="json")
