"""HTTP entry point of the finance export: a month's refunds and paid charges as CSV for
accounting (issue 25 §1)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from services.claims import handlers
from services.claims.entrypoints.http import Context, Operator

router = APIRouter(tags=["operators"])


@router.get(
    "/api/operator/finance.csv",
    summary="A month's money movements as CSV: refunds (negative) and paid charges, in grosze",
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {}}, "description": "One row per movement, then the total"},
        422: {"description": "The month is not YYYY-MM"},
    },
)
async def finance_csv(
    _operator: Operator,
    ctx: Context,
    month: Annotated[str, Query(max_length=20, description="YYYY-MM", examples=["2026-03"])],
) -> Response:
    text = await handlers.finance_export(ctx, month)
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="rma-finance-{month}.csv"'},
    )
