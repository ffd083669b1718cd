"""HTTP entry points of claims: customers, scanners and operators."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, File, Form, Query, Request, Response, UploadFile, status
from pydantic import BaseModel, Field

from services.claims import domain, handlers
from services.claims.adapters import repository
from shared.auth import Principal, require_role
from shared.errors import BusinessRuleError, Message, preferred_language
from shared.events import ClaimType, DecisionKind
from shared.http import CorrelationId
from shared.labels import render_label

router = APIRouter()


async def get_context(request: Request) -> handlers.ClaimsContext:
    context: handlers.ClaimsContext = request.app.state.claims
    return context


def _actor(principal: Principal) -> handlers.Actor:
    # Customers stay an id in the records: their email may change and is personal data.
    readable = None if principal.role == "customer" else principal.email or principal.name
    return handlers.Actor(principal.role, principal.subject, readable)


Context = Annotated[handlers.ClaimsContext, Depends(get_context)]
Customer = Annotated[Principal, Depends(require_role("customer"))]
Operator = Annotated[Principal, Depends(require_role("operator"))]
Scanner = Annotated[Principal, Depends(require_role("scanner"))]


class ClaimCreatedPublic(BaseModel):
    claim_id: UUID
    rma_number: str
    status: str
    message: str


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


class ClaimPublic(ClaimSummary):
    document_type: str
    document_number: str
    problem_description: str
    problem_code: str | None
    tracking_number: str | None
    package_contents: str
    assessment: dict[str, Any] | None
    deadlines: list[dict[str, Any]]
    decision: dict[str, Any] | None
    timeline: list[TimelineEntry]


class OperatorClaimSummary(ClaimSummary):
    """A claim in the operator's list: with its deadlines, so the dashboard needs no more calls."""

    deadlines: list[dict[str, Any]]


def _summary_fields(claim: Any, model: type[ClaimSummary]) -> dict[str, Any]:
    return {
        **{key: claim[key] for key in model.model_fields if key != "status_name"},
        "status_name": domain.STATUS_NAMES_PL[claim["status"]],
    }


def _summary(claim: Any) -> ClaimSummary:
    return ClaimSummary(**_summary_fields(claim, ClaimSummary))


def _operator_summary(claim: Any) -> OperatorClaimSummary:
    return OperatorClaimSummary(**_summary_fields(claim, OperatorClaimSummary))


async def _claim_public(conn: Any, claim: Any) -> ClaimPublic:
    decision = await repository.get_decision(conn, claim["claim_id"])
    entries = await repository.timeline(conn, claim["claim_id"])
    fields = set(ClaimPublic.model_fields) - {"status_name", "decision", "timeline"}
    return ClaimPublic(
        **{key: claim[key] for key in fields},
        status_name=domain.STATUS_NAMES_PL[claim["status"]],
        decision=dict(decision) if decision else None,
        timeline=[TimelineEntry(**dict(entry)) for entry in entries],
    )


@router.post(
    "/api/claims",
    status_code=status.HTTP_201_CREATED,
    response_model=ClaimCreatedPublic,
    tags=["claims"],
    summary="File a claim for a product on a linked purchase document; assigns the RMA number",
    responses={
        413: {"description": "The attachment is larger than 10 MB"},
        415: {"description": "The attachment is not a PDF, JPEG or PNG (checked by content)"},
        422: {"description": "A rule of the claim form is broken; the field is named"},
    },
)
async def file_claim(
    customer: Customer,
    ctx: Context,
    correlation: CorrelationId,
    document_type: Annotated[Literal["PA", "FS"], Form()],
    document_number: Annotated[str, Form(min_length=1, max_length=40)],
    line_no: Annotated[int, Form(ge=1, description="Line of the document with the product")],
    claim_type: Annotated[ClaimType, Form()],
    problem_description: Annotated[str, Form(min_length=10, max_length=5000)],
    package_contents: Annotated[str, Form(min_length=2, max_length=1000)],
    attachment: Annotated[UploadFile, File(description="Sales document: PDF, JPEG or PNG")],
    serial_number: Annotated[str | None, Form(max_length=60)] = None,
    problem_code: Annotated[str | None, Form(max_length=200)] = None,
    tracking_number: Annotated[str | None, Form(max_length=60)] = None,
    customer_reference: Annotated[str | None, Form(max_length=60)] = None,
) -> ClaimCreatedPublic:
    # Read one byte past the limit: enough to refuse a larger file without holding all of it.
    content = await attachment.read(domain.MAX_ATTACHMENT_BYTES + 1)
    event = await handlers.create_claim(
        ctx,
        handlers.NewClaim(
            account_id=customer.subject,
            document_type=document_type,
            document_number=document_number,
            line_no=line_no,
            claim_type=claim_type,
            problem_description=problem_description,
            package_contents=package_contents,
            attachment=handlers.Attachment(attachment.filename or "dokument", content),
            serial_number=serial_number,
            problem_code=problem_code,
            tracking_number=tracking_number,
            customer_reference=customer_reference,
        ),
        correlation,
    )
    return ClaimCreatedPublic(
        claim_id=event.data.claim_id,
        rma_number=event.data.rma_number,
        status="submitted",
        message=(
            f"Zgłoszenie {event.data.rma_number} zostało zapisane. Oznacz przesyłkę tym numerem "
            "i wyślij ją do: Serwis INNPRO, Rudzka 65C, 44-200 Rybnik."
        ),
    )


