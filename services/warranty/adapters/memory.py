"""The warranty unit of work in memory: what PostgreSQL keeps, as dicts, for tests of the service
layer that run in milliseconds. The contract tests (tests/support/warranty_contract.py) hold it
to the PostgreSQL implementation.

A unit of work works on a copy of the committed state and puts it back on commit
(shared/unit_of_work.py), so a refused command changes nothing.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from services.warranty.unit_of_work import (
    AccountUnit,
    Assessment,
    CatalogueProduct,
    Product,
    RepairPeriod,
    Replacement,
    SoldUnit,
    UnitClaim,
    UnitOverview,
    UnitRegistration,
    UnitSale,
    UnitVoidMark,
    units_sold,
)
from shared.events import ProductRegisteredData, SaleRecordedData
from shared.unit_of_work import MemoryOutboxDatabase, MemoryOutboxUnitOfWork, OutboxState

# How far back a chain of replacements is followed, as the recursive SQL does.
LINEAGE_DEPTH = 20

Unit = tuple[str, str | None]  # EAN and serial number


@dataclass
class _Repair:
    claim_id: UUID
    unit: Unit
    started_on: date
    ended_on: date | None = None


@dataclass
class MemoryState(OutboxState):
    products: dict[str, Product] = field(default_factory=dict)
    sold_units: dict[Unit, SoldUnit] = field(default_factory=dict)
    owners: dict[tuple[str, str], UUID] = field(default_factory=dict)
    registrations: dict[Unit, ProductRegisteredData] = field(default_factory=dict)
    claims: dict[UUID, UnitClaim] = field(default_factory=dict)
    repairs: dict[UUID, _Repair] = field(default_factory=dict)
    replacements: dict[UUID, Replacement] = field(default_factory=dict)
    assessments: dict[UUID, Assessment] = field(default_factory=dict)
    void_marks: dict[Unit, UnitVoidMark] = field(default_factory=dict)

    def lineage(self, ean: str, serial: str) -> Iterator[Unit]:
        """The unit, then the unit it replaced, and so on back to the one that was sold."""
        unit: Unit = (ean, serial)
        for _depth in range(LINEAGE_DEPTH + 1):
            yield unit
            given = next(
                (r for r in self.replacements.values() if (r.new_ean, r.new_serial_number) == unit),
                None,
            )
            if given is None or given.old_serial_number is None:
                return
            unit = (given.old_ean, given.old_serial_number)

    def registered_on(self, unit: Unit) -> date | None:
        registration = self.registrations.get(unit)
        return None if registration is None else registration.registered_on


class MemoryDatabase(MemoryOutboxDatabase[MemoryState]):
    def __init__(self) -> None:
        super().__init__(MemoryState())

    def unit_of_work(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self)


class MemoryUnitOfWork(MemoryOutboxUnitOfWork[MemoryState]):
    """The transaction of shared/unit_of_work.py, with warranty's repositories on its copy."""

    def _open(self, work: MemoryState) -> None:
        self.products = MemoryCatalogue(work)
        self.units = MemoryUnits(work)
        self.registrations = MemoryRegistrations(work)
        self.claims = MemoryUnitClaims(work)
        self.assessments = MemoryAssessments(work)
        self.void_marks = MemoryVoidMarks(work)


def _earliest(a: date | None, b: date | None) -> date | None:
    return min(filter(None, (a, b)), default=None)


def _latest(a: date | None, b: date | None) -> date | None:
    return max(filter(None, (a, b)), default=None)


def _catalogue_fields(product: CatalogueProduct) -> dict[str, Any]:
    """The entry as PostgreSQL stores it: text, and JSON lists and objects."""
    return {
        "ean": product.ean,
        "sku": product.sku,
        "name": product.name,
        "brand": product.brand,
        "category": str(product.category),
        "outlet": product.outlet,
        "problems": tuple(product.problems),
        "serial_required": product.serial_required,
        "problem_parts": {str(k): str(v) for k, v in product.problem_parts.items()},
    }


