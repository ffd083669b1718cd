"""The shipments of claims filed in bulk, on PostgreSQL (issue 25 §6)."""

from __future__ import annotations

import json
from datetime import date
from uuid import UUID

import asyncpg

from services.claims.adapters.repository import lock_serials
from services.claims.domain.shipment import ChecklistItem, RefusedRow, Shipment, ShippedClaim
from shared.claims_vocabulary import ENDED_STATUSES
from shared.db import Conn
from shared.events import AccountType


def refused_json(refused: tuple[RefusedRow, ...]) -> list[dict[str, object]]:
    return [
        {
            "row_no": row.row_no,
            "code": row.code,
            "field": row.field,
            "params": dict(row.params),
            "polish": row.polish,
            "english": row.english,
        }
        for row in refused
    ]


def refused_rows(stored: object) -> tuple[RefusedRow, ...]:
    rows = json.loads(stored) if isinstance(stored, str) else stored
    assert isinstance(rows, list)
    return tuple(
        RefusedRow(r["row_no"], r["code"], r["field"], r["params"], r["polish"], r["english"])
        for r in rows
    )


class PostgresShipments:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    async def account_type(self, account_id: UUID) -> AccountType | None:
        found: AccountType | None = await self.conn.fetchval(
            "SELECT account_type FROM document_owners WHERE account_id = $1 LIMIT 1", account_id
        )
        return found

    async def lock_serials(self, serial_numbers: list[str]) -> None:
        await lock_serials(self.conn, serial_numbers)

    async def open_claims_of(self, serial_numbers: list[str]) -> dict[str, str]:
        rows = await self.conn.fetch(
            """SELECT DISTINCT ON (upper(serial_number)) upper(serial_number) AS serial,
                      rma_number
               FROM claims
               WHERE upper(serial_number) = ANY(SELECT upper(s) FROM unnest($1::text[]) AS s)
                 AND status <> ALL($2::text[])
               ORDER BY upper(serial_number), created_at""",
            serial_numbers,
            sorted(ENDED_STATUSES),
        )
        return {row["serial"]: row["rma_number"] for row in rows}

    async def registered_of(self, serial_numbers: list[str]) -> dict[str, date]:
        rows = await self.conn.fetch(
            """SELECT serial_number, registered_on FROM registered_units
               WHERE serial_number = ANY(SELECT upper(s) FROM unnest($1::text[]) AS s)""",
            serial_numbers,
        )
        return {row["serial_number"]: row["registered_on"] for row in rows}

    async def next_shipment_sequence(self, year: int) -> int:
        value: int = await self.conn.fetchval(
            """INSERT INTO shipment_sequences (year, last_value) VALUES ($1, 1)
               ON CONFLICT (year) DO UPDATE SET last_value = shipment_sequences.last_value + 1
               RETURNING last_value""",
            year,
        )
        return value

    async def add(self, shipment: Shipment) -> None:
        await self.conn.execute(
            """INSERT INTO shipments (shipment_id, shipment_number, account_id, email, language,
                                      created_at, refused)
               VALUES ($1, $2, $3, $4, $5, $6, $7)""",
            shipment.shipment_id,
            shipment.shipment_number,
            shipment.account_id,
            shipment.email,
            shipment.language,
            shipment.created_at,
            refused_json(shipment.refused),
        )
        # One statement for every claim of the shipment, however many.
        await self.conn.execute(
            """INSERT INTO shipment_claims (shipment_id, claim_id, rma_number, row_no)
               SELECT $1, claim_id, rma_number, row_no
               FROM unnest($2::uuid[], $3::text[], $4::int[]) AS c(claim_id, rma_number, row_no)""",
            shipment.shipment_id,
            [c.claim_id for c in shipment.claims],
            [c.rma_number for c in shipment.claims],
            [c.row_no for c in shipment.claims],
        )

    async def _shipment(self, row: asyncpg.Record | None) -> Shipment | None:
        if row is None:
            return None
        claims = await self.conn.fetch(
            """SELECT claim_id, rma_number, row_no FROM shipment_claims
               WHERE shipment_id = $1 ORDER BY row_no""",
            row["shipment_id"],
        )
        return Shipment(
            shipment_id=row["shipment_id"],
            shipment_number=row["shipment_number"],
            account_id=row["account_id"],
            email=row["email"],
            language=row["language"],
            created_at=row["created_at"],
            claims=tuple(ShippedClaim(c["claim_id"], c["rma_number"], c["row_no"]) for c in claims),
            refused=refused_rows(row["refused"]),
        )

    async def get(self, shipment_id: UUID) -> Shipment | None:
        row = await self.conn.fetchrow(
            "SELECT * FROM shipments WHERE shipment_id = $1", shipment_id
        )
        return await self._shipment(row)

    async def by_number(self, shipment_number: str) -> Shipment | None:
        row = await self.conn.fetchrow(
            "SELECT * FROM shipments WHERE shipment_number = $1", shipment_number
        )
        return await self._shipment(row)

    async def checklist(self, shipment_id: UUID) -> list[ChecklistItem]:
        rows = await self.conn.fetch(
            """SELECT s.claim_id, s.rma_number, s.row_no, c.product, c.serial_number, c.status,
                      c.received_at
               FROM shipment_claims s JOIN claims c USING (claim_id)
               WHERE s.shipment_id = $1 ORDER BY s.row_no""",
            shipment_id,
        )
        return [
            ChecklistItem(
                claim_id=r["claim_id"],
                rma_number=r["rma_number"],
                row_no=r["row_no"],
                product_name=r["product"]["name"],
                serial_number=r["serial_number"],
                status=r["status"],
                received_at=r["received_at"],
            )
            for r in rows
        ]
