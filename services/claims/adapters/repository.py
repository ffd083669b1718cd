"""SQL of the claims service."""

from __future__ import annotations

from typing import Any, get_args
from uuid import UUID

import asyncpg

from shared.db import Conn
from shared.events import ClaimStatus, DocumentLinkedData, SaleRecordedData
from shared.metrics import DatabaseGauge

# Every status of the lifecycle is a series, so a status no claim is in reads 0, not nothing.
CLAIMS_PER_STATUS = DatabaseGauge(
    "rma_claims",
    "Claims in each status of the lifecycle",
    """SELECT lifecycle.status, count(claims.claim_id)
       FROM unnest($1::text[]) AS lifecycle(status)
       LEFT JOIN claims ON claims.status = lifecycle.status
       GROUP BY lifecycle.status""",
    labels=("status",),
    arguments=(list(get_args(ClaimStatus)),),
)


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


async def get_claim(conn: Conn, claim_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM claims WHERE claim_id = $1", claim_id)


async def lock_claim(conn: Conn, claim_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM claims WHERE claim_id = $1 FOR UPDATE", claim_id)


async def lock_claim_by_rma(conn: Conn, rma_number: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT * FROM claims WHERE upper(rma_number) = upper($1) FOR UPDATE", rma_number
    )


async def lock_claim_by_tracking(conn: Conn, tracking_number: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        """SELECT * FROM claims WHERE upper(tracking_number) = upper($1)
           AND status = 'submitted' ORDER BY created_at DESC LIMIT 1 FOR UPDATE""",
        tracking_number,
    )


async def set_status(conn: Conn, claim_id: UUID, status: str, **columns: Any) -> None:
    assignments = "".join(f", {name} = ${index}" for index, name in enumerate(columns, start=3))
    await conn.execute(
        f"UPDATE claims SET status = $2, updated_at = now(){assignments} WHERE claim_id = $1",
        claim_id,
        status,
        *columns.values(),
    )


async def insert_attachment(conn: Conn, attachment: dict[str, Any]) -> None:
    await conn.execute(
        """INSERT INTO claim_attachments
               (attachment_id, claim_id, filename, content_type, size_bytes, sha256, content)
           VALUES ($1, $2, $3, $4, $5, $6, $7)""",
        *attachment.values(),
    )


async def find_parcel_by_tracking(conn: Conn, tracking_number: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT * FROM parcels WHERE upper(tracking_number) = upper($1)", tracking_number
    )


async def parcel_of_claim(conn: Conn, claim_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM parcels WHERE claim_id = $1 LIMIT 1", claim_id)


async def insert_parcel(conn: Conn, parcel: dict[str, Any]) -> None:
    await conn.execute(
        """INSERT INTO parcels (parcel_id, claim_id, rma_number, tracking_number, scanned_by,
                                received_at)
           VALUES ($1, $2, $3, $4, $5, $6)""",
        *parcel.values(),
    )


async def lock_unidentified_parcel(conn: Conn, parcel_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT * FROM parcels WHERE parcel_id = $1 AND claim_id IS NULL FOR UPDATE", parcel_id
    )


async def resolve_parcel(conn: Conn, parcel_id: UUID, claim_id: UUID, operator: str) -> None:
    await conn.execute(
        """UPDATE parcels SET claim_id = $2, resolved_by = $3, resolved_at = now()
           WHERE parcel_id = $1""",
        parcel_id,
        claim_id,
        operator,
    )


async def unidentified_parcels(conn: Conn) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT * FROM parcels WHERE claim_id IS NULL ORDER BY received_at LIMIT 500"
    )


async def insert_decision(conn: Conn, decision: dict[str, Any]) -> None:
    await conn.execute(
        """INSERT INTO decisions (claim_id, decision, amount, rejection_reason, justification,
                                  deductions, decided_by, decided_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (claim_id) DO UPDATE SET
               decision = EXCLUDED.decision, amount = EXCLUDED.amount,
               rejection_reason = EXCLUDED.rejection_reason,
               justification = EXCLUDED.justification, deductions = EXCLUDED.deductions,
               customer_response = NULL, decided_by = EXCLUDED.decided_by,
               decided_at = EXCLUDED.decided_at""",
        *decision.values(),
    )


async def get_decision(conn: Conn, claim_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM decisions WHERE claim_id = $1", claim_id)


async def record_customer_response(conn: Conn, claim_id: UUID, response: str) -> bool:
    updated = await conn.fetchval(
        """UPDATE decisions SET customer_response = $2
           WHERE claim_id = $1 AND decision = 'price_reduction' AND customer_response IS NULL
           RETURNING true""",
        claim_id,
        response,
    )
    return bool(updated)


async def search_claims(conn: Conn, account_id: UUID, query: str) -> list[asyncpg.Record]:
    pattern = query.strip().upper()
    return await conn.fetch(
        """SELECT * FROM claims WHERE account_id = $1 AND (
               $2 = '' OR upper(rma_number) = $2 OR upper(serial_number) = $2
               OR upper(customer_reference) = $2)
           ORDER BY created_at DESC LIMIT 200""",
        account_id,
        pattern,
    )


async def claims_by_status(
    conn: Conn, statuses: list[str] | None, limit: int, oldest_first: bool = False
) -> list[asyncpg.Record]:
    """Claims in any of `statuses` (in any status when None), newest or oldest first."""
    order = "ASC" if oldest_first else "DESC"
    return await conn.fetch(
        f"""SELECT * FROM claims WHERE $1::text[] IS NULL OR status = ANY($1::text[])
            ORDER BY created_at {order} LIMIT $2""",
        statuses,
        limit,
    )


async def count_claims_by_status(conn: Conn) -> dict[str, int]:
    """The number of claims per status; a status without claims is absent."""
    rows = await conn.fetch("SELECT status, count(*) AS claims FROM claims GROUP BY status")
    return {row["status"]: row["claims"] for row in rows}


async def serial_known(conn: Conn, serial: str) -> bool:
    found = await conn.fetchval(
        """SELECT true FROM sales_documents, jsonb_array_elements(lines) AS line
           WHERE line -> 'serial_numbers' ? $1 LIMIT 1""",
        serial,
    )
    return bool(found)


async def store_deadlines(conn: Conn, claim_id: UUID, deadlines: Any) -> None:
    await conn.execute("UPDATE claims SET deadlines = $2 WHERE claim_id = $1", claim_id, deadlines)


async def upsert_product_problems(conn: Conn, ean: str, problems: list[str]) -> None:
    await conn.execute(
        """INSERT INTO product_problems (ean, problems) VALUES ($1, $2)
           ON CONFLICT (ean) DO UPDATE SET problems = EXCLUDED.problems""",
        ean,
        problems,
    )


async def product_problems(conn: Conn, ean: str) -> list[str]:
    problems: list[str] | None = await conn.fetchval(
        "SELECT problems FROM product_problems WHERE ean = $1", ean
    )
    return problems or []
