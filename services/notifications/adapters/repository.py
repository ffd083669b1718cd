"""SQL of the notifications service."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from shared.db import Conn
from shared.metrics import DatabaseGauge
from shared.tracing import current_trace_context

# Sent e-mails only grow; the ones waiting and the ones given up on are what operators watch.
EMAILS_PENDING_AND_FAILED = DatabaseGauge(
    "rma_emails",
    "E-mails waiting to be sent (pending) and given up on after every retry (failed)",
    """SELECT wanted.status, count(emails.email_id)
       FROM unnest(ARRAY['pending', 'failed']) AS wanted(status)
       LEFT JOIN emails ON emails.status = wanted.status
       GROUP BY wanted.status""",
    labels=("status",),
)


async def insert_email(conn: Conn, **email: Any) -> None:
    # One round trip: the sender is woken at commit, and only when the email is new.
    await conn.execute(
        """WITH recorded AS (
               INSERT INTO emails (email_id, event_id, event_type, message_id, recipient, subject,
                                   text_body, html_body, attachments, account_id, claim_id,
                                   rma_number, trace_context)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
               ON CONFLICT (message_id) DO NOTHING
               RETURNING email_id)
           SELECT pg_notify('emails', '') FROM recorded""",
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
        current_trace_context(),
    )


async def claim_due_emails(
    conn: Conn, now: datetime, claimed_until: datetime, limit: int
) -> list[asyncpg.Record]:
    """Take up to `limit` due emails for sending, oldest first, and commit that at once: the
    claim (next_attempt_at moved to `claimed_until`) keeps other senders off while the SMTP
    conversation runs outside any transaction, and expires if this sender dies meanwhile."""
    rows = await conn.fetch(
        """UPDATE emails SET attempts = attempts + 1, next_attempt_at = $2
           WHERE email_id IN (
               SELECT email_id FROM emails
               WHERE status = 'pending' AND next_attempt_at <= $1
               ORDER BY created_at LIMIT $3
               FOR UPDATE SKIP LOCKED)
           RETURNING *""",
        now,
        claimed_until,
        limit,
    )
    return sorted(rows, key=lambda row: row["created_at"])


async def mark_sent(conn: Conn, email_id: UUID, now: datetime) -> None:
    await conn.execute(
        "UPDATE emails SET status = 'sent', sent_at = $2, last_error = NULL WHERE email_id = $1",
        email_id,
        now,
    )


async def mark_attempt_failed(
    conn: Conn, email_id: UUID, error: str, retry_at: datetime | None
) -> None:
    """Schedule a retry, or mark the email failed for good when `retry_at` is None."""
    await conn.execute(
        """UPDATE emails SET last_error = $2,
                             status = CASE WHEN $3::timestamptz IS NULL THEN 'failed'
                                           ELSE 'pending' END,
                             next_attempt_at = COALESCE($3, next_attempt_at)
           WHERE email_id = $1 AND status = 'pending'""",
        email_id,
        error[:2000],
        retry_at,
    )


async def resend_failed(conn: Conn, email_id: UUID | None = None) -> list[UUID]:
    """Put failed emails (one, or all when `email_id` is None) back in the queue, with a new
    retry period; returns the ids requeued."""
    rows = await conn.fetch(
        """UPDATE emails SET status = 'pending', attempts = 0, next_attempt_at = now(),
                             retry_from = now()
           WHERE status = 'failed' AND ($1::uuid IS NULL OR email_id = $1)
           RETURNING email_id""",
        email_id,
    )
    if rows:
        await conn.execute("SELECT pg_notify('emails', '')")
    return [row["email_id"] for row in rows]


async def email_status(conn: Conn, email_id: UUID) -> str | None:
    status: str | None = await conn.fetchval(
        "SELECT status FROM emails WHERE email_id = $1", email_id
    )
    return status


async def remember_customer(conn: Conn, account_id: UUID, full_name: str) -> None:
    await conn.execute(
        """INSERT INTO customers (account_id, full_name) VALUES ($1, $2)
           ON CONFLICT (account_id) DO UPDATE SET full_name = $2, updated_at = now()""",
        account_id,
        full_name,
    )


async def customer_name(conn: Conn, account_id: UUID) -> str | None:
    name: str | None = await conn.fetchval(
        "SELECT full_name FROM customers WHERE account_id = $1", account_id
    )
    return name


async def list_emails(
    conn: Conn,
    *,
    account_id: UUID | None,
    claim_id: UUID | None,
    status: str | None,
    limit: int,
) -> list[asyncpg.Record]:
    return await conn.fetch(
        """SELECT email_id, event_type, recipient, subject, status, attempts, last_error,
                  created_at, sent_at, rma_number, account_id, claim_id
           FROM emails
           WHERE ($1::uuid IS NULL OR account_id = $1)
             AND ($2::uuid IS NULL OR claim_id = $2)
             AND ($3::text IS NULL OR status = $3)
           ORDER BY created_at DESC, email_id
           LIMIT $4""",
        account_id,
        claim_id,
        status,
        limit,
    )


async def count_failed(conn: Conn) -> int:
    count: int = await conn.fetchval("SELECT count(*) FROM emails WHERE status = 'failed'")
    return count