@router.get(
    "/api/claims",
    response_model=list[ClaimSummary],
    tags=["claims"],
    summary="Own claims, or those matching an RMA number, serial number or own reference",
)
async def list_claims(customer: Customer, ctx: Context, q: str = "") -> list[ClaimSummary]:
    async with ctx.pool.acquire() as conn:
        claims = await repository.search_claims(conn, customer.subject, q[:80])
    return [_summary(claim) for claim in claims]


@router.get(
    "/api/claims/{claim_id}", response_model=ClaimPublic, tags=["claims"], summary="One own claim"
)
async def get_claim(claim_id: UUID, customer: Customer, ctx: Context) -> ClaimPublic:
    async with ctx.pool.acquire() as conn:
        claim = await repository.get_claim_of_account(conn, claim_id, customer.subject)
        if claim is None:
            raise handlers.CLAIM_NOT_FOUND
        return await _claim_public(conn, claim)


class ClaimTypeOption(BaseModel):
    claim_type: ClaimType
    allowed: bool
    reason: str | None = Field(description="Why the type is not allowed for this product")


class ClaimOptions(BaseModel):
    claim_types: list[ClaimTypeOption]
    problems: list[str] = Field(description="Choose one of these as problem_code, when not empty")


@router.get(
    "/api/claim-options",
    response_model=ClaimOptions,
    tags=["claims"],
    summary="What a claim for a product of a linked document may be: its types and problem list",
)
async def claim_options(
    request: Request,
    customer: Customer,
    ctx: Context,
    document_type: Literal["PA", "FS"],
    document_number: Annotated[str, Query(min_length=1, max_length=60)],
    line_no: Annotated[int, Query(ge=1)],
) -> ClaimOptions:
    options = await handlers.claim_options(
        ctx, customer.subject, document_type, document_number, line_no
    )
    language = preferred_language(request)
    return ClaimOptions(
        claim_types=[
            ClaimTypeOption(
                claim_type=claim_type,
                allowed=refused is None,
                reason=refused.message.in_language(language) if refused else None,
            )
            for claim_type, refused in options.claim_types.items()
        ],
        problems=options.problems,
    )


class SerialCheck(BaseModel):
    serial_number: str
    known: bool
    message: str


@router.get(
    "/api/serial-check",
    response_model=SerialCheck,
    tags=["claims"],
    summary="Is this serial number in the distributor's sales (selected brands)?",
)
async def serial_check(serial_number: str, _customer: Customer, ctx: Context) -> SerialCheck:
    serial = serial_number.strip().upper()[:60]
    async with ctx.pool.acquire() as conn:
        known = await repository.serial_known(conn, serial)
    return SerialCheck(
        serial_number=serial,
        known=known,
        message=(
            "Numer seryjny znajduje się w bazie INNPRO."
            if known
            else "Nie znaleźliśmy tego numeru seryjnego w bazie INNPRO. Sprawdź, czy jest "
            "poprawny (dotyczy wybranych marek)."
        ),
    )


