"""HTTP entry points of claims."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID, uuid4

from fastapi import APIRouter, Depends, Header, HTTPException, Request, status
from pydantic import BaseModel, Field

from services.claims import handlers
from services.claims.adapters import repository
from shared.auth import Principal, require_role
from shared.events import ClaimType

router = APIRouter()


def get_context(request: Request) -> handlers.ClaimsContext:
    context: handlers.ClaimsContext = request.app.state.claims
    return context


Context = Annotated[handlers.ClaimsContext, Depends(get_context)]
Customer = Annotated[Principal, Depends(require_role("customer"))]


def correlation_id(x_correlation_id: Annotated[UUID | None, Header()] = None) -> UUID:
    return x_correlation_id or uuid4()


class ClaimCreate(BaseModel):
    document_type: Literal["PA", "FS"] = Field(examples=["PA"])
    document_number: str = Field(min_length=1, max_length=40, examples=["2025/000001"])
    line_no: int = Field(ge=1, description="Line of the purchase document with the product")
    claim_type: ClaimType = Field(examples=["warranty"])
    serial_number: str | None = Field(default=None, max_length=60)
    problem_description: str = Field(min_length=10, max_length=5000)
    problem_code: str | None = Field(default=None, max_length=200)
    tracking_number: str | None = Field(default=None, max_length=60)
    package_contents: str = Field(min_length=2, max_length=1000)
    customer_reference: str | None = Field(default=None, max_length=60)


class ClaimCreatedPublic(BaseModel):
    claim_id: UUID
    rma_number: str
    status: str


class TimelineEntry(BaseModel):
    status: str
    actor: str
    note: str | None
    at: datetime


class ClaimPublic(BaseModel):
    claim_id: UUID
    rma_number: str
    status: str
    claim_type: str
    product: dict[str, Any]
    serial_number: str | None
    customer_reference: str | None
    assessment: dict[str, Any] | None
    timeline: list[TimelineEntry]


@router.post(
    "/api/claims",
    status_code=status.HTTP_201_CREATED,
    response_model=ClaimCreatedPublic,
    tags=["claims"],
    summary="File a claim for a product on a linked purchase document; assigns the RMA number",
)
async def file_claim(
    body: ClaimCreate,
    customer: Customer,
    ctx: Context,
    correlation: Annotated[UUID, Depends(correlation_id)],
) -> ClaimCreatedPublic:
    event = await handlers.create_claim(
        ctx, handlers.NewClaim(account_id=customer.subject, **body.model_dump()), correlation
    )
    return ClaimCreatedPublic(
        claim_id=event.data.claim_id, rma_number=event.data.rma_number, status="submitted"
    )


@router.get(
    "/api/claims/{claim_id}", response_model=ClaimPublic, tags=["claims"], summary="One own claim"
)
async def get_claim(claim_id: UUID, customer: Customer, ctx: Context) -> ClaimPublic:
    async with ctx.pool.acquire() as conn:
        claim = await repository.get_claim_of_account(conn, claim_id, customer.subject)
        if claim is None:
            # 404 rather than 403: another customer's claim must not be confirmed to exist.
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Nie znaleziono zgłoszenia.")
        entries = await repository.timeline(conn, claim_id)
    return ClaimPublic(
        **{key: claim[key] for key in ClaimPublic.model_fields if key != "timeline"},
        timeline=[TimelineEntry(**dict(entry)) for entry in entries],
    )
