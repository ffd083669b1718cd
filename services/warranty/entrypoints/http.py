"""HTTP entry points of warranty: the support-period check by EAN."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, Field

from services.warranty import handlers
from services.warranty.adapters import repository
from services.warranty.domain.ean import InvalidEan, validate_gtin13
from services.warranty.domain.products import ProductCategory
from shared.auth import Principal, require_role
from shared.errors import BusinessRuleError, Message
from shared.http import CorrelationId

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


Customer = Annotated[Principal, Depends(require_role("customer"))]
Operator = Annotated[Principal, Depends(require_role("operator"))]
Context = Annotated[handlers.WarrantyContext, Depends(get_context)]


class ProductPublic(BaseModel):
    ean: str
    sku: str
    name: str
    brand: str
    category: str
    outlet: bool
    serial_required: bool | None
    problems: list[str] = Field(description="Problems to choose from when filing a claim")


class CatalogueEntry(BaseModel):
    ean: str = Field(max_length=20, examples=["5901234123457"])
    sku: str = Field(min_length=1, max_length=100)
    name: str = Field(min_length=1, max_length=300)
    brand: str = Field(min_length=1, max_length=100)
    category: ProductCategory
    outlet: bool = False
    problems: list[str] = Field(default_factory=list, max_length=50)
    serial_required: bool | None = None


class RegistrationCreate(BaseModel):
    ean: str = Field(max_length=20, examples=["5901234123457"])
    serial_number: str = Field(min_length=3, max_length=60, examples=["DU-2025-000003"])
    purchased_on: date


class RegistrationPublic(BaseModel):
    registration_id: UUID
    registered_on: date
    message: str


def _ean(code: str) -> str:
    try:
        return validate_gtin13(code)
    except InvalidEan as error:
        raise BusinessRuleError(
            "ean_invalid", Message(error.message_pl, error.message_en), field="ean"
        ) from None


@router.get(
    "/api/products/{ean}",
    response_model=ProductPublic,
    tags=["catalogue"],
    summary="A product of the catalogue, with the problem list its claim form needs",
)
async def product(ean: str, ctx: Context) -> ProductPublic:
    async with ctx.pool.acquire() as conn:
        found = await repository.get_product(conn, _ean(ean))
    if found is None:
        raise BusinessRuleError(
            "product_unknown",
            Message("Nie znaleźliśmy produktu o tym kodzie EAN.", "No product with this EAN."),
            field="ean",
            status_code=404,
        )
    return ProductPublic(**{key: found[key] for key in ProductPublic.model_fields})


@router.post(
    "/api/admin/catalogue",
    tags=["catalogue"],
    summary="Import catalogue entries (names, categories, problem lists); operators only",
)
async def import_catalogue(
    entries: list[CatalogueEntry], _operator: Operator, ctx: Context
) -> dict[str, int]:
    products = [{**entry.model_dump(), "ean": _ean(entry.ean)} for entry in entries]
    return {"imported": await handlers.import_catalogue(ctx.pool, products)}


@router.post(
    "/api/registrations",
    status_code=201,
    response_model=RegistrationPublic,
    tags=["warranty"],
    summary="Register a Dualtron, Kaabo or Nami scooter (within 30 days: 24 months' warranty)",
)
async def register_scooter(
    body: RegistrationCreate,
    customer: Customer,
    ctx: Context,
    correlation: CorrelationId,
) -> RegistrationPublic:
    event = await handlers.register_product(
        ctx,
        handlers.ProductRegistration(
            customer.subject, **{**body.model_dump(), "ean": _ean(body.ean)}
        ),
        correlation,
    )
    return RegistrationPublic(
        registration_id=event.data.registration_id,
        registered_on=event.data.registered_on,
        message="Hulajnoga została zarejestrowana.",
    )