class MemoryCatalogue:
    def __init__(self, state: MemoryState) -> None:
        self.state = state

    async def record_sold(self, sale: SaleRecordedData) -> None:
        for line in sorted(sale.lines, key=lambda line: line.ean):
            known = self.state.products.get(line.ean) or Product(
                line.ean, line.sku, line.name, line.brand, line.category
            )
            self.state.products[line.ean] = dataclasses.replace(
                known,
                sku=line.sku,
                name=line.name,
                brand=line.brand,
                category=line.category,
                outlet=line.outlet,
                first_sold_on=_earliest(known.first_sold_on, sale.issued_on),
                last_sold_on=_latest(known.last_sold_on, sale.issued_on),
            )

    async def get(self, ean: str) -> Product | None:
        return self.state.products.get(ean)

    async def import_entry(self, product: CatalogueProduct) -> bool:
        entry = _catalogue_fields(product)
        known = self.state.products.get(product.ean)
        if known is None:
            self.state.products[product.ean] = Product(**entry)
            return True
        if _catalogue_fields(known) == entry:
            return False
        self.state.products[product.ean] = dataclasses.replace(known, **entry)
        return True


class MemoryUnits:
    def __init__(self, state: MemoryState) -> None:
        self.state = state

    async def record_sold(self, sale: SaleRecordedData) -> None:
        for unit in units_sold(sale):
            self.state.sold_units[(unit.ean, unit.serial_number)] = unit

    async def link_document(
        self, document_type: str, document_number: str, account_id: UUID
    ) -> None:
        self.state.owners[(document_type, document_number)] = account_id

    async def origin_sale(self, ean: str, serial: str) -> UnitSale | None:
        for depth, unit in enumerate(self.state.lineage(ean, serial)):
            sold = self.state.sold_units.get(unit)
            if sold is not None:
                return UnitSale(
                    **dataclasses.asdict(sold),
                    account_id=self.state.owners.get((sold.document_type, sold.document_number)),
                    depth=depth,
                    registered_on=self.state.registered_on(unit),
                )
        return None

    async def lineage_registration(self, ean: str, serial: str) -> date | None:
        registered = map(self.state.registered_on, self.state.lineage(ean, serial))
        return next(filter(None, registered), None)

    async def overview(self, ean: str, serial: str) -> UnitOverview:
        unit = (ean, serial)
        product = self.state.products.get(ean)
        return UnitOverview(
            sale=await self.origin_sale(ean, serial),
            registered_on=await self.lineage_registration(ean, serial),
            has_claims=any((c.ean, c.serial_number) == unit for c in self.state.claims.values()),
            has_void_mark=unit in self.state.void_marks,
            has_replacement=await self.replacement_of(ean, serial) is not None,
            has_repairs=bool(await MemoryUnitClaims(self.state).repairs_of_unit(ean, serial)),
            problem_parts=product.problem_parts if product is not None else {},
        )

    async def add_replacement(self, replacement: Replacement) -> bool:
        new_unit = (replacement.new_ean, replacement.new_serial_number)
        taken = replacement.claim_id in self.state.replacements or any(
            (r.new_ean, r.new_serial_number) == new_unit for r in self.state.replacements.values()
        )
        if taken:
            return False
        self.state.replacements[replacement.claim_id] = dataclasses.replace(
            replacement, handed_back_on=None
        )
        return True

    async def hand_back_replacement(self, claim_id: UUID, handed_back_on: date | None) -> None:
        if (replacement := self.state.replacements.get(claim_id)) is not None:
            self.state.replacements[claim_id] = dataclasses.replace(
                replacement, handed_back_on=handed_back_on
            )

    async def replacement_of(self, ean: str, serial: str) -> Replacement | None:
        return next(
            (
                r
                for r in self.state.replacements.values()
                if (r.new_ean, r.new_serial_number) == (ean, serial)
            ),
            None,
        )

    async def replaced_by(self, ean: str, serial: str) -> Replacement | None:
        given = [
            r
            for r in self.state.replacements.values()
            if (r.old_ean, r.old_serial_number) == (ean, serial)
        ]
        return max(given, key=lambda r: r.issued_on, default=None)

    async def of_account(self, account_id: UUID) -> list[AccountUnit]:
        found: list[tuple[AccountUnit, int]] = []
        for sold in self.state.sold_units.values():
            if self.state.owners.get((sold.document_type, sold.document_number)) == account_id:
                unit = (sold.ean, sold.serial_number)
                root = self._listed(unit, sold, self.state.registered_on(unit), None)
                found.extend(self._with_replacements(root, 0))
        found.sort(key=lambda pair: (pair[0].document_number, pair[1], pair[0].serial_number))
        found.sort(key=lambda pair: pair[0].issued_on, reverse=True)
        return [unit for unit, _depth in found]

    def _with_replacements(
        self, unit: AccountUnit, depth: int
    ) -> Iterator[tuple[AccountUnit, int]]:
        yield unit, depth
        if depth >= LINEAGE_DEPTH:
            return
        for given in self.state.replacements.values():
            if (given.old_ean, given.old_serial_number) != (unit.ean, unit.serial_number):
                continue
            new_unit = (given.new_ean, given.new_serial_number)
            registered_on = self.state.registered_on(new_unit) or unit.registered_on
            replacement = self._listed(new_unit, unit, registered_on, unit.serial_number)
            yield from self._with_replacements(replacement, depth + 1)

    def _listed(
        self,
        unit: tuple[str, str],
        sale: SoldUnit | AccountUnit,
        registered_on: date | None,
        replaces: str | None,
    ) -> AccountUnit:
        product = self.state.products.get(unit[0])
        replaced_by = [
            r for r in self.state.replacements.values() if (r.old_ean, r.old_serial_number) == unit
        ]
        latest = max(replaced_by, key=lambda r: r.issued_on, default=None)
        return AccountUnit(
            ean=unit[0],
            serial_number=unit[1],
            name=product.name if product else unit[0],
            brand=product.brand if product else "",
            category=product.category if product else "other",
            document_type=sale.document_type,
            document_number=sale.document_number,
            issued_on=sale.issued_on,
            buyer_type=sale.buyer_type,
            registered_on=registered_on,
            replaces_serial_number=replaces,
            replaced_by_serial_number=latest.new_serial_number if latest else None,
        )


