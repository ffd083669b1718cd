"""Service layer of warranty: the support-period check, the catalogue, scooter registrations and
the assessment of each claim. Each handler takes a unit of work (services/warranty/unit_of_work.py),
loads, calls the domain, saves and commits; which store is behind it, bootstrap.py decides."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from services.warranty.domain.deadlines import claim_deadlines
from services.warranty.domain.ean import InvalidEan, validate_gtin13
from services.warranty.domain.engine import (
    ProductPurchase,
    ServiceRecord,
    WarrantyVerdict,
    WarrantyVoid,
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
from services.warranty.domain.registration import (
    RegistrationStanding,
    imported_registration_refusal,
    registration_standing,
)
from services.warranty.domain.remedies import remedy_rule
from services.warranty.domain.rules import ServiceCase
from services.warranty.unit_of_work import (
    CatalogueProduct,
    Product,
    RepairPeriod,
    Replacement,
    UnitClaim,
    UnitOfWorkFactory,
    UnitOverview,
    UnitSale,
    UnitVoidMark,
    WarrantyUnitOfWork,
    unit_serial,
)
from shared.calendar import polish_date
from shared.claims_vocabulary import ACTIVE_STATUSES, CLAIM_STATUSES, GUARANTEE_CLAIM_TYPES
from shared.consumer import UnprocessableMessage
from shared.errors import BusinessRuleError, Message
from shared.events import (
    BuyerType,
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
    WarrantyVoidMarked,
)
from shared.idempotency import IdempotentRequest
from shared.logging import get_logger
from shared.unit_of_work import TransactionConflict

log = get_logger(__name__)
PRODUCER = "warranty"
CLAIM_TYPE_ALLOWED_BY_CLAIMS = "Rodzaj zgłoszenia dopuszczony przy jego złożeniu."


@dataclass
class WarrantyContext:
    """What every command and query needs: a fresh unit of work per call, today's date and a
    way to wait (injected, so tests never sleep)."""

    uow: UnitOfWorkFactory
    today: Callable[[], date] = lambda: polish_date(datetime.now(UTC))
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep


# --- projections of other services' events -----------------------------------------------


async def record_sale(uow: WarrantyUnitOfWork, event: SaleRecorded) -> None:
    await uow.products.record_sold(event.data)
    await uow.units.record_sold(event.data)
    await uow.commit()


async def record_document_owner(uow: WarrantyUnitOfWork, event: DocumentLinked) -> None:
    linked = event.data
    await uow.units.link_document(linked.document_type, linked.document_number, linked.account_id)
    await uow.commit()


# --- the catalogue and the support period --------------------------------------------------


def _product_unknown(message: Message) -> BusinessRuleError:
    return BusinessRuleError("product_unknown", message, field="ean", status_code=404)


async def catalogue_product(ctx: WarrantyContext, ean: str) -> Product:
    """A product of the catalogue, with the problem list its claim form needs."""
    async with ctx.uow() as uow:
        product = await uow.products.get(validate_gtin13(ean))
    if product is None:
        raise _product_unknown(
            Message("Nie znaleźliśmy produktu o tym kodzie EAN.", "No product with this EAN.")
        )
    return product


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
    async with ctx.uow() as uow:
        product = await uow.products.get(ean)
    if product is None or product.last_sold_on is None:
        raise _product_unknown(
            Message(
                "Nie znaleźliśmy produktu o tym kodzie EAN w sprzedaży INNPRO.",
                "We found no product with this EAN among INNPRO's sales.",
            )
        )
    verdict = assess_support_period(
        product.brand,
        ProductCategory.parse(product.category),
        product.last_sold_on,
        ctx.today(),
        outlet=product.outlet,
    )
    return SupportPeriod(ean, product.name, product.brand, product.last_sold_on, verdict)


# The catalogue import runs beside the consumers' sale upserts: a deadlock PostgreSQL breaks by
# aborting the import is tried again (each try a new unit of work), a few times, with a pause.
IMPORT_ATTEMPTS = 5
IMPORT_RETRY_PAUSE_SECONDS = 0.5


async def import_catalogue(ctx: WarrantyContext, products: list[CatalogueProduct]) -> int:
    """Store the entries and announce each new or changed one, so claims learns the problem
    lists: in EAN order (the order the sale upserts lock products in), in one unit of work,
    tried again after a deadlock. Run again, it changes and announces nothing. The number of
    entries that changed."""
    ordered = sorted(products, key=lambda product: product.ean)
    for attempt in range(1, IMPORT_ATTEMPTS + 1):
        try:
            return await _import_in_order(ctx, ordered)
        except TransactionConflict:
            if attempt == IMPORT_ATTEMPTS:
                raise
            log.warning("catalogue import deadlocked, trying again", attempt=attempt)
            await ctx.sleep(IMPORT_RETRY_PAUSE_SECONDS * attempt)
    raise AssertionError("unreachable")


async def _import_in_order(ctx: WarrantyContext, products: list[CatalogueProduct]) -> int:
    correlation_id = uuid4()
    changed = 0
    async with ctx.uow() as uow:
        for product in products:
            if not await uow.products.import_entry(product):
                continue
            changed += 1
            await uow.publish(
                ProductCatalogued(
                    producer=PRODUCER,
                    key=product.ean,
                    correlation_id=correlation_id,
                    data=ProductCataloguedData.model_validate(product, from_attributes=True),
                )
            )
        await uow.commit()
    return changed


# --- what warranty knows of one unit -------------------------------------------------------


@dataclass(frozen=True)
class UnitFacts:
    """What earlier events told warranty about the claimed unit (EAN and serial number)."""

    registered_on: date | None = None  # of this unit or of the unit it replaced
    activated_on: date | None = None  # outlet products: from the sales line
    service_history: tuple[ServiceRecord, ...] = ()
    earlier_claims: tuple[PastClaim, ...] = ()
    warranty_void: WarrantyVoid | None = None  # an operator's mark: the warranty is void


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
        warranty_void=unit.warranty_void,
    )


def service_case(repair: RepairPeriod) -> ServiceCase:
    if repair.substantial_repair:
        return "substantial_repair"
    return "part_replaced" if repair.replaced_part else "repair"


async def service_history(
    uow: WarrantyUnitOfWork, ean: str, serial: str, known: UnitOverview
) -> tuple[ServiceRecord, ...]:
    """The unit's replacement (if it was given in place of another) and its repairs."""
    replacement = await uow.units.replacement_of(ean, serial) if known.has_replacement else None
    repairs = await uow.claims.repairs_of_unit(ean, serial) if known.has_repairs else []
    return service_records(
        None
        if replacement is None
        else ReplacementFacts(replacement.issued_on, replacement.handed_back_on),
        [
            RepairFacts(
                service_case(repair), repair.started_on, repair.ended_on, repair.replaced_part
            )
            for repair in repairs
        ],
    )


