"""Service layer of the product passport: one unit's story (EAN and serial number), read from
what the events told, with its current verdict."""

from __future__ import annotations

from typing import Any

import asyncpg

from services.warranty import handlers
from services.warranty.adapters import repository
from services.warranty.domain.ean import validate_gtin13
from services.warranty.domain.engine import ProductPurchase, WarrantyVerdict, assess
from services.warranty.domain.products import ProductCategory
from shared.auth import Principal
from shared.calendar import polish_date
from shared.db import Conn
from shared.errors import BusinessRuleError, Message
from shared.events import ClaimCreatedData

_NO_PASSPORT = Message(
    "Nie znaleźliśmy tego egzemplarza (EAN i numer seryjny) w Twoich produktach.",
    "We found no such unit (EAN and serial number) among your products.",
)


def _current_purchase(
    product: asyncpg.Record | None,
    sale: asyncpg.Record | None,
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
        brand=product["brand"],
        category=ProductCategory.parse(product["category"]),
        buyer=sale["buyer_type"],
        sold_on=sale["issued_on"],
        delivered_on=sale["delivered_on"],
        activated_on=unit.activated_on,
        outlet=product["outlet"],
        registered_on=unit.registered_on,
        service_history=unit.service_history,
        claim_type="warranty",
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


def _replacement(row: asyncpg.Record | None, side: str) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        "claim_id": row["claim_id"],
        "rma_number": row["rma_number"],
        "ean": row[f"{side}_ean"],
        "serial_number": row[f"{side}_serial_number"],
        "issued_on": row["issued_on"],
        "handed_back_on": row["handed_back_on"],
    }


def _claim(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "claim_id": row["claim_id"],
        "rma_number": row["rma_number"],
        "claim_type": row["claim_type"],
        "problem": row["problem"],
        "claimed_on": polish_date(row["claimed_at"]),
        "status": row["status"],
        "status_changed_on": row["status_changed_on"],
        "decision": row["decision"],
        "decided_on": row["decided_on"],
        "repeated_defect": row["repeated_defect"],
    }


def _repair(row: asyncpg.Record) -> dict[str, Any]:
    ended_on = row["ended_on"]
    return {
        "claim_id": row["claim_id"],
        "rma_number": row["rma_number"],
        "kind": handlers.service_case(row),
        "replaced_part": row["replaced_part"],
        "started_on": row["started_on"],
        "handed_back_on": ended_on,
        "days": None if ended_on is None else (ended_on - row["started_on"]).days,
    }


async def _read(conn: Conn, ctx: handlers.WarrantyContext, ean: str, serial: str) -> dict[str, Any]:
    sale = await repository.origin_sale(conn, ean, serial)
    product = await repository.get_product(conn, ean)
    registration = await repository.registration(conn, ean, serial)
    claims = await repository.unit_claims(conn, ean, serial)
    unit = await handlers.unit_facts(conn, ean, serial)
    latest_claim = await repository.latest_assessed_claim(conn, ean, serial)
    purchase = _current_purchase(product, sale, latest_claim, unit)
    today = ctx.today()
    return {
        "ean": ean,
        "serial_number": serial,
        "account_id": None if sale is None else sale["account_id"],
        "product": None
        if product is None
        else {key: product[key] for key in ("name", "brand", "category", "outlet")},
        "sale": None
        if sale is None
        else {
            "document_type": sale["document_type"],
            "document_number": sale["document_number"],
            "issued_on": sale["issued_on"],
            "delivered_on": sale["delivered_on"],
            "buyer_type": sale["buyer_type"],
            "activated_on": sale["activated_on"],
            # The sale of the unit this one replaced, when it was not sold itself.
            "of_serial_number": sale["serial_number"],
        },
        "registration": None
        if registration is None
        else {
            "registered_on": registration["registered_on"],
            "purchased_on": registration["purchased_on"],
        },
        "replaces": _replacement(await repository.replacement_of(conn, ean, serial), "old"),
        "replaced_by": _replacement(await repository.replaced_by(conn, ean, serial), "new"),
        "claims": [_claim(row) for row in claims],
        "repairs": [_repair(row) for row in await repository.unit_repairs(conn, ean, serial)],
        "repeated_defect": next(
            (c["repeated_defect"] for c in reversed(claims) if c["repeated_defect"]), None
        ),
        "verdict": _verdict(None if purchase is None else assess(purchase, today)),
    }


async def passport(
    ctx: handlers.WarrantyContext, ean_code: str, serial_code: str, reader: Principal
) -> dict[str, Any]:
    """The passport of one unit: operators see every unit, a customer only the units on the
    documents linked to their account (any other unit is answered as unknown)."""
    ean = validate_gtin13(ean_code)
    serial = repository.unit_serial(serial_code) or ""
    async with ctx.pool.acquire() as conn:
        found = await _read(conn, ctx, ean, serial)
    known = found["sale"] or found["claims"] or found["replaces"] or found["registration"]
    allowed = reader.role == "operator" or (
        found["account_id"] is not None and found["account_id"] == reader.subject
    )
    if not known or not allowed:
        raise BusinessRuleError("passport_unknown", _NO_PASSPORT, status_code=404)
    return found
