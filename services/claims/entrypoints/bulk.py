"""HTTP entry points of claims filed in bulk (issue 25 §6): a company's CSV previewed row by row,
then filed as one shipment with one label; the warehouse's checklist of a scanned shipment."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, File, Query, Request, Response, UploadFile, status
from pydantic import BaseModel, Field

from services.claims import bulk_filing
from services.claims.domain.bulk import MAX_CSV_BYTES, MAX_ROWS, REQUIRED_COLUMNS
from services.claims.domain.shipment import RefusedRow, Shipment
from services.claims.entrypoints.http import Context, Customer, Scanner, read_upload
from shared.errors import preferred_language
from shared.http import CorrelationId, attachment_disposition
from shared.idempotency import idempotent_request
from shared.labels import label_file_name
from shared.service_centre import SERVICE_CENTRE
from shared.shipment_label import render_shipment_label

router = APIRouter(tags=["bulk claims"])

CSV_DESCRIPTION = (
    f"CSV in UTF-8 (`,` or `;` apart), at most {MAX_CSV_BYTES // 1024} KB and {MAX_ROWS} rows, "
    f"with the columns {', '.join(REQUIRED_COLUMNS)} (optional: type, contents); document as "
    "`FS/2026/00012`"
)
REFUSED_WHOLE = {
    403: {"description": "Not a company account (bulk claims are for resellers)"},
    413: {"description": "The file is too large"},
    415: {"description": "Not a CSV file (or the sales document is no PDF, JPEG or PNG)"},
    422: {"description": "The file cannot be read (encoding, columns, rows); nothing changed"},
}


class RowVerdictPublic(BaseModel):
    row_no: int = Field(description="The row's number in the file (the header is row 1)")
    accepted: bool
    claim_id: UUID | None = None
    rma_number: str | None = None
    code: str | None = Field(default=None, description="The refusal's code")
    field: str | None = None
    message: str | None = Field(default=None, description="Why the row is refused")


class PreviewPublic(BaseModel):
    accepted: int
    refused: int
    rows: list[RowVerdictPublic]


class ShipmentPublic(BaseModel):
    shipment_id: UUID
    shipment_number: str
    created_at: datetime
    accepted: int
    refused: int
    rows: list[RowVerdictPublic]
    message: str


async def _read_csv(upload: UploadFile) -> bytes:
    # One byte past the limit: enough to refuse a larger file without holding all of it.
    return await upload.read(MAX_CSV_BYTES + 1)


def _row(verdict: bulk_filing.RowVerdict, language: str) -> RowVerdictPublic:
    refused: RefusedRow | None = verdict.refused
    message = refused.message(language) if refused is not None else None
    return RowVerdictPublic(
        row_no=verdict.row_no,
        accepted=refused is None,
        claim_id=verdict.claim_id,
        rma_number=verdict.rma_number,
        code=refused.code if refused else None,
        field=refused.field if refused else None,
        message=message,
    )


@router.post(
    "/api/bulk-claims/preview",
    response_model=PreviewPublic,
    summary="Every row's verdict before anything is filed (company accounts): a dry run",
    responses=REFUSED_WHOLE,  # type: ignore[arg-type]
)
async def preview(
    request: Request,
    customer: Customer,
    ctx: Context,
    correlation: CorrelationId,
    file: Annotated[UploadFile, File(description=CSV_DESCRIPTION)],
) -> PreviewPublic:
    verdicts = await bulk_filing.preview(ctx, customer.subject, await _read_csv(file), correlation)
    rows = [_row(v, preferred_language(request)) for v in verdicts]
    accepted = sum(row.accepted for row in rows)
    return PreviewPublic(accepted=accepted, refused=len(rows) - accepted, rows=rows)


def shipment_public(shipment: Shipment, language: str) -> ShipmentPublic:
    """The answer to a filed shipment: the same to its request and to a retry of it."""
    rows = [_row(v, language) for v in bulk_filing.verdicts_of(shipment)]
    return ShipmentPublic(
        shipment_id=shipment.shipment_id,
        shipment_number=shipment.shipment_number,
        created_at=shipment.created_at,
        accepted=len(shipment.claims),
        refused=len(shipment.refused),
        rows=rows,
        message=(
            f"Zapisano {len(shipment.claims)} zgłoszeń w wysyłce {shipment.shipment_number}. "
            f"Wydrukuj etykietę wysyłki, naklej ją na paczkę i wyślij do: "
            f"{SERVICE_CENTRE.one_line}."
        ),
    )


@router.post(
    "/api/bulk-claims",
    status_code=status.HTTP_201_CREATED,
    response_model=ShipmentPublic,
    summary="File the accepted rows as claims of one shipment (company accounts); refused rows "
    "are left out with their reasons",
    responses=REFUSED_WHOLE,  # type: ignore[arg-type]
)
async def file_bulk(
    request: Request,
    customer: Customer,
    ctx: Context,
    correlation: CorrelationId,
    file: Annotated[UploadFile, File(description=CSV_DESCRIPTION)],
    document: Annotated[
        UploadFile, File(description="The sales documents (PDF, JPEG or PNG), kept with each claim")
    ],
) -> ShipmentPublic:
    language = preferred_language(request)
    keyed = idempotent_request()
    if keyed is not None and keyed.made is not None:
        # Filed by this key's first request, which died before its answer was recorded.
        made = await bulk_filing.own_shipment(ctx, UUID(keyed.made), customer.subject)
        return shipment_public(made, language)
    shipment = await bulk_filing.file_shipment(
        ctx,
        customer.subject,
        await _read_csv(file),
        await read_upload(document),
        correlation,
        keyed,
    )
    return shipment_public(shipment, language)


@router.get(
    "/api/shipments/{shipment_id}",
    response_model=ShipmentPublic,
    summary="An own shipment of claims filed in bulk, with every row's verdict",
    responses={404: {"description": "No such shipment (or another customer's)"}},
)
async def get_shipment(
    request: Request, shipment_id: UUID, customer: Customer, ctx: Context
) -> ShipmentPublic:
    shipment = await bulk_filing.own_shipment(ctx, shipment_id, customer.subject)
    return shipment_public(shipment, preferred_language(request))


@router.get(
    "/api/shipments/{shipment_id}/label",
    summary="The shipment's one label (PDF): its number as a barcode and every RMA number",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}, 404: {"description": "Not own"}},
)
async def shipment_label(shipment_id: UUID, customer: Customer, ctx: Context) -> Response:
    shipment = await bulk_filing.own_shipment(ctx, shipment_id, customer.subject)
    numbers = [claim.rma_number for claim in sorted(shipment.claims, key=lambda c: c.row_no)]
    return Response(
        render_shipment_label(shipment.shipment_number, numbers),
        media_type="application/pdf",
        headers={
            "Content-Disposition": attachment_disposition(label_file_name(shipment.shipment_number))
        },
    )


class ChecklistItemPublic(BaseModel):
    claim_id: UUID
    rma_number: str
    row_no: int
    product_name: str
    serial_number: str | None
    status: str
    received: bool
    received_at: datetime | None


class ChecklistPublic(BaseModel):
    shipment_id: UUID
    shipment_number: str
    received: int
    items: list[ChecklistItemPublic]


@router.get(
    "/api/scanner/shipments",
    response_model=ChecklistPublic,
    tags=["parcels"],
    summary="A scanned shipment label's claims as a checklist (scanners): each received or not",
    responses={404: {"description": "No shipment has this number"}},
)
async def scanner_checklist(
    _scanner: Scanner,
    ctx: Context,
    code: Annotated[str, Query(max_length=200, description="The shipment number")],
) -> ChecklistPublic:
    found = await bulk_filing.checklist(ctx, code)
    items = [
        ChecklistItemPublic(**vars(item), received=item.received_at is not None)
        for item in found.items
    ]
    return ChecklistPublic(
        shipment_id=found.shipment.shipment_id,
        shipment_number=found.shipment.shipment_number,
        received=sum(item.received for item in items),
        items=items,
    )
