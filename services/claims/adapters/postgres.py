"""The claims unit of work on PostgreSQL: one connection and one transaction per unit of work,
the outbox written in that transaction."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from uuid import UUID

import asyncpg

from services.claims.adapters import charges, repository, statistics
from services.claims.adapters.claim_repository import PostgresClaimRepository, deadline_facts_of
from services.claims.adapters.shipments import PostgresShipments
from services.claims.domain.deadlines import ClaimDeadlineFacts
from services.claims.domain.finance import Movement
from services.claims.domain.parts import ParcelRecord
from services.claims.unit_of_work import (
    ClaimListing,
    CustomerContact,
    DailyCount,
    DecisionTime,
    FilingRecords,
    OwnedDocument,
    SalesDocument,
    StoredParcel,
)
from shared.db import Conn
from shared.events import (
    AccountContactChangedData,
    ClaimedProduct,
    Deadline,
    DocumentLinkedData,
    PostalAddress,
    SaleLine,
    SaleRecordedData,
)
from shared.unit_of_work import PostgresOutboxUnitOfWork


class PostgresUnitOfWork(PostgresOutboxUnitOfWork):
    """The claims' repositories and outbox on one connection (shared/unit_of_work.py): a
    pool's, in a transaction of its own, or a consumer's, in the transaction that holds its
    inbox row."""

    def _open(self, conn: Conn) -> None:
        self.claims = PostgresClaimRepository(conn)
        self.parcels = PostgresParcels(conn)
        self.sales = PostgresSalesLedger(conn)
        self.listings = PostgresListings(conn)
        self.shipments = PostgresShipments(conn)


def _parcel(row: asyncpg.Record) -> StoredParcel:
    return StoredParcel(
        parcel_id=row["parcel_id"],
        claim_id=row["claim_id"],
        rma_number=row["rma_number"],
        tracking_number=row["tracking_number"],
        scanned_by=row["scanned_by"],
        received_at=row["received_at"],
        attention=row["attention"],
    )


class PostgresParcels:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    async def get(self, parcel_id: UUID) -> StoredParcel | None:
        row = await self.conn.fetchrow("SELECT * FROM parcels WHERE parcel_id = $1", parcel_id)
        return _parcel(row) if row else None

    async def by_tracking(self, tracking_number: str) -> StoredParcel | None:
        row = await repository.find_parcel_by_tracking(self.conn, tracking_number)
        return _parcel(row) if row else None

    async def add_unidentified(self, parcel: ParcelRecord, rma_number: str | None) -> None:
        await repository.insert_unidentified_parcel(
            self.conn,
            parcel.parcel_id,
            rma_number,
            parcel.tracking_number,
            parcel.scanned_by,
            parcel.received_at,
        )

    async def unidentified(self, parcel_id: UUID) -> StoredParcel | None:
        row = await repository.lock_unidentified_parcel(self.conn, parcel_id)
        return _parcel(row) if row else None

    async def assign(self, parcel_id: UUID, claim_id: UUID, operator: str) -> None:
        await repository.resolve_parcel(self.conn, parcel_id, claim_id, operator)

    async def needing_operator(self) -> list[StoredParcel]:
        return [_parcel(row) for row in await repository.unidentified_parcels(self.conn)]

    async def resolve_attention(self, parcel_id: UUID, operator: str) -> bool:
        return await repository.resolve_attention_parcel(self.conn, parcel_id, operator)

    async def attention_open_for(self, claim_id: UUID) -> bool:
        return await repository.open_attention_parcel(self.conn, claim_id)


def _sales_document(row: asyncpg.Record) -> SalesDocument:
    return SalesDocument(
        document_type=row["document_type"],
        document_number=row["document_number"],
        issued_on=row["issued_on"],
        delivered_on=row["delivered_on"],
        buyer_type=row["buyer_type"],
        total=row["total"],
        buyer_name=row["buyer_name"],
        lines=tuple(SaleLine.model_validate(line) for line in row["lines"]),
    )


def _contact(row: asyncpg.Record | Mapping[str, Any]) -> CustomerContact:
    """A customer_contacts row (or its JSON, whose account_id is text)."""
    address = PostalAddress.model_validate(row["address"]) if row["address"] else None
    return CustomerContact(
        UUID(str(row["account_id"])), row["full_name"], row["email"], row["phone"], address
    )


class PostgresSalesLedger:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    async def record_sale(self, sale: SaleRecordedData) -> None:
        await repository.upsert_sales_document(self.conn, sale)

    async def record_owner(self, link: DocumentLinkedData) -> None:
        await repository.upsert_document_owner(self.conn, link)

    async def change_owner_email(self, account_id: UUID, email: str) -> None:
        await self.conn.execute(
            "UPDATE document_owners SET email = $2 WHERE account_id = $1", account_id, email
        )

    async def record_contact(self, contact: AccountContactChangedData) -> None:
        await repository.upsert_customer_contact(self.conn, contact)

    async def record_problems(self, ean: str, problems: list[str]) -> None:
        await repository.upsert_product_problems(self.conn, ean, problems)

    async def owned_document(
        self, account_id: UUID, document_type: str, document_number: str
    ) -> OwnedDocument | None:
        row = await repository.find_owned_document(
            self.conn, account_id, document_type, document_number
        )
        if row is None:
            return None
        return OwnedDocument(_sales_document(row), account_id, row["email"], row["language"])

    async def document(self, document_type: str, document_number: str) -> SalesDocument | None:
        row = await self.conn.fetchrow(
            "SELECT * FROM sales_documents WHERE document_type = $1 AND document_number = $2",
            document_type,
            document_number,
        )
        return _sales_document(row) if row else None

    async def contact(self, account_id: UUID) -> CustomerContact | None:
        row = await repository.customer_contact(self.conn, account_id)
        return _contact(row) if row is not None else None

    async def filing_records(
        self, account_id: UUID, document_type: str, document_number: str, serial: str | None
    ) -> FilingRecords | None:
        row = await repository.filing_records(
            self.conn, account_id, document_type, document_number, serial
        )
        if row is None:
            return None
        contact = row["contact"]
        return FilingRecords(
            owned=OwnedDocument(_sales_document(row), account_id, row["email"], row["language"]),
            contact=_contact(contact) if contact is not None else None,
            problems_by_ean=row["problems"] or {},
            registered_on=row["registered_on"],
        )

    async def problems(self, ean: str) -> list[str]:
        return await repository.product_problems(self.conn, ean)

    async def serial_sold(self, serial_number: str) -> bool:
        return await repository.serial_known(self.conn, serial_number)

    async def record_registration(self, serial_number: str, registered_on: date) -> None:
        await self.conn.execute(
            """INSERT INTO registered_units (serial_number, registered_on) VALUES ($1, $2)
               ON CONFLICT (serial_number) DO UPDATE
               SET registered_on = least(registered_units.registered_on, EXCLUDED.registered_on)""",
            serial_number.upper(),
            registered_on,
        )

    async def registered_on(self, serial_number: str) -> date | None:
        found: date | None = await self.conn.fetchval(
            "SELECT registered_on FROM registered_units WHERE serial_number = upper($1)",
            serial_number,
        )
        return found


def _listing(row: asyncpg.Record) -> ClaimListing:
    """A claim row with `decided_at`, `shipped_at` and `refunded_at` beside its columns."""
    return ClaimListing(
        claim_id=row["claim_id"],
        rma_number=row["rma_number"],
        status=row["status"],
        claim_type=row["claim_type"],
        product=ClaimedProduct.model_validate(row["product"]),
        serial_number=row["serial_number"],
        customer_reference=row["customer_reference"],
        created_at=row["created_at"],
        deadlines=tuple(Deadline.model_validate(d) for d in row["deadlines"] or ()),
        serial_mismatch=bool(row["serial_mismatch"]),
        deadline_facts=deadline_facts_of(row),
    )


class PostgresListings:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    async def search(self, account_id: UUID, query: str) -> list[ClaimListing]:
        rows = await repository.search_claims(self.conn, account_id, query)
        return [_listing(row) for row in rows]

    async def by_status(
        self, statuses: list[str] | None, limit: int, oldest_first: bool
    ) -> list[ClaimListing]:
        rows = await repository.claims_by_status(self.conn, statuses, limit, oldest_first)
        return [_listing(row) for row in rows]

    async def count_by_status(self) -> dict[str, int]:
        return await repository.count_claims_by_status(self.conn)

    async def daily_counts(self, since: date, until: date) -> list[DailyCount]:
        return await statistics.daily_counts(self.conn, since, until)

    async def decision_times(self, since: date, until: date) -> list[DecisionTime]:
        return await statistics.decision_times(self.conn, since, until)

    async def deadline_facts(self, since: date) -> list[ClaimDeadlineFacts]:
        return await statistics.deadline_facts(self.conn, since)

    async def money_movements(self, since: datetime, until: datetime) -> list[Movement]:
        return await charges.money_movements(self.conn, since, until)