async def unit_facts(uow: WarrantyUnitOfWork, ean: str, serial: str | None) -> UnitFacts:
    if serial is None:
        return UnitFacts()
    return await _facts_of(uow, ean, serial, await uow.units.overview(ean, serial))


async def claimed_unit(
    uow: WarrantyUnitOfWork, ean: str, serial: str | None, problem_code: str | None
) -> tuple[UnitFacts, ProductCategory | None]:
    """The unit's facts and the wear part the claimed problem concerns. The product's problem
    list comes with the unit's overview, in its read; without a serial number it is read only
    for a problem chosen from it (a problem described concerns no wear part)."""
    if serial is not None:
        known = await uow.units.overview(ean, serial)
        unit = await _facts_of(uow, ean, serial, known)
        return unit, wear_part_of(known.problem_parts, problem_code)
    if not problem_code:
        return UnitFacts(), None
    product = await uow.products.get(ean)
    return UnitFacts(), wear_part_of(product.problem_parts if product else {}, problem_code)


async def _facts_of(
    uow: WarrantyUnitOfWork, ean: str, serial: str, known: UnitOverview
) -> UnitFacts:
    """The unit's facts, reading only what its overview says it has: most units have no past
    yet."""
    sale = known.sale
    claims = await uow.claims.of_unit(ean, serial) if known.has_claims else []
    mark = await uow.void_marks.of_unit(ean, serial) if known.has_void_mark else None
    return UnitFacts(
        registered_on=known.registered_on,
        # A replacement unit's own period runs from its hand-back, not from the old activation.
        activated_on=sale.activated_on if sale is not None and sale.depth == 0 else None,
        service_history=await service_history(uow, ean, serial, known),
        earlier_claims=tuple(PastClaim(c.problem, c.repaired, c.replaced_part) for c in claims),
        warranty_void=None
        if mark is None
        else WarrantyVoid(mark.reason, polish_date(mark.marked_at), mark.rma_number),
    )


