"""The warranty unit of work on PostgreSQL: one connection and one transaction per unit of work,
the outbox written in that transaction; the rows of adapters/repository.py handed out as the
unit of work's plain values."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any, TypeVar, cast
from uuid import UUID

import asyncpg

from services.warranty.adapters import repository
from services.warranty.adapters.batch import (
    AssessedRows,
    AssessmentBatch,
    FlushingConnection,
    batch_of,
)
from services.warranty.unit_of_work import (
    AccountUnit,
    Assessment,
    CatalogueProduct,
    Product,
    RepairPeriod,
    Replacement,
    UnitClaim,
    UnitOverview,
    UnitRegistration,
    UnitSale,
    UnitVoidMark,
)
from shared.db import Conn
from shared.events import ProductRegisteredData, SaleRecordedData
from shared.unit_of_work import PostgresOutboxUnitOfWork

ValueT = TypeVar("ValueT")


def _value(cls: type[ValueT], row: asyncpg.Record) -> ValueT:
    """The row's columns that are fields of `cls` (other columns are the query's own)."""
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    return cls(**{name: value for name, value in row.items() if name in names})


def _maybe(cls: type[ValueT], row: asyncpg.Record | None) -> ValueT | None:
    return None if row is None else _value(cls, row)


class PostgresUnitOfWork(PostgresOutboxUnitOfWork):
    """The transaction of shared/unit_of_work.py, with warranty's repositories on it."""

    def _open(self, conn: Conn) -> None:
        # In a consumer batch's transaction, its claims' reads and writes are shared
        # (adapters/batch.py): every other statement first writes what they left pending.
        batch = batch_of(conn)
        statements = conn if batch is None else cast(Conn, FlushingConnection(conn, batch))
        self.products = PostgresCatalogue(statements)
        self.units = PostgresUnits(statements, batch, conn)
        self.registrations = PostgresRegistrations(statements)
        self.claims = PostgresUnitClaims(statements)
        self.assessments = PostgresAssessments(statements, batch, conn)
        self.void_marks = PostgresVoidMarks(statements)


def _product(row: asyncpg.Record | None) -> Product | None:
    if row is None:
        return None
    product = _value(Product, row)
    return dataclasses.replace(product, problems=tuple(product.problems))


class PostgresCatalogue:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    async def record_sold(self, sale: SaleRecordedData) -> None:
        await repository.record_products_sold(self.conn, sale)

    async def get(self, ean: str) -> Product | None:
        return _product(await repository.get_product(self.conn, ean))

    async def import_entry(self, product: CatalogueProduct) -> bool:
        return await repository.import_product(self.conn, dataclasses.asdict(product))


class PostgresUnits:
    def __init__(
        self, conn: Conn, batch: AssessmentBatch | None = None, own: Conn | None = None
    ) -> None:
        self.conn = conn
        self._batch = batch  # with `own`, the transaction's connection
        self._own = own or conn

    async def record_sold(self, sale: SaleRecordedData) -> None:
        await repository.record_sold_units(self.conn, sale)

    async def link_document(
        self, document_type: str, document_number: str, account_id: UUID
    ) -> None:
        await repository.link_document(self.conn, document_type, document_number, account_id)

    async def origin_sale(self, ean: str, serial: str) -> UnitSale | None:
        return _maybe(UnitSale, await repository.origin_sale(self.conn, ean, serial))

    async def overview(self, ean: str, serial: str) -> UnitOverview:
        if self._batch is None:
            row = await repository.unit_overview(self.conn, ean, serial)
        else:
            row = await self._batch.overview(self._own, (ean, serial))
        return UnitOverview(
            sale=_value(UnitSale, row) if row["sold"] else None,
            registered_on=row["lineage_registered_on"],
            has_claims=row["has_claims"],
            has_void_mark=row["has_void_mark"],
            has_replacement=row["has_replacement"],
            has_repairs=row["has_repairs"],
            problem_parts=row["problem_parts"],
        )

    async def lineage_registration(self, ean: str, serial: str) -> date | None:
        registered_on: date | None = await repository.lineage_registration(self.conn, ean, serial)
        return registered_on

    async def add_replacement(self, replacement: Replacement) -> bool:
        return await repository.record_replacement(self.conn, dataclasses.asdict(replacement))

    async def hand_back_replacement(self, claim_id: UUID, handed_back_on: date | None) -> None:
        await repository.hand_back_replacement(self.conn, claim_id, handed_back_on)

    async def replacement_of(self, ean: str, serial: str) -> Replacement | None:
        return _maybe(Replacement, await repository.replacement_of(self.conn, ean, serial))

    async def replaced_by(self, ean: str, serial: str) -> Replacement | None:
        return _maybe(Replacement, await repository.replaced_by(self.conn, ean, serial))

    async def of_account(self, account_id: UUID) -> list[AccountUnit]:
        rows = await repository.account_units(self.conn, account_id)
        return [_value(AccountUnit, row) for row in rows]