class MemoryRegistrations:
    def __init__(self, state: MemoryState) -> None:
        self.state = state

    async def add(self, registration: ProductRegisteredData) -> bool:
        unit = (registration.ean, registration.serial_number)
        if unit in self.state.registrations:
            return False
        self.state.registrations[unit] = registration
        return True

    async def of_unit(self, ean: str, serial: str) -> UnitRegistration | None:
        registration = self.state.registrations.get((ean, serial))
        if registration is None:
            return None
        return UnitRegistration(registration.registered_on, registration.purchased_on)


def _a_repair(claim: UnitClaim | None) -> bool:
    """A claim decided otherwise (replacement, refund, rejection) was no repair."""
    return claim is None or claim.decision in (None, "repair")


class MemoryUnitClaims:
    def __init__(self, state: MemoryState) -> None:
        self.state = state

    async def add(self, claim: UnitClaim) -> None:
        self.state.claims.setdefault(
            claim.claim_id,
            UnitClaim(
                claim.claim_id,
                claim.ean,
                claim.serial_number,
                claim.rma_number,
                claim.claim_type,
                claim.problem,
                claim.claimed_at,
                claim.repeated_defect,
            ),
        )

    async def of_unit(self, ean: str, serial: str) -> list[UnitClaim]:
        claims = [
            c for c in self.state.claims.values() if (c.ean, c.serial_number) == (ean, serial)
        ]
        claims.sort(key=lambda c: (c.claimed_at, c.rma_number))
        return [dataclasses.replace(c, repaired=self._repaired(c)) for c in claims]

    def _repaired(self, claim: UnitClaim) -> bool:
        repair = self.state.repairs.get(claim.claim_id)
        return repair is not None and repair.ended_on is not None and _a_repair(claim)

    def _change(self, claim_id: UUID, **changes: Any) -> None:
        if (claim := self.state.claims.get(claim_id)) is not None:
            self.state.claims[claim_id] = dataclasses.replace(claim, **changes)

    async def set_status(self, claim_id: UUID, status: str, changed_on: date) -> None:
        self._change(claim_id, status=status, status_changed_on=changed_on)

    async def record_decision(
        self,
        claim_id: UUID,
        decision: str,
        decided_on: date,
        substantial_repair: bool | None,
        replaced_part: str | None,
    ) -> None:
        self._change(
            claim_id,
            decision=decision,
            decided_on=decided_on,
            substantial_repair=substantial_repair,
            replaced_part=replaced_part,
        )

    async def start_repair(
        self, claim_id: UUID, ean: str, serial: str | None, started_on: date
    ) -> None:
        self.state.repairs.setdefault(claim_id, _Repair(claim_id, (ean, serial), started_on))

    async def end_repair(self, claim_id: UUID, ended_on: date) -> None:
        repair = self.state.repairs.get(claim_id)
        if repair is not None and repair.ended_on is None:
            repair.ended_on = ended_on

    async def repairs_of_unit(self, ean: str, serial: str) -> list[RepairPeriod]:
        periods = []
        for repair in self.state.repairs.values():
            claim = self.state.claims.get(repair.claim_id)
            if repair.unit != (ean, serial) or not _a_repair(claim):
                continue
            periods.append(
                RepairPeriod(
                    claim_id=repair.claim_id,
                    rma_number=claim.rma_number if claim else None,
                    started_on=repair.started_on,
                    ended_on=repair.ended_on,
                    substantial_repair=claim.substantial_repair if claim else None,
                    replaced_part=claim.replaced_part if claim else None,
                )
            )
        # Oldest first; the one under way (no end) after those that ended the same day.
        return sorted(periods, key=lambda p: (p.started_on, p.ended_on is None, p.ended_on))