# --- assessing claims and following them -----------------------------------------------------


def _repeated_defect_data(flag: RepeatedDefectFlag | None) -> RepeatedDefect | None:
    if flag is None:
        return None
    return RepeatedDefect.model_validate(flag, from_attributes=True)


def _deadlines(claim: ClaimCreatedData, claimed_on: date) -> tuple[Deadline, ...]:
    deadlines = claim_deadlines(
        claim.claim_type, claim.product.brand, claim.buyer_type, claimed_on, received_on=None
    )
    return tuple(
        Deadline(kind=d.kind, due_on=d.due_on, description=d.description) for d in deadlines
    )


def _assessed(
    event: ClaimCreated,
    verdict: WarrantyVerdict,
    deadlines: tuple[Deadline, ...],
    flag: RepeatedDefect | None,
) -> WarrantyAssessed:
    claim = event.data
    return WarrantyAssessed(
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
            deadlines=deadlines,
            warranty_from=verdict.starts_on,
            counted_from=verdict.started_from,
            after_service_rules=verdict.after_service_rules,
            repeated_defect=flag,
            shipment_number=claim.shipment_number,
        ),
    )


async def assess_claim(uow: WarrantyUnitOfWork, event: ClaimCreated) -> None:
    claim = event.data
    # Judged on the day the claim was filed, whenever the event is handled.
    claimed_on = polish_date(event.occurred_at)
    serial = unit_serial(claim.serial_number)
    unit, wear_part = await claimed_unit(uow, claim.product.ean, serial, claim.problem_code)
    verdict = assess(purchase_for_claim(claim, unit, wear_part), claimed_on)
    remedy = remedy_rule(claim.claim_type, claim.buyer_type, claim.product.brand)
    flag = repeated_defect(unit.earlier_claims, problem_of(claim), remedy) if serial else None
    flag_data = _repeated_defect_data(flag)
    assessed = _assessed(event, verdict, _deadlines(claim, claimed_on), flag_data)
    unit_claim = (
        None
        if serial is None
        else UnitClaim(
            claim_id=claim.claim_id,
            ean=claim.product.ean,
            serial_number=serial,
            rma_number=claim.rma_number,
            claim_type=claim.claim_type,
            problem=problem_of(claim),
            claimed_at=event.occurred_at,
            repeated_defect=None if flag_data is None else flag_data.model_dump(mode="json"),
        )
    )
    await uow.assessments.save_with_unit_claim(
        claim.claim_id,
        claim.rma_number,
        {**claim.model_dump(mode="json"), "claimed_on": claimed_on.isoformat()},
        assessed.data.model_dump(mode="json"),
        unit_claim,
    )
    await uow.publish(assessed)
    await uow.commit()
    log.info(
        "claim assessed",
        claim_id=str(claim.claim_id),
        rule=verdict.rule,
        repeated_defect=flag is not None,
    )


