"""HTTP entry points of claims: customers, scanners and operators."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, File, Form, Query, Request, Response, UploadFile, status
from pydantic import BaseModel, Field

from services.claims import handlers
from services.claims.adapters import customer_forms
from services.claims.adapters.customer_forms import render_customer_form
from services.claims.domain import form
from services.claims.domain.claim import Claim
from services.claims.domain.intake import IntakeCheck
from services.claims.entrypoints import claim_form
from services.claims.entrypoints.refusals import refusal_text
from services.claims.entrypoints.views import (
    ClaimPublic,
    ClaimSummary,
    LabelLookupPublic,
    claim_public,
    label_lookup_public,
    summary_fields,
)
from services.claims.unit_of_work import AttachmentFile
from shared.auth import Principal, require_role
from shared.errors import preferred_language
from shared.events import ClaimType, OfferKind
from shared.http import CorrelationId, attachment_disposition
from shared.idempotency import idempotent_request
from shared.labels import label_file_name, render_label
from shared.service_centre import SERVICE_CENTRE

router = APIRouter()


async def get_context(request: Request) -> handlers.ClaimsContext:
    context: handlers.ClaimsContext = request.app.state.claims
    return context


def actor_of(principal: Principal) -> handlers.Actor:
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


def customer_view(ctx: handlers.ClaimsContext, claim: Claim, assessment: Any) -> ClaimPublic:
    return ClaimPublic(**claim_public(claim, assessment, "customer", ctx.today()))


async def read_upload(upload: UploadFile) -> handlers.Attachment:
    # Read one byte past the limit: enough to refuse a larger file without holding all of it.
    content = await upload.read(form.MAX_ATTACHMENT_BYTES + 1)
    return handlers.Attachment(upload.filename or "plik", content)


# What a download answers: the file as it was uploaded, named in RFC 6266 form.
DOWNLOAD_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The file, with the type it was uploaded with",
        # What uploads may be (form.attachment_type checks each file by its content).
        "content": {"application/pdf": {}, "image/jpeg": {}, "image/png": {}},
        "headers": {
            "Content-Disposition": {
                "description": 'attachment; filename="<ASCII name>"; '
                "filename*=UTF-8''<the name as uploaded, percent-encoded> (RFC 6266)",
                "schema": {"type": "string"},
            }
        },
    },
    404: {"description": "No such claim or file (or the claim is another customer's)"},
}


def download(stored: AttachmentFile) -> Response:
    return Response(
        stored.content,
        media_type=stored.content_type,
        headers={"Content-Disposition": attachment_disposition(stored.filename)},
    )


# A command the claim's state does not allow now (see next_statuses and operator_actions).
STATE_REFUSAL: dict[int | str, dict[str, Any]] = {
    409: {"description": "Not allowed in the claim's state now (see next_statuses)"}
}


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
    openapi_extra={"requestBody": claim_form.REQUEST_BODY},
)
async def file_claim(
    customer: Customer, ctx: Context, correlation: CorrelationId, sent: claim_form.ClaimForm
) -> ClaimCreatedPublic:
    fields = sent.fields
    idempotent = idempotent_request()
    if idempotent is not None and idempotent.made is not None:
        # Filed by this key's first request, which died before its answer was recorded.
        filed = await handlers.load_claim(ctx, UUID(idempotent.made), customer.subject)
        return claim_created(filed.claim_id, filed.rma_number)
    event = await handlers.create_claim(
        ctx,
        handlers.NewClaim(
            account_id=customer.subject,
            document_type=fields.document_type,
            document_number=fields.document_number,
            line_no=fields.line_no,
            claim_type=fields.claim_type,
            problem_description=fields.problem_description,
            package_contents=fields.package_contents,
            attachment=await read_upload(sent.attachment),
            serial_number=fields.serial_number,
            problem_code=fields.problem_code,
            tracking_number=fields.tracking_number,
            customer_reference=fields.customer_reference,
            return_address=fields.return_address(),
            unit_details=form.UnitDetails(
                fields.installed_by_authorised_service,
                fields.installing_service_name,
                fields.activated_on,
            ),
            seal_intact=fields.seal_intact,
        ),
        correlation,
        idempotent,
    )
    return claim_created(event.data.claim_id, event.data.rma_number)


def claim_created(claim_id: UUID, rma_number: str) -> ClaimCreatedPublic:
    """The answer to a filed claim: the same to its first request and to a retry of it."""
    return ClaimCreatedPublic(
        claim_id=claim_id,
        rma_number=rma_number,
        status="submitted",
        message=(
            f"Zgłoszenie {rma_number} zostało zapisane. Oznacz przesyłkę tym numerem "
            f"i wyślij ją do: {SERVICE_CENTRE.one_line}."
        ),
    )


@router.get(
    "/api/claims",
    response_model=list[ClaimSummary],
    tags=["claims"],
    summary="Own claims, or those matching an RMA number, serial number or own reference",
)
async def list_claims(customer: Customer, ctx: Context, q: str = "") -> list[ClaimSummary]:
    claims = await handlers.search_claims(ctx, customer.subject, q[:80])
    return [ClaimSummary(**summary_fields(claim, ClaimSummary)) for claim in claims]


@router.get(
    "/api/claims/{claim_id}", response_model=ClaimPublic, tags=["claims"], summary="One own claim"
)
async def get_claim(claim_id: UUID, customer: Customer, ctx: Context) -> ClaimPublic:
    view = await handlers.claim_view(ctx, claim_id, customer.subject)
    return customer_view(ctx, view.claim, view.assessment)


@router.get(
    "/api/claims/{claim_id}/attachments/{attachment_id}",
    tags=["claims"],
    summary="Download a file of an own claim (the sales document, the photos of an answer)",
    response_class=Response,
    responses=DOWNLOAD_RESPONSES,
)
async def own_attachment(
    claim_id: UUID, attachment_id: UUID, customer: Customer, ctx: Context
) -> Response:
    return download(await handlers.attachment_file(ctx, claim_id, attachment_id, customer.subject))


class ClaimTypeOption(BaseModel):
    claim_type: ClaimType
    allowed: bool
    reason: str | None = Field(description="Why the type is not allowed for this product")


class ClaimOptions(BaseModel):
    claim_types: list[ClaimTypeOption]
    problems: list[str] = Field(description="Choose one of these as problem_code, when not empty")
    asks_seal: bool = Field(
        default=False,
        description="A return needs seal_intact: data carriers, software and hygiene goods are "
        "returned unopened only",
    )
    return_fee: Decimal | None = Field(
        default=None,
        description="A return of this product would be the customer's 4th or later within 12 "
        "months: the administrative fee (10 % of the price, złote) it would carry; None: none",
    )


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
                claim_type=verdict.claim_type,
                allowed=verdict.refusal is None,
                reason=refusal_text(verdict.refusal, language) if verdict.refusal else None,
            )
            for verdict in options.claim_types
        ],
        problems=options.problems,
        asks_seal=options.asks_seal,
        return_fee=options.return_fee,
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
    known = await handlers.serial_known(ctx, serial)
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
    "/api/claims/{claim_id}/cancel",
    tags=["claims"],
    summary="Cancel an own claim before receipt",
    responses=STATE_REFUSAL,
)
async def cancel(
    claim_id: UUID, customer: Customer, ctx: Context, correlation: CorrelationId
) -> dict[str, str]:
    await handlers.run_command(
        ctx, claim_id, actor_of(customer), correlation, lambda claim, act: claim.cancel(act)
    )
    return {"status": "cancelled"}


class CustomerAnswer(BaseModel):
    message: str = Field(min_length=2, max_length=5000)


@router.post(
    "/api/claims/{claim_id}/answer",
    tags=["claims"],
    summary="Send the information the service asked for",
    responses=STATE_REFUSAL,
)
async def answer(
    claim_id: UUID,
    body: CustomerAnswer,
    customer: Customer,
    ctx: Context,
    correlation: CorrelationId,
) -> dict[str, str]:
    await handlers.run_command(
        ctx,
        claim_id,
        actor_of(customer),
        correlation,
        lambda claim, act: claim.answer(act, body.message),
    )
    return {"status": "in_inspection"}


@router.post(
    "/api/claims/{claim_id}/answer-with-attachments",
    tags=["claims"],
    summary="Send the information asked for with photos or documents (PDF, JPEG, PNG)",
    responses={
        **STATE_REFUSAL,
        413: {"description": "A file is larger than 10 MB"},
        415: {"description": "A file is not a PDF, JPEG or PNG (checked by content)"},
    },
)
async def answer_with_attachments(
    claim_id: UUID,
    customer: Customer,
    ctx: Context,
    correlation: CorrelationId,
    message: Annotated[str, Form(min_length=2, max_length=5000)],
    attachments: Annotated[list[UploadFile], File(description="Up to 5 files")],
) -> dict[str, str]:
    files = [
        handlers.checked_attachment(await read_upload(upload), "answer")
        for upload in attachments[:5]
    ]
    await handlers.run_command(
        ctx,
        claim_id,
        actor_of(customer),
        correlation,
        lambda claim, act: claim.answer(act, message, tuple(files)),
    )
    return {"status": "in_inspection"}


class OfferAnswer(BaseModel):
    accept: bool


async def _answer_offer(
    ctx: handlers.ClaimsContext,
    claim_id: UUID,
    customer: Principal,
    correlation: UUID,
    offer: OfferKind,
    accept: bool,
) -> dict[str, bool]:
    await handlers.run_command(
        ctx,
        claim_id,
        actor_of(customer),
        correlation,
        lambda claim, act: claim.answer_offer(act, offer, accept),
    )
    return {"accepted": accept}


@router.post(
    "/api/claims/{claim_id}/price-reduction",
    tags=["claims"],
    summary="Accept or refuse an offered price reduction",
    responses=STATE_REFUSAL,
)
async def price_reduction(
    claim_id: UUID, body: OfferAnswer, customer: Customer, ctx: Context, correlation: CorrelationId
) -> dict[str, bool]:
    return await _answer_offer(ctx, claim_id, customer, correlation, "price_reduction", body.accept)


@router.post(
    "/api/claims/{claim_id}/quote",
    tags=["claims"],
    summary="Accept (repair follows) or refuse (shipped back unrepaired) a paid-repair quote",
    responses=STATE_REFUSAL,
)
async def quote(
    claim_id: UUID, body: OfferAnswer, customer: Customer, ctx: Context, correlation: CorrelationId
) -> dict[str, bool]:
    return await _answer_offer(
        ctx, claim_id, customer, correlation, "paid_repair_quote", body.accept
    )


@router.post(
    "/api/claims/{claim_id}/deductions",
    tags=["claims"],
    summary="A return's deductions: accept the reduced refund, or refuse and take the goods back",
    responses=STATE_REFUSAL,
)
async def deductions(
    claim_id: UUID, body: OfferAnswer, customer: Customer, ctx: Context, correlation: CorrelationId
) -> dict[str, bool]:
    return await _answer_offer(
        ctx, claim_id, customer, correlation, "return_deductions", body.accept
    )


class ParcelScan(BaseModel):
    code: str | None = Field(
        default=None,
        max_length=60,
        description="What the scanner read from the label, RMA number or tracking number (the "
        "service tells which); instead of `rma_number` / `tracking_number`",
        examples=["RMA/17/SR/2026"],
    )
    rma_number: str | None = Field(default=None, max_length=40, examples=["RMA/17/SR/2026"])
    tracking_number: str | None = Field(default=None, max_length=60)
    contents_checked: list[Annotated[str, Field(max_length=200)]] | None = Field(
        default=None,
        max_length=50,
        description="The declared items found in the parcel (the intake checklist); the others "
        "are recorded as missing. Absent: the contents were not checked",
    )
    serial_number_read: str | None = Field(
        default=None,
        max_length=60,
        description="The serial number read from the device; one that is not the claim's flags "
        "the claim for the operators",
    )
    seal_intact: bool | None = Field(
        default=None,
        description="Sealed goods (data carriers, software, hygiene): the seal as found; an "
        "opened one excludes a return",
    )


class ParcelScanned(BaseModel):
    parcel_id: UUID
    claim_id: UUID | None
    rma_number: str | None
    duplicate: bool
    identified: bool
    attention: str | None = Field(
        default=None, description="Recorded and queued for an operator (cancelled/closed claim)"
    )
    serial_mismatch: bool = Field(
        default=False, description="The device's serial number is not the claim's: flagged"
    )
    missing_items: list[str] = Field(
        default_factory=list, description="Declared items not found in the parcel"
    )


@router.post(
    "/api/parcels",
    response_model=ParcelScanned,
    tags=["parcels"],
    summary="A scanner posts a parcel's receipt (RMA number or tracking number from the label)",
)
async def scan_parcel(
    body: ParcelScan, scanner: Scanner, ctx: Context, correlation: CorrelationId
) -> ParcelScanned:
    label = handlers.read_parcel_label(body.code, body.rma_number, body.tracking_number)
    found = (body.contents_checked, body.serial_number_read, body.seal_intact)
    check = (
        IntakeCheck(
            tuple(body.contents_checked) if body.contents_checked is not None else None,
            body.serial_number_read,
            body.seal_intact,
        )
        if any(fact is not None for fact in found)
        else None
    )
    keyed = idempotent_request()
    if keyed is not None and keyed.made is not None:
        # Received by this key's first request, which died before its answer was recorded.
        result = await handlers.parcel_scanned(ctx, UUID(keyed.made))
    else:
        result = await handlers.receive_parcel(
            ctx, actor_of(scanner), label, correlation, check, keyed
        )
    return ParcelScanned(
        parcel_id=result.parcel_id,
        claim_id=result.claim_id,
        rma_number=result.rma_number,
        duplicate=result.duplicate,
        identified=result.claim_id is not None,
        attention=result.attention,
        serial_mismatch=result.serial_mismatch,
        missing_items=list(result.missing_items),
    )


@router.get(
    "/api/scanner/lookup",
    response_model=LabelLookupPublic,
    tags=["parcels"],
    summary="What a scanned label is (scanners): the claim, its declared contents and serial "
    "number, and what a receipt would do now",
)
async def look_up_label(
    _scanner: Scanner,
    ctx: Context,
    code: Annotated[str, Query(max_length=200, description="RMA number or tracking number")],
) -> LabelLookupPublic:
    return label_lookup_public(await handlers.look_up_label(ctx, code))


@router.get(
    "/api/claims/{claim_id}/label",
    tags=["claims"],
    summary="The printable parcel label (PDF) with the RMA number as a barcode",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def label(claim_id: UUID, customer: Customer, ctx: Context) -> Response:
    rma_number = (await handlers.load_claim(ctx, claim_id, customer.subject)).rma_number
    return Response(
        render_label(rma_number),
        media_type="application/pdf",
        headers={"Content-Disposition": attachment_disposition(label_file_name(rma_number))},
    )


@router.get(
    "/api/claims/{claim_id}/form",
    tags=["claims"],
    summary="The claim's own paper, filled in (PDF): the statement of withdrawal for a return, "
    "the complaint form otherwise",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}, 404: {"description": "Not own"}},
)
async def customer_form(claim_id: UUID, customer: Customer, ctx: Context) -> Response:
    claim = await handlers.load_claim(ctx, claim_id, customer.subject)
    return Response(
        render_customer_form(claim),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{customer_forms.file_name(claim)}"'
        },
    )
