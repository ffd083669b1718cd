"""HTTP entry points of notifications: what operators see of the emails sent to customers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field

from services.notifications.adapters import repository
from shared.auth import Principal, require_role

router = APIRouter(prefix="/api/emails", tags=["emails"])

EmailStatus = Literal["pending", "sent", "failed"]


def get_pool(request: Request) -> asyncpg.Pool:
    pool: asyncpg.Pool = request.app.state.notifications_pool
    return pool


Pool = Annotated[asyncpg.Pool, Depends(get_pool)]
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
    pool: Pool,
    account_id: UUID | None = None,
    claim_id: UUID | None = None,
    status: EmailStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[EmailPublic]:
    async with pool.acquire() as conn:
        rows = await repository.list_emails(
            conn, account_id=account_id, claim_id=claim_id, status=status, limit=limit
        )
    return [EmailPublic(**dict(row)) for row in rows]


@router.get("/failed/count", summary="How many emails could not be sent (dashboard)")
async def failed_count(_operator: Operator, pool: Pool) -> FailedCount:
    async with pool.acquire() as conn:
        return FailedCount(failed=await repository.count_failed(conn))


@router.post(
    "/failed/resend",
    summary="Send every failed email again (operators)",
    description="Each failed email goes back to the queue with a new retry period; "
    "it keeps its Message-ID, so a customer's mail client folds a copy already received.",
)
async def resend_all_failed(_operator: Operator, pool: Pool) -> Resent:
    async with pool.acquire() as conn, conn.transaction():
        return Resent(resent=await repository.resend_failed(conn))


@router.post(
    "/{email_id}/resend",
    summary="Send one failed email again (operators)",
    responses={404: {"description": "No such email"}, 409: {"description": "Not failed"}},
)
async def resend_one(email_id: UUID, _operator: Operator, pool: Pool) -> Resent:
    async with pool.acquire() as conn, conn.transaction():
        resent = await repository.resend_failed(conn, email_id)
        if not resent:
            status = await repository.email_status(conn, email_id)
            if status is None:
                raise HTTPException(404, f"No email {email_id}.")
            raise HTTPException(409, f"Email {email_id} is {status}, not failed: not resent.")
    return Resent(resent=resent)
