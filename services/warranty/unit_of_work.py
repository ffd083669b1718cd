"""The warranty service's port to its storage: one unit of work per command, query or consumed
event.

A handler opens a unit of work, loads what it needs through its repositories (plain values,
never database rows), calls the domain, saves, hands its events to the outbox and commits:
written together or not at all. Leaving the block without `commit` rolls back.

Two implementations keep these promises: `adapters.postgres` (asyncpg, in production) and
`adapters.memory` (dicts, for tests of the service layer in milliseconds). One contract test class
(tests/support/warranty_contract.py) runs against both, so the fake cannot drift. `bootstrap.py`
is the only place that chooses. The transaction itself is shared/unit_of_work.py's.

Consumed events: the inbox stays with the consumer (shared/inbox.py). It records a whole batch's
events in one query and runs their effects in one transaction; each effect is a handler given a
unit of work opened on that transaction (`adapters.postgres.PostgresUnitOfWork(conn)`), whose
commit leaves the decision to the batch. There the batch's claims read their units in one
statement and write their assessments in one (adapters/batch.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol
from uuid import UUID

from shared.events import BuyerType, ProductRegisteredData, SaleRecordedData
from shared.unit_of_work import OutboxUnitOfWork


def unit_serial(serial: str | None) -> str | None:
    """Serial numbers as the passport keeps them: trimmed, in capitals."""
    if serial is None or not serial.strip():
        return None
    return serial.strip().upper()


# --- what the repositories hand out -------------------------------------------------------


@dataclass(frozen=True)
class SoldUnit:
    """A unit (serial number) on a sales document, as the ledger's SaleRecorded lists it."""

    ean: str
    serial_number: str
    document_type: str
    document_number: str
    issued_on: date
    delivered_on: date | None
    buyer_type: BuyerType
    activated_on: date | None


def units_sold(sale: SaleRecordedData) -> list[SoldUnit]:
    return [
        SoldUnit(
            line.ean,
            serial,
            sale.document_type,
            sale.document_number,
            sale.issued_on,
            sale.delivered_on,
            sale.buyer.type,
            line.activated_on,
        )
        for line in sale.lines
        for serial in filter(None, map(unit_serial, line.serial_numbers))
    ]


@dataclass(frozen=True)
class CatalogueProduct:
    """A catalogue entry as the admin import gives it."""

    ean: str
    sku: str
    name: str
    brand: str
    category: str
    outlet: bool = False
    problems: tuple[str, ...] = ()
    serial_required: bool | None = None
    # The problems of the list that concern a wear part, and which.
    problem_parts: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Product(CatalogueProduct):
    """A product as warranty knows it: the catalogue's entry and the ledger's sale dates."""

    first_sold_on: date | None = None
    last_sold_on: date | None = None


@dataclass(frozen=True)
class UnitSale(SoldUnit):
    """The sale of a unit, or of the unit it was given in place of (the nearest one): its
    `serial_number` is the unit on the document."""

    account_id: UUID | None  # the account its document is linked to
    depth: int  # 0: this very unit; 1: the unit it replaced; ...
    registered_on: date | None  # the registration of the unit on the document


@dataclass(frozen=True)
class UnitOverview:
    """What a claim's assessment reads first about a unit, in one statement: its sale and
    registration, and which of its other records exist. A unit without a past (the first claim
    for most units) then costs one read instead of six."""

    sale: UnitSale | None  # as Units.origin_sale
    registered_on: date | None  # as Units.lineage_registration
    has_claims: bool
    has_void_mark: bool
    has_replacement: bool  # it was given in place of another (Units.replacement_of)
    has_repairs: bool  # as UnitClaims.repairs_of_unit finds any
    # The wear parts by problem of the product with the unit's EAN (as Catalogue.get gives
    # them; none for a product the catalogue does not know): a claim's wear part, in the same read.
    problem_parts: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class UnitRegistration:
    registered_on: date
    purchased_on: date


@dataclass(frozen=True)
class UnitClaim:
    """A claim for a unit, as its status changes and its decision arrived."""

    claim_id: UUID
    ean: str
    serial_number: str | None
    rma_number: str
    claim_type: str
    problem: str
    claimed_at: datetime
    repeated_defect: dict[str, Any] | None = None
    status: str = "submitted"
    status_changed_on: date | None = None
    decision: str | None = None
    decided_on: date | None = None
    substantial_repair: bool | None = None
    replaced_part: str | None = None
    repaired: bool = False  # its repair period ended and it was not decided otherwise


@dataclass(frozen=True)
class RepairPeriod:
    """A warranty repair of a unit: from receipt to hand-back (None while under way)."""

    claim_id: UUID
    rma_number: str | None
    started_on: date
    ended_on: date | None
    substantial_repair: bool | None
    replaced_part: str | None


@dataclass(frozen=True)
class Replacement:
    claim_id: UUID
    rma_number: str
    old_ean: str
    old_serial_number: str | None
    new_ean: str
    new_serial_number: str
    issued_on: date
    handed_back_on: date | None = None


@dataclass(frozen=True)
class UnitVoidMark:
    """An operator's finding, on a claim, that the unit's warranty is void."""

    ean: str
    serial_number: str
    claim_id: UUID
    rma_number: str
    reason: str  # a code of shared.claims_vocabulary.WARRANTY_VOID_REASONS
    evidence: tuple[UUID, ...]  # the claim's attachments that show it
    note: str | None
    marked_at: datetime
    marked_by: str