@router.post(
    "/api/claims/{claim_id}/cancel", tags=["claims"], summary="Cancel an own claim before receipt"
)
async def cancel(
    claim_id: UUID, customer: Customer, ctx: Context, correlation: CorrelationId
) -> dict[str, str]:
    await handlers.cancel_claim(ctx, claim_id, _actor(customer), correlation)
    return {"status": "cancelled"}


class CustomerAnswer(BaseModel):
    message: str = Field(min_length=2, max_length=5000)


@router.post(
    "/api/claims/{claim_id}/answer",
    tags=["claims"],
    summary="Send the information the service asked for",
)
async def answer(
    claim_id: UUID,
    body: CustomerAnswer,
    customer: Customer,
    ctx: Context,
    correlation: CorrelationId,
) -> dict[str, str]:
    await handlers.answer_request(ctx, claim_id, _actor(customer), body.message, correlation)
    return {"status": "in_inspection"}


class PriceReductionAnswer(BaseModel):
    accept: bool


@router.post(
    "/api/claims/{claim_id}/price-reduction",
    tags=["claims"],
    summary="Accept or refuse an offered price reduction",
)
async def price_reduction(
    claim_id: UUID,
    body: PriceReductionAnswer,
    customer: Customer,
    ctx: Context,
    correlation: CorrelationId,
) -> dict[str, bool]:
    await handlers.respond_to_price_reduction(
        ctx, claim_id, _actor(customer), body.accept, correlation
    )
    return {"accepted": body.accept}


class ParcelScan(BaseModel):
    rma_number: str | None = Field(default=None, max_length=40, examples=["RMA/17/SR/2026"])
    tracking_number: str | None = Field(default=None, max_length=60)


class ParcelScanned(BaseModel):
    parcel_id: UUID
    claim_id: UUID | None
    rma_number: str | None
    duplicate: bool
    identified: bool


@router.post(
    "/api/parcels",
    response_model=ParcelScanned,
    tags=["parcels"],
    summary="A scanner posts a parcel's receipt (RMA number or tracking number from the label)",
)
async def scan_parcel(
    body: ParcelScan, scanner: Scanner, ctx: Context, correlation: CorrelationId
) -> ParcelScanned:
    result = await handlers.receive_parcel(
        ctx, _actor(scanner), body.rma_number, body.tracking_number, correlation
    )
    return ParcelScanned(
        parcel_id=result.parcel_id,
        claim_id=result.claim_id,
        rma_number=result.rma_number,
        duplicate=result.duplicate,
        identified=result.claim_id is not None,
    )


@router.get(
    "/api/operator/parcels/unidentified",
    tags=["operators"],
    summary="Parcels that matched no claim",
)
async def unidentified(_operator: Operator, ctx: Context) -> list[dict[str, Any]]:
    async with ctx.pool.acquire() as conn:
        return [dict(parcel) for parcel in await repository.unidentified_parcels(conn)]


class ParcelAttach(BaseModel):
    rma_number: str = Field(min_length=5, max_length=40)


@router.post(
    "/api/operator/parcels/{parcel_id}/attach",
    tags=["operators"],
    summary="Identify an unidentified parcel as a claim's",
)
async def attach(
    parcel_id: UUID,
    body: ParcelAttach,
    operator: Operator,
    ctx: Context,
    correlation: CorrelationId,
) -> dict[str, UUID]:
    claim_id = await handlers.attach_parcel(
        ctx, parcel_id, body.rma_number, _actor(operator), correlation
    )
    return {"claim_id": claim_id}


def _check_statuses(statuses: list[str]) -> None:
    unknown = [name for name in statuses if name not in domain.STATUS_NAMES_PL]
    if unknown:
        allowed = ", ".join(domain.STATUS_NAMES_PL)
        raise BusinessRuleError(
            "status_unknown",
            Message(
                f"Nieznany status zgłoszenia: {', '.join(unknown)}. Dozwolone: {allowed}.",
                f"Unknown claim status: {', '.join(unknown)}. Allowed: {allowed}.",
            ),
            field="status",
        )


