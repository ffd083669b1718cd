"""SQL of the notifications service."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from shared.db import Conn


async def insert_email(conn: Conn, **email: Any) -> None:
    await conn.execute(
        """INSERT INTO emails (email_id, event_id, event_type, message_id, recipient, subject,
                               text_body, html_body, attachments, account_id, claim_id, rma_number)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
           ON CONFLICT (message_id) DO NOTHING""",
        email["email_id"],
        email["event_id"],
        email["event_type"],
        email["message_id"],
        email["recipient"],
        email["subject"],
        email["text_body"],
        email["html_body"],
        email.get("attachments", []),
        email.get("account_id"),
        email.get("claim_id"),
        email.get("rma_number"),
    )
    await conn.execute("SELECT pg_notify('emails', '')")


async def lock_due_emails(conn: Conn, now: datetime, limit: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        """SELECT * FROM emails
           WHERE status = 'pending' AND next_attempt_at <= $1
           ORDER BY created_at LIMIT $2
           FOR UPDATE SKIP LOCKED""",
        now,
        limit,
    )


async def mark_sent(conn: Conn, email_id: UUID, now: datetime) -> None:
    await conn.execute(
        """UPDATE emails SET status = 'sent', sent_at = $2, attempts = attempts + 1,
                             last_error = NULL
           WHERE email_id = $1""",
        email_id,
        now,
    )


async def mark_attempt_failed(
    conn: Conn, email_id: UUID, error: str, retry_at: datetime | None
) -> None:
    """Schedule a retry, or mark the email failed for good when `retry_at` is None."""
    await conn.execute(
        """UPDATE emails SET attempts = attempts + 1, last_error = $2,
                             status = CASE WHEN $3::timestamptz IS NULL THEN 'failed'
                                           ELSE 'pending' END,
                             next_attempt_at = COALESCE($3, next_attempt_at)
           WHERE email_id = $1""",
        email_id,
        error[:2000],
        retry_at,
    )
