"""Service layer of warranty: the support-period check and the assessment of each claim."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

import asyncpg

from services.warranty.adapters import repository
from services.warranty.domain.deadlines import claim_deadlines
from services.warranty.domain.ean import validate_gtin13
from services.warranty.domain.eligibility import claim_type_eligibility
from services.warranty.domain.engine import (
    ProductPurchase,
    WarrantyVerdict,
    assess,
    assess_support_period,
)
from services.warranty.domain.products import ProductCategory
from shared.db import Conn
from shared.errors import BusinessRuleError, Message
from shared.events import (
    ClaimCreated,
    Deadline,
    SaleRecorded,
    WarrantyAssessed,
    WarrantyAssessedData,
)
from shared.logging import get_logger
from shared.outbox import add_to_outbox

log = get_logger(__name__)
PRODUCER = "warranty"


@dataclass
class WarrantyContext:
    pool: asyncpg.Pool
    today: Callable[[], date] = lambda: datetime.now(UTC).date()


async def record_sale(conn: Conn, event: SaleRecorded) -> None:
    await repository.record_products_sold(conn, event.data)


@dataclass(frozen=True)
class SupportPeriod:
    ean: str
    name: str
    brand: str
    last_sold_on: date
    verdict: WarrantyVerdict


async def support_period(ctx: WarrantyContext, code: str) -> SupportPeriod:
    """Seed 000: the support period is judged from the last date the distributor sold it."""
    ean = validate_gtin13(code)
    async with ctx.pool.acquire() as conn:
        product = await repository.get_product(conn, ean)
    if product is None or product["last_sold_on"] is None:
        raise BusinessRuleError(
            "product_unknown",
            Message(
                "Nie znaleźliśmy produktu o tym kodzie EAN w sprzedaży INNPRO.",
                "We found no product with this EAN among INNPRO's sales.",
            ),
            field="ean",
            status_code=404,
        )
    verdict = assess_support_period(
        product["brand"],
        ProductCategory.parse(product["category"]),
        product["last_sold_on"],
        ctx.today(),
        outlet=product["outlet"],
    )
    return SupportPeriod(ean, product["name"], product["brand"], product["last_sold_on"], verdict)


async def assess_claim(conn: Conn, event: ClaimCreated) -> None:
    claim = event.data
    # Judged on the day the claim was filed, whenever the event is handled.
    claimed_on = event.occurred_at.date()
    registered_on = await repository.registration_date(conn, claim.product.ean, claim.serial_number)
    purchase = ProductPurchase(
        brand=claim.product.brand,
        category=ProductCategory.parse(claim.product.category),
        buyer=claim.buyer_type,
        sold_on=claim.sold_on,
        delivered_on=claim.delivered_on,
        outlet=claim.product.outlet,
        registered_on=registered_on,
        claim_type=claim.claim_type,
    )
    verdict = assess(purchase, claimed_on)
    eligibility = claim_type_eligibility(
        claim.claim_type,
        claim.product.brand,
        claim.buyer_type,
        claim.delivered_on or claim.sold_on,
        claimed_on,
    )
    deadlines = claim_deadlines(
        claim.claim_type, claim.product.brand, claim.buyer_type, claimed_on, received_on=None
    )
    assessed = WarrantyAssessed(
        producer=PRODUCER,
        key=str(claim.claim_id),
        correlation_id=event.correlation_id,
        data=WarrantyAssessedData(
            claim_id=claim.claim_id,
            rma_number=claim.rma_number,
            account_id=claim.account_id,
            email=claim.email,
            language=claim.language,
            covered=verdict.covered,
            warranty_until=verdict.ends_on,
            rule=verdict.rule,
            reason=verdict.reason,
            claim_type_allowed=eligibility.allowed,
            claim_type_reason=eligibility.reason,
            deadlines=tuple(
                Deadline(kind=d.kind, due_on=d.due_on, description=d.description) for d in deadlines
            ),
        ),
    )
    await repository.save_assessment(
        conn,
        claim.claim_id,
        claim.rma_number,
        claim.model_dump(mode="json"),
        assessed.data.model_dump(mode="json"),
    )
    await add_to_outbox(conn, assessed)
    log.info("claim assessed", claim_id=str(claim.claim_id), rule=verdict.rule)
