"""Service layer of the product passport: one unit's story (EAN and serial number), read from
what the events told, with its current verdict."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from services.warranty import handlers
from services.warranty.domain.ean import validate_gtin13
from services.warranty.domain.engine import ProductPurchase, WarrantyVerdict, assess
from services.warranty.domain.products import ProductCategory
from services.warranty.unit_of_work import (
    Product,
    RepairPeriod,
    Replacement,
    UnitClaim,
    UnitSale,
    UnitVoidMark,
    WarrantyUnitOfWork,
    unit_serial,
)
from shared.auth import Principal
from shared.calendar import polish_date
from shared.claims_vocabulary import WARRANTY_VOID_REASONS
from shared.errors import BusinessRuleError, Message
from shared.events import ClaimCreatedData

_NO_PASSPORT = Message(
    "Nie znaleźliśmy tego egzemplarza (EAN i numer seryjny) w Twoich produktach.",
    "We found no such unit (EAN and serial number) among your products.",
)


def _current_purchase(
    product: Product | None,
    sale: UnitSale | None,
    latest_claim: dict[str, Any] | None,
    unit: handlers.UnitFacts,
) -> ProductPurchase | None:
    """The unit as a warranty claim filed today would see it; None when too little is known."""
    if latest_claim is not None:
        claim = ClaimCreatedData.model_validate({**latest_claim, "claim_type": "warranty"})
        return handlers.purchase_for_claim(claim, unit)
    if product is None or sale is None:
        return None
    return ProductPurchase(
        brand=product.brand,
        category=ProductCategory.parse(product.category),
        buyer=sale.buyer_type,
        sold_on=sale.issued_on,
        delivered_on=sale.delivered_on,
        activated_on=unit.activated_on,
        outlet=product.outlet,
        registered_on=unit.registered_on,
        service_history=unit.service_history,
        claim_type="warranty",
        warranty_void=unit.warranty_void,
    )


def _verdict(verdict: WarrantyVerdict | None) -> dict[str, Any] | None:
    if verdict is None:
        return None
    return {
        "rule": verdict.rule,
        "after_service_rules": list(verdict.after_service_rules),
        "warranty_from": verdict.starts_on,
        "counted_from": verdict.started_from,
        "warranty_until": verdict.ends_on,
        "covered": verdict.covered,
        "checked_on": verdict.checked_on,
        "reason": verdict.reason,
    }


def _replacement(replacement: Replacement | None, side: str) -> dict[str, Any] | None:
    if replacement is None:
        return None
    old = side == "old"
    return {
        "claim_id": replacement.claim_id,
        "rma_number": replacement.rma_number,
        "ean": replacement.old_ean if old else replacement.new_ean,
        "serial_number": replacement.old_serial_number if old else replacement.new_serial_number,
        "issued_on": replacement.issued_on,
        "handed_back_on": replacement.handed_back_on,
    }


def _claim(claim: UnitClaim) -> dict[str, Any]:
    return {
        "claim_id": claim.claim_id,
        "rma_number": claim.rma_number,
        "claim_type": claim.claim_type,
        "problem": claim.problem,
        "claimed_on": polish_date(claim.claimed_at),
        "status": claim.status,
        "status_changed_on": claim.status_changed_on,
        "decision": claim.decision,
        "decided_on": claim.decided_on,
        "repeated_defect": claim.repeated_defect,
    }


def _repair(repair: RepairPeriod) -> dict[str, Any]:
    ended_on = repair.ended_on
    return {
        "claim_id": repair.claim_id,
        "rma_number": repair.rma_number,
        "kind": handlers.service_case(repair),
        "replaced_part": repair.replaced_part,
        "started_on": repair.started_on,
        "handed_back_on": ended_on,
        "days": None if ended_on is None else (ended_on - repair.started_on).days,
    }


def _void_mark(mark: UnitVoidMark | None) -> dict[str, Any] | None:
    if mark is None:
        return None
    polish, english = WARRANTY_VOID_REASONS.get(mark.reason, (mark.reason, mark.reason))
    return {**asdict(mark), "reason_name": polish, "reason_name_en": english}


def _sale(sale: UnitSale | None) -> dict[str, Any] | None:
    if sale is None:
        return None
    return {
        "document_type": sale.document_type,
        "document_number": sale.document_number,
        "issued_on": sale.issued_on,
        "delivered_on": sale.delivered_on,
        "buyer_type": sale.buyer_type,
        "activated_on": sale.activated_on,
        # The sale of the unit this one replaced, when it was not sold itself.
        "of_serial_number": sale.serial_number,
    }


async def _read(
    uow: WarrantyUnitOfWork, ctx: handlers.WarrantyContext, ean: str, serial: str
) -> dict[str, Any]:
    sale = await uow.units.origin_sale(ean, serial)
    product = await uow.products.get(ean)
    registration = await uow.registrations.of_unit(ean, serial)
    claims = await uow.claims.of_unit(ean, serial)
    unit = await handlers.unit_facts(uow, ean, serial)
    latest_claim = await uow.assessments.latest_claim_of_unit(ean, serial)
    purchase = _current_purchase(product, sale, latest_claim, unit)
    return {
        "ean": ean,
        "serial_number": serial,
        "account_id": None if sale is None else sale.account_id,
        "product": None
        if product is None
        else {key: getattr(product, key) for key in ("name", "brand", "category", "outlet")},
        "sale": _sale(sale),
        "registration": None if registration is None else asdict(registration),
        "replaces": _replacement(await uow.units.replacement_of(ean, serial), "old"),
        "replaced_by": _replacement(await uow.units.replaced_by(ean, serial), "new"),
        "claims": [_claim(claim) for claim in claims],
        "repairs": [_repair(repair) for repair in await uow.claims.repairs_of_unit(ean, serial)],
        "repeated_defect": next(
            (c.repeated_defect for c in reversed(claims) if c.repeated_defect), None
        ),
        "warranty_void": _void_mark(await uow.void_marks.of_unit(ean, serial)),
        "verdict": _verdict(None if purchase is None else assess(purchase, ctx.today())),
    }


async def passport(
    ctx: handlers.WarrantyContext, ean_code: str, serial_code: str, reader: Principal
) -> dict[str, Any]:
    """The passport of one unit: operators see every unit, a customer only the units on the
    documents linked to their account (any other unit is answered as unknown)."""
    ean = validate_gtin13(ean_code)
    serial = unit_serial(serial_code) or ""
    async with ctx.uow() as uow:
        found = await _read(uow, ctx, ean, serial)
    known = found["sale"] or found["claims"] or found["replaces"] or found["registration"]
    allowed = reader.role == "operator" or (
        found["account_id"] is not None and found["account_id"] == reader.subject
    )
    if not known or not allowed:
        raise BusinessRuleError("passport_unknown", _NO_PASSPORT, status_code=404)
    return found