class PostgresRegistrations:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    async def add(self, registration: ProductRegisteredData) -> bool:
        return await repository.insert_registration(self.conn, registration.model_dump())

    async def of_unit(self, ean: str, serial: str) -> UnitRegistration | None:
        return _maybe(UnitRegistration, await repository.registration(self.conn, ean, serial))


class PostgresUnitClaims:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    async def add(self, claim: UnitClaim) -> None:
        await repository.record_unit_claim(self.conn, dataclasses.asdict(claim))

    async def of_unit(self, ean: str, serial: str) -> list[UnitClaim]:
        rows = await repository.unit_claims(self.conn, ean, serial)
        return [_value(UnitClaim, row) for row in rows]

    async def set_status(self, claim_id: UUID, status: str, changed_on: date) -> None:
        await repository.set_unit_claim_status(self.conn, claim_id, status, changed_on)

    async def record_decision(
        self,
        claim_id: UUID,
        decision: str,
        decided_on: date,
        substantial_repair: bool | None,
        replaced_part: str | None,
    ) -> None:
        await repository.record_decision(
            self.conn, claim_id, decision, decided_on, substantial_repair, replaced_part
        )

    async def start_repair(
        self, claim_id: UUID, ean: str, serial: str | None, started_on: date
    ) -> None:
        await repository.start_repair(self.conn, claim_id, ean, serial, started_on)

    async def end_repair(self, claim_id: UUID, ended_on: date) -> None:
        await repository.end_repair(self.conn, claim_id, ended_on)

    async def repairs_of_unit(self, ean: str, serial: str) -> list[RepairPeriod]:
        rows = await repository.unit_repairs(self.conn, ean, serial)
        return [_value(RepairPeriod, row) for row in rows]


class PostgresAssessments:
    def __init__(
        self, conn: Conn, batch: AssessmentBatch | None = None, own: Conn | None = None
    ) -> None:
        self.conn = conn
        self._batch = batch  # with `own`, the transaction's connection
        self._own = own or conn

    async def save(
        self, claim_id: UUID, rma_number: str, claim: dict[str, Any], verdict: dict[str, Any]
    ) -> None:
        await repository.save_assessment(self.conn, claim_id, rma_number, claim, verdict)

    async def save_with_unit_claim(
        self,
        claim_id: UUID,
        rma_number: str,
        claim: dict[str, Any],
        verdict: dict[str, Any],
        unit_claim: UnitClaim | None,
    ) -> None:
        rows = AssessedRows(
            claim_id,
            rma_number,
            claim,
            verdict,
            None if unit_claim is None else dataclasses.asdict(unit_claim),
        )
        if self._batch is not None:
            await self._batch.save(self._own, rows)
            return
        unit_claims = [] if rows.unit_claim is None else [rows.unit_claim]
        await repository.save_assessments(
            self.conn, [(claim_id, rma_number, claim, verdict)], unit_claims
        )

    async def get(self, claim_id: UUID) -> Assessment | None:
        return _maybe(Assessment, await repository.get_assessment(self.conn, claim_id))

    async def latest_claim_of_unit(self, ean: str, serial: str) -> dict[str, Any] | None:
        claim: dict[str, Any] | None = await repository.latest_assessed_claim(
            self.conn, ean, serial
        )
        return claim


class PostgresVoidMarks:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    async def add(self, mark: UnitVoidMark) -> bool:
        return await repository.insert_void_mark(self.conn, dataclasses.asdict(mark))

    async def of_unit(self, ean: str, serial: str) -> UnitVoidMark | None:
        mark = _maybe(UnitVoidMark, await repository.void_mark(self.conn, ean, serial))
        return None if mark is None else dataclasses.replace(mark, evidence=tuple(mark.evidence))