@router.get(
    "/api/operator/claims",
    response_model=list[OperatorClaimSummary],
    tags=["operators"],
    summary="Claims with their deadlines, newest first, optionally of some statuses",
    responses={422: {"description": "An unknown status, or a limit outside 1..500"}},
)
async def operator_claims(
    _operator: Operator,
    ctx: Context,
    status: Annotated[
        list[str] | None,
        Query(description=f"Repeatable; one of: {', '.join(domain.STATUS_NAMES_PL)}"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 500,
    oldest_first: Annotated[
        bool, Query(description="Those waiting longest first (open claims beyond the limit)")
    ] = False,
) -> list[OperatorClaimSummary]:
    if status:
        _check_statuses(status)
    async with ctx.pool.acquire() as conn:
        claims = await repository.claims_by_status(conn, status, limit, oldest_first)
    return [_operator_summary(claim) for claim in claims]


@router.get(
    "/api/operator/claims/counts",
    response_model=dict[str, int],
    tags=["operators"],
    summary="How many claims there are in each status of the lifecycle (all claims, zeros too)",
)
async def operator_claim_counts(_operator: Operator, ctx: Context) -> dict[str, int]:
    async with ctx.pool.acquire() as conn:
        counted = await repository.count_claims_by_status(conn)
    return {name: counted.get(name, 0) for name in domain.STATUS_NAMES_PL}


@router.get(
    "/api/operator/claims/{claim_id}",
    response_model=ClaimPublic,
    tags=["operators"],
    summary="Any claim, with its timeline, deadlines and decision",
)
async def operator_claim(claim_id: UUID, _operator: Operator, ctx: Context) -> ClaimPublic:
    async with ctx.pool.acquire() as conn:
        claim = await repository.get_claim(conn, claim_id)
        if claim is None:
            raise handlers.CLAIM_NOT_FOUND
        return await _claim_public(conn, claim)


class Transition(BaseModel):
    status: Literal["in_inspection", "awaiting_customer", "shipped_back", "refunded", "closed"]
    note: str | None = Field(default=None, max_length=5000)
    tracking_number: str | None = Field(default=None, max_length=60)


@router.post(
    "/api/operator/claims/{claim_id}/status",
    tags=["operators"],
    summary="Start inspection, ask the customer, ship back, refund or close",
)
async def transition(
    claim_id: UUID,
    body: Transition,
    operator: Operator,
    ctx: Context,
    correlation: CorrelationId,
) -> dict[str, str]:
    if body.status == "awaiting_customer" and not (body.note or "").strip():
        raise BusinessRuleError(
            "note_required",
            Message("Napisz, jakich informacji potrzebujesz.", "Say what you need."),
            field="note",
        )
    if body.status == "shipped_back" and not (body.tracking_number or "").strip():
        raise BusinessRuleError(
            "tracking_required",
            Message("Podaj numer przesyłki zwrotnej.", "Enter the return tracking number."),
            field="tracking_number",
        )
    await handlers.move_claim(
        ctx,
        claim_id,
        body.status,
        _actor(operator),
        correlation,
        note=body.note,
        tracking_number=body.tracking_number,
    )
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


@router.post(
    "/api/operator/claims/{claim_id}/decision",
    tags=["operators"],
    summary="Decide: repair, replacement, refund, price reduction, paid repair or rejection",
)
async def decision(
    claim_id: UUID,
    body: DecisionCreate,
    operator: Operator,
    ctx: Context,
    correlation: CorrelationId,
) -> dict[str, Any]:
    event = await handlers.decide(
        ctx,
        claim_id,
        handlers.Decision(
            decision=body.decision,
            justification=body.justification,
            amount=body.amount,
            rejection_reason=body.rejection_reason,
            deduction_percents=body.deductions,
            missing_accessories_value=body.missing_accessories_value,
        ),
        _actor(operator),
        correlation,
    )
    return event.data.model_dump(mode="json")


@router.get(
    "/api/claims/{claim_id}/label",
    tags=["claims"],
    summary="The printable parcel label (PDF) with the RMA number as a barcode",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def label(claim_id: UUID, customer: Customer, ctx: Context) -> Response:
    async with ctx.pool.acquire() as conn:
        claim = await repository.get_claim_of_account(conn, claim_id, customer.subject)
    if claim is None:
        raise handlers.CLAIM_NOT_FOUND
    rma_number: str = claim["rma_number"]
    return Response(
        render_label(rma_number),
        media_type="application/pdf",
        headers={
            "Content-Disposition": (
                f'attachment; filename="etykieta-{rma_number.replace("/", "-")}.pdf"'
            )
        },
    )