async def _reassess_deadlines(uow: WarrantyUnitOfWork, event: ClaimStatusChanged) -> None:
    """Repair and refund deadlines run from receipt: publish them, marked as only that, so that
    the customer is not told the same verdict twice."""
    stored = await uow.assessments.get(event.data.claim_id)
    if stored is None:
        return  # claims created before this service knew them; nothing to update
    claim = stored.claim
    deadlines = claim_deadlines(
        claim["claim_type"],
        claim["product"]["brand"],
        claim["buyer_type"],
        date.fromisoformat(claim["claimed_on"]),
        received_on=polish_date(event.data.changed_at),
    )
    data = WarrantyAssessedData.model_validate(
        {
            **stored.verdict,
            "deadlines": [
                {"kind": d.kind, "due_on": d.due_on, "description": d.description}
                for d in deadlines
            ],
            "deadlines_update": True,
        }
    )
    await uow.assessments.save(data.claim_id, data.rma_number, claim, data.model_dump(mode="json"))
    await uow.publish(
        WarrantyAssessed(
            producer=PRODUCER,
            key=str(data.claim_id),
            correlation_id=event.correlation_id,
            data=data,
        )
    )


# A claim's parcel accepted into the service starts a warranty repair; it ends when the product
# leaves (or the claim ends without it): when the claim is no longer active (claims' vocabulary).
_REPAIR_ENDS = frozenset(CLAIM_STATUSES) - frozenset(ACTIVE_STATUSES)


async def record_status_change(uow: WarrantyUnitOfWork, event: ClaimStatusChanged) -> None:
    change = event.data
    changed_on = polish_date(change.changed_at)
    await uow.claims.set_status(change.claim_id, change.to_status, changed_on)
    if change.to_status in ("shipped_back", "received"):
        # A replacement unit is handed back when it is shipped; a refused parcel that came
        # back is at the service again.
        handed_back_on = changed_on if change.to_status == "shipped_back" else None
        await uow.units.hand_back_replacement(change.claim_id, handed_back_on)
    if change.to_status == "received":
        await _reassess_deadlines(uow, event)
    if change.to_status == "received" and change.claim_type in GUARANTEE_CLAIM_TYPES:
        await uow.claims.start_repair(
            change.claim_id, change.product.ean, unit_serial(change.serial_number), changed_on
        )
    elif change.to_status in _REPAIR_ENDS:
        await uow.claims.end_repair(change.claim_id, changed_on)
    await uow.commit()


async def record_decision(uow: WarrantyUnitOfWork, event: ClaimDecided) -> None:
    decided = event.data
    await uow.claims.record_decision(
        decided.claim_id,
        decided.decision,
        polish_date(decided.decided_at),
        decided.substantial_repair,
        decided.replaced_part,
    )
    await uow.commit()


async def record_replacement(uow: WarrantyUnitOfWork, event: ClaimReplacementIssued) -> None:
    """The new unit carries the warranty on (art. 581 §1); the old one's time at the service is
    over. The new unit's period runs from its hand-back: the claim's shipping back."""
    replaced = event.data
    issued_on = polish_date(replaced.issued_at)
    new_serial = unit_serial(replaced.new_serial_number)
    if new_serial is None:
        raise UnprocessableMessage("a replacement without the new unit's serial number")
    await uow.units.add_replacement(
        Replacement(
            claim_id=replaced.claim_id,
            rma_number=replaced.rma_number,
            old_ean=replaced.old_ean,
            old_serial_number=unit_serial(replaced.old_serial_number),
            new_ean=replaced.new_ean,
            new_serial_number=new_serial,
            issued_on=issued_on,
        )
    )
    await uow.claims.end_repair(replaced.claim_id, issued_on)
    await uow.commit()


# What the passport keeps of a WarrantyVoidMarked, as the event says it (the serial is kept as
# the passport keeps serials).
_VOID_MARK_FACTS = {f.name for f in fields(UnitVoidMark)} - {"serial_number"}


async def record_void_mark(uow: WarrantyUnitOfWork, event: WarrantyVoidMarked) -> None:
    """An operator found the unit's warranty void: the passport keeps the mark (the first one
    stands) and the unit's next guarantee claims are not covered (rules.py, "warranty-void")."""
    marked = event.data
    serial = unit_serial(marked.serial_number)
    if serial is None:
        raise UnprocessableMessage("a void mark without the unit's serial number")
    mark = UnitVoidMark(**marked.model_dump(include=_VOID_MARK_FACTS), serial_number=serial)
    added = await uow.void_marks.add(mark)
    await uow.commit()
    log.info("warranty void mark", claim_id=str(marked.claim_id), reason=marked.reason, added=added)


