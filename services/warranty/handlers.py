"""Service layer of warranty: the support-period check and the assessment of each claim."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

import asyncpg

from services.warranty.adapters import repository
from services.warranty.domain.deadlines import claim_deadlines
from services.warranty.domain.ean import validate_gtin13
from services.warranty.domain.engine import (
    ProductPurchase,
    ServiceRecord,
    WarrantyVerdict,
    assess,
    assess_support_period,
)
from services.warranty.domain.passport import (
    PastClaim,
    RepairFacts,
    RepeatedDefectFlag,
    ReplacementFacts,
    part_claimed_again,
    repeated_defect,
    service_records,
)
from services.warranty.domain.products import (
    ProductCategory,
    is_scooter_product,
    wear_part_of,
)
from services.warranty.domain.registration import RegistrationStanding, registration_standing
from services.warranty.domain.remedies import remedy_rule
from services.warranty.domain.rules import ServiceCase
from shared.calendar import polish_date
from shared.claims_vocabulary import ACTIVE_STATUSES, CLAIM_STATUSES
from shared.db import Conn
from shared.errors import BusinessRuleError, Message
from shared.events import (
    ClaimCreated,
    ClaimCreatedData,
    ClaimDecided,
    ClaimReplacementIssued,
    ClaimStatusChanged,
    Deadline,
    DocumentLinked,
    ProductCatalogued,
    ProductCataloguedData,
    ProductRegistered,
    ProductRegisteredData,
    RepeatedDefect,
    SaleRecorded,
    WarrantyAssessed,
    WarrantyAssessedData,
)
from shared.logging import get_logger
from shared.outbox import add_to_outbox

log = get_logger(__name__)
PRODUCER = "warranty"
CLAIM_TYPE_ALLOWED_BY_CLAIMS = "Rodzaj zgłoszenia dopuszczony przy jego złożeniu."


@dataclass
class WarrantyContext:
    pool: asyncpg.Pool
    today: Callable[[], date] = lambda: polish_date(datetime.now(UTC))


async def record_sale(conn: Conn, event: SaleRecorded) -> None:
    await repository.record_products_sold(conn, event.data)
    await repository.record_sold_units(conn, event.data)


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


@dataclass(frozen=True)
class UnitFacts:
    """What earlier events told warranty about the claimed unit (EAN and serial number)."""

    registered_on: date | None = None  # of this unit or of the unit it replaced
    activated_on: date | None = None  # outlet products: from the sales line
    service_history: tuple[ServiceRecord, ...] = ()
    earlier_claims: tuple[PastClaim, ...] = ()


def problem_of(claim: ClaimCreatedData) -> str:
    """The problem as the claim names it: the one chosen from the product's list, or described."""
    return claim.problem_code or claim.problem_description


def purchase_for_claim(
    claim: ClaimCreatedData, unit: UnitFacts, wear_part: ProductCategory | None = None
) -> ProductPurchase:
    """Everything the rules need about the claimed product: the claim's facts and the unit's,
    and the wear part its problem concerns (by the product's problem list)."""
    return ProductPurchase(
        brand=claim.product.brand,
        category=ProductCategory.parse(claim.product.category),
        buyer=claim.buyer_type,
        sold_on=claim.sold_on,
        delivered_on=claim.delivered_on,
        activated_on=unit.activated_on,
        activation_claimed_on=claim.activated_on,
        outlet=claim.product.outlet,
        registered_on=unit.registered_on,
        installed_by_authorised_service=claim.installed_by_authorised_service,
        installing_service_name=claim.installing_service_name,
        service_history=unit.service_history,
        claimed_part=part_claimed_again(unit.earlier_claims, problem_of(claim)),
        claim_type=claim.claim_type,
        claimed_wear_part=wear_part,
    )


async def claimed_wear_part(conn: Conn, claim: ClaimCreatedData) -> ProductCategory | None:
    """The wear part the problem chosen from the product's list concerns, if any."""
    product = await repository.get_product(conn, claim.product.ean)
    return wear_part_of(product["problem_parts"] if product else {}, claim.problem_code)


