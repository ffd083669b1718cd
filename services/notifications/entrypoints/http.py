"""HTTP entry points of notifications: what operators see of the emails sent to customers."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from services.notifications import handlers
from services.notifications.unit_of_work import EmailStatus
from shared.auth import Principal, require_role

router = APIRouter(prefix="/api/emails", tags=["emails"])


def get_context(request: Request) -> handlers.NotificationsContext:
    ctx: handlers.NotificationsContext = request.app.state.notifications
    return ctx


Context = Annotated[handlers.NotificationsContext, Depends(get_context)]
Operator = Annotated[Principal, Depends(require_role("operator"))]


class EmailPublic(BaseModel):
    email_id: UUID
    event_type: str = Field(examples=["ClaimCreated"])
    recipient: str = Field(examples=["jan.kowalski@example.com"])
    subject: str = Field(examples=["Zgłoszenie RMA/1024/SR/2026 przyjęte"])
    status: EmailStatus
    attempts: int = Field(description="SMTP attempts so far")
    last_error: str | None = Field(description="The last SMTP error, while not sent")
    created_at: datetime
    sent_at: datetime | None
    rma_number: str | None = Field(examples=["RMA/1024/SR/2026"])
    account_id: UUID | None
    claim_id: UUID | None


class Resent(BaseModel):
    resent: list[UUID] = Field(description="The emails put back in the sending queue")


class FailedCount(BaseModel):
    failed: int = Field(description="Emails given up after the last SMTP attempt", examples=[0])


@router.get("", summary="Emails sent or due, newest first (operators)")
async def list_emails(
    _operator: Operator,
    ctx: Context,
    account_id: UUID | None = None,
    claim_id: UUID | None = None,
    status: EmailStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[EmailPublic]:
    emails = await handlers.list_emails(
        ctx, account_id=account_id, claim_id=claim_id, status=status, limit=limit
    )
    return [EmailPublic(**asdict(email)) for email in emails]


@router.get("/failed/count", summary="How many emails could not be sent (dashboard)")
async def failed_count(_operator: Operator, ctx: Context) -> FailedCount:
    return FailedCount(failed=await handlers.count_failed(ctx))


@router.post(
    "/failed/resend",
    summary="Send every failed email again (operators)",
    description="Each failed email goes back to the queue with a new retry period; "
    "it keeps its Message-ID, so a customer's mail client folds a copy already received.",
)
async def resend_all_failed(_operator: Operator, ctx: Context) -> Resent:
    return Resent(resent=await handlers.resend_failed(ctx))


@router.post(
    "/{email_id}/resend",
    summary="Send one failed email again (operators)",
    responses={404: {"description": "No such email"}, 409: {"description": "Not failed"}},
)
async def resend_one(email_id: UUID, _operator: Operator, ctx: Context) -> Resent:
    return Resent(resent=await handlers.resend_failed(ctx, email_id))