class MemoryAssessments:
    def __init__(self, state: MemoryState) -> None:
        self.state = state

    async def save(
        self, claim_id: UUID, rma_number: str, claim: dict[str, Any], verdict: dict[str, Any]
    ) -> None:
        known = self.state.assessments.get(claim_id)
        kept = claim if known is None else known.claim
        self.state.assessments[claim_id] = Assessment(copy.deepcopy(kept), copy.deepcopy(verdict))

    async def save_with_unit_claim(
        self,
        claim_id: UUID,
        rma_number: str,
        claim: dict[str, Any],
        verdict: dict[str, Any],
        unit_claim: UnitClaim | None,
    ) -> None:
        if unit_claim is not None:
            await MemoryUnitClaims(self.state).add(unit_claim)
        await self.save(claim_id, rma_number, claim, verdict)

    async def get(self, claim_id: UUID) -> Assessment | None:
        return copy.deepcopy(self.state.assessments.get(claim_id))

    async def latest_claim_of_unit(self, ean: str, serial: str) -> dict[str, Any] | None:
        claims = [
            c
            for c in self.state.claims.values()
            if (c.ean, c.serial_number) == (ean, serial) and c.claim_id in self.state.assessments
        ]
        latest = max(claims, key=lambda c: c.claimed_at, default=None)
        return (
            None if latest is None else copy.deepcopy(self.state.assessments[latest.claim_id].claim)
        )


class MemoryVoidMarks:
    def __init__(self, state: MemoryState) -> None:
        self.state = state

    async def add(self, mark: UnitVoidMark) -> bool:
        return self.state.void_marks.setdefault((mark.ean, mark.serial_number), mark) is mark

    async def of_unit(self, ean: str, serial: str) -> UnitVoidMark | None:
        return self.state.void_marks.get((ean, serial))