def service_case(repair: asyncpg.Record) -> ServiceCase:
    if repair["substantial_repair"]:
        return "substantial_repair"
    return "part_replaced" if repair["replaced_part"] else "repair"


async def service_history(conn: Conn, ean: str, serial: str) -> tuple[ServiceRecord, ...]:
    """The unit's replacement (if it was given in place of another) and its repairs."""
    replacement = await repository.replacement_of(conn, ean, serial)
    repairs = await repository.unit_repairs(conn, ean, serial)
    return service_records(
        None
        if replacement is None
        else ReplacementFacts(replacement["issued_on"], replacement["handed_back_on"]),
        [
            RepairFacts(
                service_case(repair),
                repair["started_on"],
                repair["ended_on"],
                repair["replaced_part"],
            )
            for repair in repairs
        ],
    )


async def unit_facts(conn: Conn, ean: str, serial: str | None) -> UnitFacts:
    if serial is None:
        return UnitFacts()
    sale = await repository.origin_sale(conn, ean, serial)
    claims = await repository.unit_claims(conn, ean, serial)
    return UnitFacts(
        registered_on=await repository.lineage_registration(conn, ean, serial),
        # A replacement unit's own period runs from its hand-back, not from the old activation.
        activated_on=sale["activated_on"] if sale is not None and sale["depth"] == 0 else None,
        service_history=await service_history(conn, ean, serial),
        earlier_claims=tuple(
            PastClaim(c["problem"], c["repaired"], c["replaced_part"]) for c in claims
        ),
    )


def _repeated_defect_data(flag: RepeatedDefectFlag | None) -> RepeatedDefect | None:
    if flag is None:
        return None
    return RepeatedDefect.model_validate(flag, from_attributes=True)


async def assess_claim(conn: Conn, event: ClaimCreated) -> None:
    claim = event.data
    # Judged on the day the claim was filed, whenever the event is handled.
    claimed_on = polish_date(event.occurred_at)
    serial = repository.unit_serial(claim.serial_number)
    unit = await unit_facts(conn, claim.product.ean, serial)
    wear_part = await claimed_wear_part(conn, claim)
    verdict = assess(purchase_for_claim(claim, unit, wear_part), claimed_on)
    remedy = remedy_rule(claim.claim_type, claim.buyer_type, claim.product.brand)
    flag = repeated_defect(unit.earlier_claims, problem_of(claim), remedy) if serial else None
    flag_data = _repeated_defect_data(flag)
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
            # Which claim types a buyer may file is the claims domain's rule: a ClaimCreated was
            # allowed by it, and says by which rule; warranty decides coverage only.
            claim_type_allowed=True,
            claim_type_reason=claim.claim_type_reason or CLAIM_TYPE_ALLOWED_BY_CLAIMS,
            deadlines=tuple(
                Deadline(kind=d.kind, due_on=d.due_on, description=d.description) for d in deadlines
            ),
            warranty_from=verdict.starts_on,
            counted_from=verdict.started_from,
            after_service_rules=verdict.after_service_rules,
            repeated_defect=flag_data,
        ),
    )
    if serial is not None:
        await repository.record_unit_claim(
            conn,
            {
                "claim_id": claim.claim_id,
                "ean": claim.product.ean,
                "serial_number": serial,
                "rma_number": claim.rma_number,
                "claim_type": claim.claim_type,
                "problem": problem_of(claim),
                "claimed_at": event.occurred_at,
                "repeated_defect": flag_data and flag_data.model_dump(mode="json"),
            },
        )
    await repository.save_assessment(
        conn,
        claim.claim_id,
        claim.rma_number,
        {**claim.model_dump(mode="json"), "claimed_on": claimed_on.isoformat()},
        assessed.data.model_dump(mode="json"),
    )
    await add_to_outbox(conn, assessed)
    log.info(
        "claim assessed",
        claim_id=str(claim.claim_id),
        rule=verdict.rule,
        repeated_defect=flag is not None,
    )


