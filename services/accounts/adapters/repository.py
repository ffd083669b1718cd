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


async def document_number_known(conn: Conn, number: str) -> bool:
    """Whether some receipt or invoice has this number (whatever its total)."""
    known: bool = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM sales_documents WHERE document_number = $1)", number
    )
    return known


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


async def store_secret(
    conn: Conn,
    token_hash: bytes,
    account_id: UUID,
    purpose: str,
    expires_at: datetime,
    new_email: str | None = None,
) -> None:
    """Keep the hash of a new single-use secret; older unused ones of the same purpose lapse."""
    await conn.execute(
        """UPDATE account_secrets SET superseded_at = now()
           WHERE account_id = $1 AND purpose = $2 AND used_at IS NULL AND superseded_at IS NULL""",
        account_id,
        purpose,
    )
    await conn.execute(
        """INSERT INTO account_secrets (token_hash, account_id, purpose, expires_at, new_email)
           VALUES ($1, $2, $3, $4, $5)""",
        token_hash,
        account_id,
        purpose,
        expires_at,
        new_email,
    )


async def use_secret(
    conn: Conn, token_hash: bytes, purpose: str, now: datetime
) -> asyncpg.Record | None:
    """Spend a secret once: its account id (and new email), or None if unknown, used or expired."""
    return await conn.fetchrow(
        """UPDATE account_secrets SET used_at = $3
           WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND superseded_at IS NULL
             AND expires_at > $3
           RETURNING account_id, new_email""",
        token_hash,
        purpose,
        now,
    )


async def mark_activated(conn: Conn, account_id: UUID, now: datetime) -> bool:
    updated = await conn.fetchval(
        """UPDATE accounts SET activated_at = $2
           WHERE account_id = $1 AND activated_at IS NULL RETURNING true""",
        account_id,
        now,
    )
    return bool(updated)


async def set_password(conn: Conn, account_id: UUID, password_hash: str) -> None:
    await conn.execute(
        "UPDATE accounts SET password_hash = $2 WHERE account_id = $1", account_id, password_hash
    )


async def set_email(conn: Conn, account_id: UUID, email: str) -> bool:
    """False when another account took the address in the meantime."""
    try:
        await conn.execute(
            "UPDATE accounts SET email = $2 WHERE account_id = $1", account_id, email
        )
    except asyncpg.UniqueViolationError:
        return False
    return True


async def set_contact(
    conn: Conn, account_id: UUID, phone: str | None, address: dict[str, Any] | None
) -> None:
    await conn.execute(
        "UPDATE accounts SET phone = $2, postal_address = $3 WHERE account_id = $1",
        account_id,
        phone,
        address,
    )


async def linked_documents(conn: Conn, account_id: UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        """SELECT d.document_type, d.document_number, d.issued_on, d.total, d.lines, l.linked_at
           FROM linked_documents l JOIN sales_documents d USING (document_type, document_number)
           WHERE l.account_id = $1 ORDER BY l.linked_at""",
        account_id,
    )


async def recent_login_failures(
    conn: Conn, subject: str, since: datetime, until: datetime
) -> tuple[int, datetime | None]:
    """How many logins (or guesses) of `subject` failed after `since` up to `until` (the
    clock's now), and when the last one did."""
    row = await conn.fetchrow(
        """SELECT count(*) AS failures, max(failed_at) AS last_failure
           FROM login_failures WHERE subject = $1 AND failed_at > $2 AND failed_at <= $3""",
        subject,
        since,
        until,
    )
    assert row is not None
    return row["failures"], row["last_failure"]


async def recent_attempts(
    conn: Conn, subject: str, since: datetime, until: datetime
) -> tuple[int, datetime | None]:
    """How many attempts of `subject` were counted after `since` up to `until` (the clock's
    now), and when the oldest was."""
    row = await conn.fetchrow(
        """SELECT count(*) AS used, min(failed_at) AS oldest
           FROM login_failures WHERE subject = $1 AND failed_at > $2 AND failed_at <= $3""",
        subject,
        since,
        until,
    )
    assert row is not None
    return row["used"], row["oldest"]


async def lock_login_subject(conn: Conn, subject: str) -> None:
    """Serialise attempts on `subject` until the transaction ends: parallel guesses all count."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", subject)


async def record_login_failure(
    conn: Conn, failed_at: datetime, forget_before: datetime, *subjects: str
) -> None:
    """Counts an attempt of each subject (a failed login, or an email asked for: the table
    holds every attempt a limit watches, by subject) and forgets those older than needed."""
    await conn.execute(
        "DELETE FROM login_failures WHERE subject = ANY($1) AND failed_at <= $2",
        list(subjects),
        forget_before,
    )
    await conn.executemany(
        "INSERT INTO login_failures (subject, failed_at) VALUES ($1, $2)",
        [(subject, failed_at) for subject in subjects],
    )


async def clear_login_failures(conn: Conn, subject_prefix: str) -> None:
    await conn.execute("DELETE FROM login_failures WHERE starts_with(subject, $1)", subject_prefix)


async def find_operator_by_email(conn: Conn, email: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT * FROM operators WHERE lower(email) = lower($1) AND disabled_at IS NULL", email
    )


async def insert_operator(
    conn: Conn, operator_id: UUID, email: str, full_name: str, password_hash: str
) -> None:
    await conn.execute(
        """INSERT INTO operators (operator_id, email, full_name, password_hash)
           VALUES ($1, $2, $3, $4)""",
        operator_id,
        email,
        full_name,
        password_hash,
    )


async def insert_scanner(conn: Conn, scanner_id: UUID, name: str, api_key_hash: bytes) -> None:
    await conn.execute(
        "INSERT INTO scanners (scanner_id, name, api_key_hash) VALUES ($1, $2, $3)",
        scanner_id,
        name,
        api_key_hash,
    )


async def find_scanner_by_key(conn: Conn, api_key_hash: bytes) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT * FROM scanners WHERE api_key_hash = $1 AND revoked_at IS NULL", api_key_hash
    )
