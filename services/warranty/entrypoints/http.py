"""HTTP entry points of warranty: the support-period check by EAN."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel

from services.warranty import handlers
from services.warranty.domain.ean import InvalidEan
from shared.errors import BusinessRuleError, Message

router = APIRouter()


def get_context(request: Request) -> handlers.WarrantyContext:
    context: handlers.WarrantyContext = request.app.state.warranty
    return context


class SupportPeriodPublic(BaseModel):
    ean: str
    name: str
    brand: str
    last_sold_on: date
    rule: str
    covered: bool
    support_until: date | None
    reason: str


@router.get(
    "/api/support-period/{ean}",
    response_model=SupportPeriodPublic,
    tags=["warranty"],
    summary="The support period of a product, from the last date the distributor sold it",
    responses={
        422: {"description": "The EAN/GTIN-13 is malformed or its check digit is wrong"},
        404: {"description": "The distributor never sold a product with this EAN"},
    },
)
async def support_period(
    ean: Annotated[str, Path(examples=["5901234123457"], max_length=20)],
    ctx: Annotated[handlers.WarrantyContext, Depends(get_context)],
) -> SupportPeriodPublic:
    try:
        found = await handlers.support_period(ctx, ean)
    except InvalidEan as error:
        raise BusinessRuleError(
            "ean_invalid", Message(error.message_pl, error.message_en), field="ean"
        ) from None
    return SupportPeriodPublic(
        ean=found.ean,
        name=found.name,
        brand=found.brand,
        last_sold_on=found.last_sold_on,
        rule=found.verdict.rule,
        covered=found.verdict.covered,
        support_until=found.verdict.ends_on,
        reason=found.verdict.reason,
    )
