"""HTTP entry points of DJI's official service for operators: the unit handed to the
manufacturer, and its return with the manufacturer's written statement (issue 25 section 3)."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, File, Form, UploadFile
from pydantic import BaseModel, Field

from services.claims import handlers
from services.claims.entrypoints.http import (
    STATE_REFUSAL,
    Context,
    Operator,
    actor_of,
    read_upload,
)
from services.claims.entrypoints.views import ManufacturerHandoffPublic, handoffs_public
from shared.http import CorrelationId
from shared.idempotency import idempotent_request

router = APIRouter(tags=["operators"])


class HandoffCreate(BaseModel):
    case_number: str = Field(
        max_length=60,
        description="The case number DJI's service assigned: 3-40 letters, digits and - / _ .",
        examples=["DJI-PL-2026-00042"],
    )
    sent_on: date = Field(description="The day the unit left (not in the future)")


async def _trip(
    ctx: handlers.ClaimsContext, claim_id: UUID, trip: int
) -> ManufacturerHandoffPublic:
    claim = await handlers.load_claim(ctx, claim_id, None)
    return handoffs_public(claim)[trip - 1]


@router.post(
    "/api/operator/claims/{claim_id}/manufacturer-handoff",
    summary="Hand a DJI unit to DJI's official service: its case number and the day sent (the "
    "DJI 60-working-day deadline stands still until it is back)",
    response_model=ManufacturerHandoffPublic,
    responses=STATE_REFUSAL,
)
async def send_to_manufacturer(
    claim_id: UUID,
    body: HandoffCreate,
    operator: Operator,
    ctx: Context,
    correlation: CorrelationId,
) -> ManufacturerHandoffPublic:
    idempotent = idempotent_request()
    if idempotent is None or idempotent.made is None:
        trip = await handlers.send_to_manufacturer(
            ctx,
            claim_id,
            actor_of(operator),
            correlation,
            body.case_number,
            body.sent_on,
            idempotent,
        )
    else:  # sent by this key's first request, which died before its answer was recorded
        trip = int(idempotent.made)
    return await _trip(ctx, claim_id, trip)


@router.post(
    "/api/operator/claims/{claim_id}/manufacturer-handoff/return",
    summary="The unit came back from DJI's official service: the day back, DJI's remark and its "
    "written statement (a DJI replacement needs it)",
    response_model=ManufacturerHandoffPublic,
    responses={
        **STATE_REFUSAL,
        413: {"description": "The file is larger than 10 MB"},
        415: {"description": "The file is not a PDF, JPEG or PNG (checked by content)"},
    },
)
async def receive_from_manufacturer(
    claim_id: UUID,
    operator: Operator,
    ctx: Context,
    correlation: CorrelationId,
    back_on: Annotated[date, Form(description="The day the unit came back (not in the future)")],
    remark: Annotated[str | None, Form(max_length=2000)] = None,
    statement: Annotated[
        UploadFile | None, File(description="DJI's written statement: PDF, JPEG or PNG")
    ] = None,
) -> ManufacturerHandoffPublic:
    attachment = None
    if statement is not None and statement.filename:
        upload = await read_upload(statement)
        attachment = handlers.checked_attachment(upload, "manufacturer_statement")
    await handlers.run_command(
        ctx,
        claim_id,
        actor_of(operator),
        correlation,
        lambda claim, act: claim.receive_from_manufacturer(act, back_on, attachment, remark),
    )
    claim = await handlers.load_claim(ctx, claim_id, None)
    return handoffs_public(claim)[-1]