# --- scooter registrations and the customer's units ------------------------------------------


@dataclass(frozen=True)
class ProductRegistration:
    account_id: UUID
    ean: str
    serial_number: str


_NOT_A_SCOOTER = Message(
    "Rejestracja dotyczy tylko hulajnóg Dualtron, Kaabo i Nami.",
    "Registration applies only to Dualtron, Kaabo and Nami scooters.",
)
_UNIT_NOT_YOURS = Message(
    "Nie znaleźliśmy hulajnogi o tym numerze seryjnym na dokumentach zakupu przypisanych do "
    "Twojego konta. Dodaj najpierw paragon lub fakturę, na której jest ten egzemplarz.",
    "We found no scooter with this serial number on the purchase documents linked to your "
    "account. Link the receipt or invoice that lists this unit first.",
)
_ALREADY_REGISTERED = Message(
    "Ten egzemplarz (EAN i numer seryjny) jest już zarejestrowany.",
    "This unit (EAN and serial number) is already registered.",
)


@dataclass(frozen=True)
class Registration:
    event: ProductRegistered
    standing: RegistrationStanding  # what the registration gives, as the rules table says


async def _registrable_unit(
    uow: WarrantyUnitOfWork, command: ProductRegistration, ean: str, serial: str
) -> tuple[Product, UnitSale]:
    """The scooter and its sale, when the caller may register it."""
    product = await uow.products.get(ean)
    if product is None or not is_scooter_product(product.brand):
        raise BusinessRuleError("registration_not_needed", _NOT_A_SCOOTER, field="ean")
    sale = await uow.units.origin_sale(ean, serial)
    # Someone else's unit gets the same answer as an unknown one: serials are not public.
    if sale is None or sale.account_id != command.account_id:
        raise BusinessRuleError(
            "unit_not_on_your_documents", _UNIT_NOT_YOURS, field="serial_number", status_code=404
        )
    return product, sale


def _registered(
    registration_id: UUID,
    account_id: UUID | None,
    unit: tuple[str, str],
    dates: tuple[date, date],
    correlation_id: UUID | None = None,
) -> ProductRegistered:
    """The announcement of a unit's registration: `unit` (EAN, serial), `dates` (purchased on,
    registered on)."""
    (ean, serial), (purchased_on, registered_on) = unit, dates
    return ProductRegistered(
        producer=PRODUCER,
        key=str(registration_id),
        correlation_id=correlation_id or uuid4(),
        data=ProductRegisteredData(
            registration_id=registration_id,
            account_id=account_id,
            ean=ean,
            serial_number=serial,
            purchased_on=purchased_on,
            registered_on=registered_on,
        ),
    )


async def register_product(
    ctx: WarrantyContext,
    command: ProductRegistration,
    correlation_id: UUID,
    request: IdempotentRequest | None = None,
) -> Registration:
    """Seed 001: a scooter registered within 30 days of purchase has 24 months' warranty. Only
    the buyer may register it (a unit on a document linked to their account), and only once.
    With `request`, its Idempotency-Key is kept with the registration in the same commit."""
    ean = validate_gtin13(command.ean)
    serial = unit_serial(command.serial_number) or ""
    today = ctx.today()
    registration_id = uuid4()
    async with ctx.uow() as uow:
        product, sale = await _registrable_unit(uow, command, ean, serial)
        event = _registered(
            registration_id,
            command.account_id,
            (ean, serial),
            (sale.issued_on, today),
            correlation_id,
        )
        if not await uow.registrations.add(event.data):
            raise BusinessRuleError(
                "already_registered",
                _ALREADY_REGISTERED,
                field="serial_number",
                status_code=409,
            )
        await uow.publish(event)
        await uow.remember_request(request, registration_id)
        await uow.commit()
    purchase = _warranty_purchase(product.brand, product.category, sale.buyer_type, sale.issued_on)
    return Registration(event, registration_standing(purchase, today, today))