async def _reassess_deadlines(conn: Conn, event: ClaimStatusChanged) -> None:
    """Repair and refund deadlines run from receipt: publish them, marked as only that, so that
    the customer is not told the same verdict twice."""
    stored = await repository.get_assessment(conn, event.data.claim_id)
    if stored is None:
        return  # claims created before this service knew them; nothing to update
    claim, verdict = stored["claim"], stored["verdict"]
    deadlines = claim_deadlines(
        claim["claim_type"],
        claim["product"]["brand"],
        claim["buyer_type"],
        date.fromisoformat(claim["claimed_on"]),
        received_on=polish_date(event.data.changed_at),
    )
    data = WarrantyAssessedData.model_validate(
        {
            **verdict,
            "deadlines": [
                {"kind": d.kind, "due_on": d.due_on, "description": d.description}
                for d in deadlines
            ],
            "deadlines_update": True,
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
# leaves (or the claim ends without it): when the claim is no longer active (claims' vocabulary).
_REPAIR_ENDS = frozenset(CLAIM_STATUSES) - frozenset(ACTIVE_STATUSES)


async def record_status_change(conn: Conn, event: ClaimStatusChanged) -> None:
    change = event.data
    changed_on = polish_date(change.changed_at)
    await repository.set_unit_claim_status(conn, change.claim_id, change.to_status, changed_on)
    if change.to_status in ("shipped_back", "received"):
        # A replacement unit is handed back when it is shipped; a refused parcel that came
        # back is at the service again.
        handed_back_on = changed_on if change.to_status == "shipped_back" else None
        await repository.hand_back_replacement(conn, change.claim_id, handed_back_on)
    if change.to_status == "received":
        await _reassess_deadlines(conn, event)
    if change.to_status == "received" and change.claim_type in ("warranty", "dji"):
        await repository.start_repair(
            conn,
            change.claim_id,
            change.product.ean,
            repository.unit_serial(change.serial_number),
            changed_on,
        )
    elif change.to_status in _REPAIR_ENDS:
        await repository.end_repair(conn, change.claim_id, changed_on)


async def record_decision(conn: Conn, event: ClaimDecided) -> None:
    decided = event.data
    await repository.record_decision(
        conn,
        decided.claim_id,
        decided.decision,
        polish_date(decided.decided_at),
        decided.substantial_repair,
        decided.replaced_part,
    )


async def record_replacement(conn: Conn, event: ClaimReplacementIssued) -> None:
    """The new unit carries the warranty on (art. 581 §1); the old one's time at the service is
    over. The new unit's period runs from its hand-back: the claim's shipping back."""
    replaced = event.data
    issued_on = polish_date(replaced.issued_at)
    await repository.record_replacement(
        conn,
        {
            **replaced.model_dump(),
            "old_serial_number": repository.unit_serial(replaced.old_serial_number),
            "new_serial_number": repository.unit_serial(replaced.new_serial_number),
            "issued_on": issued_on,
        },
    )
    await repository.end_repair(conn, replaced.claim_id, issued_on)


async def record_document_owner(conn: Conn, event: DocumentLinked) -> None:
    linked = event.data
    await repository.link_document(
        conn, linked.document_type, linked.document_number, linked.account_id
    )


@dataclass(frozen=True)
class ProductRegistration:
    account_id: UUID
    ean: str
    serial_number: str


_UNIT_NOT_YOURS = Message(
    "Nie znaleźliśmy hulajnogi o tym numerze seryjnym na dokumentach zakupu przypisanych do "
    "Twojego konta. Dodaj najpierw paragon lub fakturę, na której jest ten egzemplarz.",
    "We found no scooter with this serial number on the purchase documents linked to your "
    "account. Link the receipt or invoice that lists this unit first.",
)


@dataclass(frozen=True)
class Registration:
    event: ProductRegistered
    standing: RegistrationStanding  # what the registration gives, as the rules table says


async def register_product(
    ctx: WarrantyContext, command: ProductRegistration, correlation_id: UUID
) -> Registration:
    """Seed 001: a scooter registered within 30 days of purchase has 24 months' warranty. Only
    the buyer may register it (a unit on a document linked to their account), and only once."""
    ean = validate_gtin13(command.ean)
    serial = repository.unit_serial(command.serial_number) or ""
    today = ctx.today()
    registration_id = uuid4()
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
        sale = await repository.origin_sale(conn, ean, serial)
        # Someone else's unit gets the same answer as an unknown one: serials are not public.
        if sale is None or sale["account_id"] != command.account_id:
            raise BusinessRuleError(
                "unit_not_on_your_documents",
                _UNIT_NOT_YOURS,
                field="serial_number",
                status_code=404,
            )
        event = ProductRegistered(
            producer=PRODUCER,
            key=str(registration_id),
            correlation_id=correlation_id,
            data=ProductRegisteredData(
                registration_id=registration_id,
                account_id=command.account_id,
                ean=ean,
                serial_number=serial,
                purchased_on=sale["issued_on"],
                registered_on=today,
            ),
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
    purchase = ProductPurchase(
        brand=product["brand"],
        category=ProductCategory.parse(product["category"]),
        buyer=sale["buyer_type"],
        sold_on=sale["issued_on"],
        claim_type="warranty",
    )
    return Registration(event, registration_standing(purchase, today, today))


@dataclass(frozen=True)
class OwnedUnit:
    """A unit on the customer's documents (or given in place of one), as their product list
    shows it: how its scooter registration stands, and what replaced it."""

    ean: str
    serial_number: str
    name: str
    brand: str
    document_type: str
    document_number: str
    purchased_on: date
    replaces_serial_number: str | None
    replaced_by_serial_number: str | None
    registration: RegistrationStanding


async def account_units(ctx: WarrantyContext, account_id: UUID) -> list[OwnedUnit]:
    today = ctx.today()
    async with ctx.pool.acquire() as conn:
        rows = await repository.account_units(conn, account_id)
    units: list[OwnedUnit] = []
    for row in rows:
        purchase = ProductPurchase(
            brand=row["brand"],
            category=ProductCategory.parse(row["category"]),
            buyer=row["buyer_type"],
            sold_on=row["issued_on"],
            claim_type="warranty",
        )
        units.append(
            OwnedUnit(
                ean=row["ean"],
                serial_number=row["serial_number"],
                name=row["name"],
                brand=row["brand"],
                document_type=row["document_type"],
                document_number=row["document_number"],
                purchased_on=row["issued_on"],
                replaces_serial_number=row["replaces_serial_number"],
                replaced_by_serial_number=row["replaced_by_serial_number"],
                registration=registration_standing(purchase, row["registered_on"], today),
            )
        )
    return units


# The catalogue import runs beside the consumers' sale upserts: a deadlock PostgreSQL breaks by
# aborting the import is tried again (each try a new transaction), a few times, with a pause.
IMPORT_ATTEMPTS = 5
IMPORT_RETRY_PAUSE_SECONDS = 0.5


async def import_catalogue(
    pool: asyncpg.Pool,
    products: list[dict[str, Any]],
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> int:
    """Store the entries and announce each new or changed one, so claims learns the problem
    lists: in EAN order (the order the sale upserts lock products in), in one transaction,
    tried again after a deadlock. Run again, it changes and announces nothing. The number of
    entries that changed."""
    ordered = sorted(products, key=lambda product: product["ean"])
    for attempt in range(1, IMPORT_ATTEMPTS + 1):
        try:
            return await _import_in_order(pool, ordered)
        except asyncpg.DeadlockDetectedError:
            if attempt == IMPORT_ATTEMPTS:
                raise
            log.warning("catalogue import deadlocked, trying again", attempt=attempt)
            await sleep(IMPORT_RETRY_PAUSE_SECONDS * attempt)
    raise AssertionError("unreachable")


async def _import_in_order(pool: asyncpg.Pool, products: list[dict[str, Any]]) -> int:
    correlation_id = uuid4()
    changed = 0
    async with pool.acquire() as conn, conn.transaction():
        for product in products:
            if not await repository.import_product(conn, product):
                continue
            changed += 1
            await add_to_outbox(
                conn,
                ProductCatalogued(
                    producer=PRODUCER,
                    key=product["ean"],
                    correlation_id=correlation_id,
                    data=ProductCataloguedData.model_validate(product),
                ),
            )
    return changed
