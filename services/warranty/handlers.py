"""Service layer of warranty: the support-period check and the assessment of each claim."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

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
from services.warranty.domain.products import ProductCategory, is_scooter_product
from shared.db import Conn
from shared.errors import BusinessRuleError, Message
from shared.events import (
    ClaimCreated,
    ClaimStatusChanged,
    Deadline,
    ProductCatalogued,
    ProductCataloguedData,
    ProductRegistered,
    ProductRegisteredData,
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
    registered_on, repair_days = await repository.product_history(
        conn, claim.product.ean, claim.serial_number
    )
    purchase = ProductPurchase(
        brand=claim.product.brand,
        category=ProductCategory.parse(claim.product.category),
        buyer=claim.buyer_type,
        sold_on=claim.sold_on,
        delivered_on=claim.delivered_on,
        outlet=claim.product.outlet,
        registered_on=registered_on,
        repair_days=repair_days,
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
        {**claim.model_dump(mode="json"), "claimed_on": claimed_on.isoformat()},
        assessed.data.model_dump(mode="json"),
    )
    await add_to_outbox(conn, assessed)
    log.info("claim assessed", claim_id=str(claim.claim_id), rule=verdict.rule)


async def _reassess_deadlines(conn: Conn, event: ClaimStatusChanged) -> None:
    """Repair and refund deadlines run from receipt: publish the assessment with their dates."""
    stored = await repository.get_assessment(conn, event.data.claim_id)
    if stored is None:
        return  # claims created before this service knew them; nothing to update
    claim, verdict = stored["claim"], stored["verdict"]
    deadlines = claim_deadlines(
        claim["claim_type"],
        claim["product"]["brand"],
        claim["buyer_type"],
        date.fromisoformat(claim["claimed_on"]),
        received_on=event.data.changed_at.date(),
    )
    data = WarrantyAssessedData.model_validate(
        {
            **verdict,
            "deadlines": [
                {"kind": d.kind, "due_on": d.due_on, "description": d.description}
                for d in deadlines
            ],
        }
    )
    await repository.save_assessment(
        conn, data.claim_id, data.rma_number, claim, data.model_dump(mode="json")
    )
    await add_to_outbox(
        conn,
        WarrantyAssessed(
            producer=PRODUCER,
            key=str(data.claim_id),
            correlation_id=event.correlation_id,
            data=data,
        ),
    )


# A claim's parcel accepted into the service starts a warranty repair; it ends when the product
# leaves (or the claim ends without it).
_REPAIR_ENDS = frozenset({"shipped_back", "refunded", "closed", "cancelled"})


async def record_status_change(conn: Conn, event: ClaimStatusChanged) -> None:
    change = event.data
    if change.to_status == "received":
        await _reassess_deadlines(conn, event)
    if change.to_status == "received" and change.claim_type in ("warranty", "dji"):
        await repository.start_repair(
            conn,
            change.claim_id,
            change.product.ean,
            change.serial_number,
            change.changed_at.date(),
        )
    elif change.to_status in _REPAIR_ENDS:
        await repository.end_repair(conn, change.claim_id, change.changed_at.date())


@dataclass(frozen=True)
class ProductRegistration:
    account_id: UUID
    ean: str
    serial_number: str
    purchased_on: date


async def register_product(
    ctx: WarrantyContext, command: ProductRegistration, correlation_id: UUID
) -> ProductRegistered:
    ean = validate_gtin13(command.ean)
    today = ctx.today()
    if command.purchased_on > today:
        raise BusinessRuleError(
            "purchase_date_in_future",
            Message(
                "Data zakupu nie może być z przyszłości.", "The purchase date is in the future."
            ),
            field="purchased_on",
        )
    registration_id = uuid4()
    event = ProductRegistered(
        producer=PRODUCER,
        key=str(registration_id),
        correlation_id=correlation_id,
        data=ProductRegisteredData(
            registration_id=registration_id,
            account_id=command.account_id,
            ean=ean,
            serial_number=command.serial_number.strip().upper(),
            purchased_on=command.purchased_on,
            registered_on=today,
        ),
    )
    async with ctx.pool.acquire() as conn, conn.transaction():
        product = await repository.get_product(conn, ean)
        if product is None or not is_scooter_product(product["brand"]):
            raise BusinessRuleError(
                "registration_not_needed",
                Message(
                    "Rejestracja dotyczy tylko hulajnóg Dualtron, Kaabo i Nami.",
                    "Registration applies only to Dualtron, Kaabo and Nami scooters.",
                ),
                field="ean",
            )
        if not await repository.insert_registration(conn, event.data.model_dump()):
            raise BusinessRuleError(
                "already_registered",
                Message(
                    "Ten egzemplarz (EAN i numer seryjny) jest już zarejestrowany.",
                    "This unit (EAN and serial number) is already registered.",
                ),
                field="serial_number",
                status_code=409,
            )
        await add_to_outbox(conn, event)
    return event


async def import_catalogue(pool: asyncpg.Pool, products: list[dict[str, Any]]) -> int:
    """Store the entries and announce each one, so claims learns the problem lists."""
    correlation_id = uuid4()
    async with pool.acquire() as conn, conn.transaction():
        for product in products:
            await repository.import_product(conn, product)
            await add_to_outbox(
                conn,
                ProductCatalogued(
                    producer=PRODUCER,
                    key=product["ean"],
                    correlation_id=correlation_id,
                    data=ProductCataloguedData.model_validate(product),
                ),
            )
    return len(products)