async def registration_made(
    ctx: WarrantyContext, command: ProductRegistration, registration_id: UUID
) -> Registration:
    """The registration an earlier request with the same Idempotency-Key made before it died
    (shared/idempotency.py): the same answer, nothing registered or announced again."""
    ean = validate_gtin13(command.ean)
    serial = unit_serial(command.serial_number) or ""
    async with ctx.uow() as uow:
        product, sale = await _registrable_unit(uow, command, ean, serial)
        registered = await uow.registrations.of_unit(ean, serial)
    if registered is None:  # the key's request made it: it cannot be gone
        raise LookupError(f"registration {registration_id} of {ean}/{serial} not found")
    event = _registered(
        registration_id,
        command.account_id,
        (ean, serial),
        (registered.purchased_on, registered.registered_on),
    )
    purchase = _warranty_purchase(product.brand, product.category, sale.buyer_type, sale.issued_on)
    return Registration(
        event, registration_standing(purchase, registered.registered_on, ctx.today())
    )


@dataclass(frozen=True)
class OldFormRegistration:
    """A row of the registrations made on the distributor's old form, before the panel."""

    ean: str
    serial_number: str
    registered_on: date


class RegistrationRefused(Exception):
    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code, self.reason = code, reason


async def import_registration(
    ctx: WarrantyContext, row: OldFormRegistration, correlation_id: UUID
) -> bool:
    """Seed 001 for registrations made before the panel: kept with their own date, for a scooter
    sold by the distributor, announced like a panel registration (to the document's account, if
    one is linked). False when the unit is registered already; RegistrationRefused otherwise."""
    try:
        ean = validate_gtin13(row.ean)
    except InvalidEan:
        raise RegistrationRefused("ean_invalid", f"EAN {row.ean!r} jest nieprawidłowy") from None
    serial = unit_serial(row.serial_number) or ""
    async with ctx.uow() as uow:
        product = await uow.products.get(ean)
        if product is None or not is_scooter_product(product.brand):
            raise RegistrationRefused("registration_not_needed", f"EAN {ean} to nie hulajnoga")
        sale = await uow.units.origin_sale(ean, serial)
        if sale is None:
            raise RegistrationRefused(
                "serial_not_sold", f"numeru seryjnego {serial} nie ma na żadnej sprzedaży"
            )
        if refusal := imported_registration_refusal(row.registered_on, sale.issued_on, ctx.today()):
            raise RegistrationRefused(*refusal)
        registration_id = uuid5(_OLD_FORM, f"{ean}/{serial}")
        event = _registered(
            registration_id,
            sale.account_id,
            (ean, serial),
            (sale.issued_on, row.registered_on),
            correlation_id,
        )
        if not await uow.registrations.add(event.data):
            return False
        await uow.publish(event)
        await uow.commit()
    return True


# Imported registrations' ids are derived from the unit, the same on every import.
_OLD_FORM = uuid5(NAMESPACE_URL, "https://rma.innpro.example/warranty/old-form-registrations")


def _warranty_purchase(
    brand: str, category: str, buyer: BuyerType, sold_on: date
) -> ProductPurchase:
    """A purchase as a warranty claim would see it, for how its registration stands."""
    return ProductPurchase(
        brand=brand,
        category=ProductCategory.parse(category),
        buyer=buyer,
        sold_on=sold_on,
        claim_type="warranty",
    )


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
    async with ctx.uow() as uow:
        units = await uow.units.of_account(account_id)
    return [
        OwnedUnit(
            ean=unit.ean,
            serial_number=unit.serial_number,
            name=unit.name,
            brand=unit.brand,
            document_type=unit.document_type,
            document_number=unit.document_number,
            purchased_on=unit.issued_on,
            replaces_serial_number=unit.replaces_serial_number,
            replaced_by_serial_number=unit.replaced_by_serial_number,
            registration=registration_standing(
                _warranty_purchase(unit.brand, unit.category, unit.buyer_type, unit.issued_on),
                unit.registered_on,
                today,
            ),
        )
        for unit in units
    ]
