"""SQL of the accounts service; every function takes the connection of the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg

from shared.db import Conn
from shared.events import SaleRecordedData


async def upsert_sales_document(conn: Conn, sale: SaleRecordedData) -> None:
    await conn.execute(
        """INSERT INTO sales_documents (document_type, document_number, issued_on, total,
                                        buyer_type, buyer_vat_country, buyer_tax_id, lines)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (document_type, document_number) DO UPDATE SET
               issued_on = EXCLUDED.issued_on, total = EXCLUDED.total,
               buyer_type = EXCLUDED.buyer_type, buyer_vat_country = EXCLUDED.buyer_vat_country,
               buyer_tax_id = EXCLUDED.buyer_tax_id, lines = EXCLUDED.lines""",
        sale.document_type,
        sale.document_number.upper(),
        sale.issued_on,
        sale.total,
        sale.buyer.type,
        sale.buyer.vat_country,
        sale.buyer.tax_id,
        [line.model_dump(mode="json") for line in sale.lines],
    )


async def find_document(conn: Conn, number: str, total: Decimal) -> asyncpg.Record | None:
    """The receipt or invoice with this number and total (numbers may repeat across PA and FS)."""
    return await conn.fetchrow(
        """SELECT d.*, l.account_id AS linked_account_id
           FROM sales_documents d
           LEFT JOIN linked_documents l USING (document_type, document_number)
           WHERE d.document_number = $1 AND d.total = $2
           ORDER BY d.document_type
           LIMIT 1
           FOR UPDATE OF d""",
        number,
        total,
    )


async def find_account_by_email(conn: Conn, email: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM accounts WHERE lower(email) = lower($1)", email)


async def get_account(conn: Conn, account_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM accounts WHERE account_id = $1", account_id)


async def insert_account(conn: Conn, **account: Any) -> bool:
    """False when the email is taken (checked by the unique index, safe under concurrency)."""
    inserted = await conn.fetchval(
        """INSERT INTO accounts (account_id, account_type, full_name, email, password_hash,
                                 language, vat_country, tax_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT DO NOTHING RETURNING true""",
        account["account_id"],
        account["account_type"],
        account["full_name"],
        account["email"],
        account["password_hash"],
        account["language"],
        account["vat_country"],
        account["tax_id"],
    )
    return bool(inserted)


async def link_document(
    conn: Conn, document_type: str, document_number: str, account_id: UUID
) -> bool:
    inserted = await conn.fetchval(
        """INSERT INTO linked_documents (document_type, document_number, account_id)
           VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING true""",
        document_type,
        document_number,
        account_id,
    )
    return bool(inserted)


async def store_activation_token(
    conn: Conn, token_hash: bytes, account_id: UUID, expires_at: datetime
) -> None:
    # A new link invalidates every older one.
    await conn.execute(
        """UPDATE activation_tokens SET superseded_at = now()
           WHERE account_id = $1 AND used_at IS NULL AND superseded_at IS NULL""",
        account_id,
    )
    await conn.execute(
        "INSERT INTO activation_tokens (token_hash, account_id, expires_at) VALUES ($1, $2, $3)",
        token_hash,
        account_id,
        expires_at,
    )


async def use_activation_token(conn: Conn, token_hash: bytes, now: datetime) -> UUID | None:
    account_id: UUID | None = await conn.fetchval(
        """UPDATE activation_tokens SET used_at = $2
           WHERE token_hash = $1 AND used_at IS NULL AND superseded_at IS NULL
             AND expires_at > $2
           RETURNING account_id""",
        token_hash,
        now,
    )
    return account_id


async def mark_activated(conn: Conn, account_id: UUID, now: datetime) -> bool:
    updated = await conn.fetchval(
        """UPDATE accounts SET activated_at = $2
           WHERE account_id = $1 AND activated_at IS NULL RETURNING true""",
        account_id,
        now,
    )
    return bool(updated)
