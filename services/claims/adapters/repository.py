"""SQL of the claims service."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from shared.db import Conn
from shared.events import DocumentLinkedData, SaleRecordedData


async def upsert_sales_document(conn: Conn, sale: SaleRecordedData) -> None:
    await conn.execute(
        """INSERT INTO sales_documents (document_type, document_number, issued_on, delivered_on,
                                        buyer_type, lines)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (document_type, document_number) DO UPDATE SET
               issued_on = EXCLUDED.issued_on, delivered_on = EXCLUDED.delivered_on,
               buyer_type = EXCLUDED.buyer_type, lines = EXCLUDED.lines""",
        sale.document_type,
        sale.document_number.upper(),
        sale.issued_on,
        sale.delivered_on,
        sale.buyer.type,
        [line.model_dump(mode="json") for line in sale.lines],
    )


async def upsert_document_owner(conn: Conn, link: DocumentLinkedData) -> None:
    await conn.execute(
        """INSERT INTO document_owners (document_type, document_number, account_id, account_type,
                                        email, language)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (document_type, document_number) DO UPDATE SET
               account_id = EXCLUDED.account_id, account_type = EXCLUDED.account_type,
               email = EXCLUDED.email, language = EXCLUDED.language""",
        link.document_type,
        link.document_number,
        link.account_id,
        link.account_type,
        link.email,
        link.language,
    )


async def find_owned_document(
    conn: Conn, account_id: UUID, document_type: str, document_number: str
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        """SELECT d.*, o.email, o.language, o.account_type
           FROM document_owners o
           JOIN sales_documents d USING (document_type, document_number)
           WHERE o.account_id = $1 AND o.document_type = $2 AND o.document_number = $3""",
        account_id,
        document_type,
        document_number,
    )


async def next_rma_sequence(conn: Conn, year: int) -> int:
    value: int = await conn.fetchval(
        """INSERT INTO rma_sequences (year, last_value) VALUES ($1, 1)
           ON CONFLICT (year) DO UPDATE SET last_value = rma_sequences.last_value + 1
           RETURNING last_value""",
        year,
    )
    return value


async def insert_claim(conn: Conn, claim: dict[str, Any]) -> None:
    columns = list(claim)
    placeholders = ", ".join(f"${index}" for index in range(1, len(columns) + 1))
    await conn.execute(
        f"INSERT INTO claims ({', '.join(columns)}) VALUES ({placeholders})",
        *claim.values(),
    )


async def add_timeline_entry(
    conn: Conn, claim_id: UUID, status: str, actor: str, note: str | None = None
) -> None:
    await conn.execute(
        "INSERT INTO claim_timeline (claim_id, status, actor, note) VALUES ($1, $2, $3, $4)",
        claim_id,
        status,
        actor,
        note,
    )


async def get_claim_of_account(
    conn: Conn, claim_id: UUID, account_id: UUID
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT * FROM claims WHERE claim_id = $1 AND account_id = $2", claim_id, account_id
    )


async def timeline(conn: Conn, claim_id: UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT status, actor, note, at FROM claim_timeline WHERE claim_id = $1 ORDER BY id",
        claim_id,
    )


async def store_assessment(conn: Conn, claim_id: UUID, assessment: Any) -> None:
    await conn.execute(
        "UPDATE claims SET assessment = $2, updated_at = now() WHERE claim_id = $1",
        claim_id,
        assessment,
    )


async def change_account_email(conn: Conn, account_id: UUID, email: str) -> None:
    """Status emails of open and future claims go to the account's new address."""
    await conn.execute(
        "UPDATE document_owners SET email = $2 WHERE account_id = $1", account_id, email
    )
    await conn.execute("UPDATE claims SET email = $2 WHERE account_id = $1", account_id, email)