@dataclass(frozen=True)
class Assessment:
    """A claim's facts as warranty kept them (to assess again) and its latest verdict."""

    claim: dict[str, Any]
    verdict: dict[str, Any]


@dataclass(frozen=True)
class AccountUnit:
    """A unit on an account's documents, or given in place of one (carrying its sale on)."""

    ean: str
    serial_number: str
    name: str
    brand: str
    category: str
    document_type: str
    document_number: str
    issued_on: date
    buyer_type: BuyerType
    registered_on: date | None
    replaces_serial_number: str | None
    replaced_by_serial_number: str | None


# --- the repositories -----------------------------------------------------------------------


class Catalogue(Protocol):
    async def record_sold(self, sale: SaleRecordedData) -> None:
        """Add the document's products and move their first and last sale dates."""
        ...

    async def get(self, ean: str) -> Product | None: ...

    async def import_entry(self, product: CatalogueProduct) -> bool:
        """Names, categories and problem lists (sale dates stay the ledger's); True when the
        entry was new or changed anything."""
        ...


class Units(Protocol):
    """Units sold, the accounts their documents are linked to, and replacements."""

    async def record_sold(self, sale: SaleRecordedData) -> None: ...
    async def link_document(
        self, document_type: str, document_number: str, account_id: UUID
    ) -> None: ...
    async def origin_sale(self, ean: str, serial: str) -> UnitSale | None: ...
    async def lineage_registration(self, ean: str, serial: str) -> date | None:
        """The registration of this unit or of the unit it replaced: the warranty goes on."""
        ...

    async def overview(self, ean: str, serial: str) -> UnitOverview: ...
    async def add_replacement(self, replacement: Replacement) -> bool: ...
    async def hand_back_replacement(self, claim_id: UUID, handed_back_on: date | None) -> None: ...
    async def replacement_of(self, ean: str, serial: str) -> Replacement | None:
        """The replacement that handed this unit to the buyer in place of another."""
        ...

    async def replaced_by(self, ean: str, serial: str) -> Replacement | None: ...
    async def of_account(self, account_id: UUID) -> list[AccountUnit]:
        """Newest purchase first; each replacement after the unit it replaced."""
        ...


class Registrations(Protocol):
    async def add(self, registration: ProductRegisteredData) -> bool:
        """False when the unit (EAN and serial number) is registered already."""
        ...

    async def of_unit(self, ean: str, serial: str) -> UnitRegistration | None: ...


class UnitClaims(Protocol):
    """Every claim for a unit and its warranty repairs."""

    async def add(self, claim: UnitClaim) -> None: ...
    async def of_unit(self, ean: str, serial: str) -> list[UnitClaim]:
        """Oldest first."""
        ...

    async def set_status(self, claim_id: UUID, status: str, changed_on: date) -> None: ...
    async def record_decision(
        self,
        claim_id: UUID,
        decision: str,
        decided_on: date,
        substantial_repair: bool | None,
        replaced_part: str | None,
    ) -> None: ...
    async def start_repair(
        self, claim_id: UUID, ean: str, serial: str | None, started_on: date
    ) -> None: ...
    async def end_repair(self, claim_id: UUID, ended_on: date) -> None: ...
    async def repairs_of_unit(self, ean: str, serial: str) -> list[RepairPeriod]:
        """Oldest first, the one under way included; a claim decided otherwise was no repair."""
        ...


class Assessments(Protocol):
    async def save(
        self, claim_id: UUID, rma_number: str, claim: dict[str, Any], verdict: dict[str, Any]
    ) -> None:
        """The first save keeps the claim's facts; a later one replaces the verdict only."""
        ...

    async def save_with_unit_claim(
        self,
        claim_id: UUID,
        rma_number: str,
        claim: dict[str, Any],
        verdict: dict[str, Any],
        unit_claim: UnitClaim | None,
    ) -> None:
        """A new claim's assessment (as `save`) and, for a claim that names its unit, the claim
        among the unit's (`unit_claim`, as UnitClaims.add): one write where they took two."""
        ...

    async def get(self, claim_id: UUID) -> Assessment | None: ...
    async def latest_claim_of_unit(self, ean: str, serial: str) -> dict[str, Any] | None:
        """The facts of the unit's latest assessed claim."""
        ...


class VoidMarks(Protocol):
    async def add(self, mark: UnitVoidMark) -> bool:
        """False when the unit is marked already: the first mark stands."""
        ...

    async def of_unit(self, ean: str, serial: str) -> UnitVoidMark | None: ...


class WarrantyUnitOfWork(OutboxUnitOfWork, Protocol):
    # Open once the unit of work is entered.
    @property
    def products(self) -> Catalogue: ...
    @property
    def units(self) -> Units: ...
    @property
    def registrations(self) -> Registrations: ...
    @property
    def claims(self) -> UnitClaims: ...
    @property
    def assessments(self) -> Assessments: ...
    @property
    def void_marks(self) -> VoidMarks: ...


UnitOfWorkFactory = Callable[[], WarrantyUnitOfWork]
