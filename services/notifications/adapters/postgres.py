"""The notifications unit of work on PostgreSQL, and the SQL of its repositories."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from services.notifications.unit_of_work import (
    EmailListing,
    EmailStatus,
    NewEmail,
    QueuedEmail,
    UnitOfWorkFactory,
    queued_email,
)
from shared.db import Conn, json_text
from shared.metrics import DatabaseGauge
from shared.unit_of_work import PostgresUnitOfWorkBase

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


class PostgresUnitOfWork(PostgresUnitOfWorkBase):
    """The emails and the customers' names on one connection (shared/unit_of_work.py): a
    pool's, in a transaction of its own, or a consumer's batch's, in that batch's transaction.
    A pool's connection is waited for 5 s at most: the sender's steps take a database that
    gives none as away."""

    def __init__(
        self,
        source: asyncpg.Pool | Conn,
        acquire_timeout: float = 5.0,
        *,
        statement_by_statement: bool = False,
    ) -> None:
        super().__init__(source, acquire_timeout)
        self._without_transaction = statement_by_statement and isinstance(source, asyncpg.Pool)

    async def __aenter__(self) -> PostgresUnitOfWork:
        """`statement_by_statement`: a pool's connection without BEGIN and COMMIT, each statement
        its own transaction, for steps of one statement each (the sender's take and mark): two
        round trips fewer per step, the same outcome."""
        if not self._without_transaction:
            return await super().__aenter__()
        assert self._pool is not None
        self._conn = await self._pool.acquire(timeout=self._acquire_timeout)
        self._open(self._conn)
        return self

    def _open(self, conn: Conn) -> None:
        self.emails = PostgresEmailQueue(conn)
        self.customers = PostgresCustomerNames(conn)


# A pool smaller than this gives a run of statements no connection of its own to hold.
HELD_FROM_POOL_SIZE = 4


@contextlib.asynccontextmanager
async def statements_on_one_connection(
    pool: asyncpg.Pool, acquire_timeout: float = 5.0
) -> AsyncIterator[UnitOfWorkFactory]:
    """Units of work of one statement each (no BEGIN, no COMMIT), all on one pool connection
    held until the run ends: taking a connection from asyncpg's pool and giving it back costs
    about twice the CPU of the statement itself (60 against 27 us, the sender's mark).

    Only from a pool of `HELD_FROM_POOL_SIZE` or more: the sender's listener holds one for
    good, and the consumer's batches and the sender's takes need theirs beside the run's; from
    a smaller pool each statement takes one and gives it back, as a single statement does."""
    if pool.get_max_size() < HELD_FROM_POOL_SIZE:
        yield lambda: PostgresUnitOfWork(
            pool, acquire_timeout=acquire_timeout, statement_by_statement=True
        )
        return
    async with pool.acquire(timeout=acquire_timeout) as conn:
        yield lambda: PostgresUnitOfWork(conn)


def _queued(row: asyncpg.Record) -> QueuedEmail:
    return QueuedEmail(
        email_id=row["email_id"],
        event_id=row["event_id"],
        message_id=row["message_id"],
        recipient=row["recipient"],
        subject=row["subject"],
        text_body=row["text_body"],
        html_body=row["html_body"],
        attachments=row["attachments"],
        rma_number=row["rma_number"],
        attempts=row["attempts"],
        retry_from=row["retry_from"],
        trace_context=row["trace_context"],
    )


def _columns(emails: Sequence[NewEmail]) -> list[list[Any]]:
    """The emails as one list per column of `emails`, in the order add_all inserts them."""
    return [
        [email.email_id for email in emails],
        [email.event_id for email in emails],
        [email.event_type for email in emails],
        [email.message_id for email in emails],
        [email.recipient for email in emails],
        [email.subject for email in emails],
        [email.text_body for email in emails],
        [email.html_body for email in emails],
        # JSON as text: in an array, asyncpg would take a list for one more dimension.
        [json_text(email.attachments) for email in emails],
        [email.account_id for email in emails],
        [email.claim_id for email in emails],
        [email.rma_number for email in emails],
        [json_text(email.trace_context) for email in emails],
    ]


# A batch's emails in one statement ($1-$13: a column each, as `_columns`; $14: now), due now
# for any sender, or ($15 not NULL) taken already by this process's sender until $15.
_INSERT_EMAILS = """
    INSERT INTO emails (email_id, event_id, event_type, message_id, recipient, subject,
                        text_body, html_body, attachments, account_id, claim_id, rma_number,
                        trace_context, created_at, next_attempt_at, retry_from, attempts,
                        claimed_until)
    SELECT email_id, event_id, event_type, message_id, recipient, subject, text_body,
           html_body, attachments::jsonb, account_id, claim_id, rma_number,
           trace_context::jsonb, $14, COALESCE($15::timestamptz, $14), $14,
           CASE WHEN $15::timestamptz IS NULL THEN 0 ELSE 1 END, $15::timestamptz
    FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[],
                $7::text[], $8::text[], $9::text[], $10::uuid[], $11::uuid[], $12::text[],
                $13::text[])
         AS email(email_id, event_id, event_type, message_id, recipient, subject, text_body,
                  html_body, attachments, account_id, claim_id, rma_number, trace_context)
    ON CONFLICT (message_id) DO NOTHING"""


class PostgresEmailQueue:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    async def add_all(self, emails: Sequence[NewEmail], now: datetime) -> int:
        # One round trip for a batch's emails: a column's values in an array each. The sender
        # is woken at commit by one notification, and only when an email is new.
        queued: int | None = await self.conn.fetchval(
            f"""WITH recorded AS ({_INSERT_EMAILS} RETURNING 1)
               SELECT count(*), pg_notify('emails', '') FROM recorded HAVING count(*) > 0""",
            *_columns(emails),
            now,
            None,
        )
        return queued or 0

    async def add_claimed(
        self, emails: Sequence[NewEmail], now: datetime, claimed_until: datetime
    ) -> list[QueuedEmail]:
        # The same one round trip, no notification: this process's sender has them. What it
        # sends is what it composed, not read back from the table.
        rows = await self.conn.fetch(
            f"{_INSERT_EMAILS} RETURNING email_id", *_columns(emails), now, claimed_until
        )
        new = {row["email_id"] for row in rows}
        taken = []
        for email in emails:  # each once: an event twice in a batch composes its emails twice
            if email.email_id in new:
                new.discard(email.email_id)
                taken.append(queued_email(email, attempts=1, retry_from=now))  # as composed
        return taken

    async def release(
        self, email_ids: Sequence[UUID], claimed_until: datetime, now: datetime
    ) -> int:
        released: int = await self.conn.fetchval(
            """WITH released AS (
                   UPDATE emails SET attempts = attempts - 1, claimed_until = NULL,
                                     next_attempt_at = $3
                   WHERE email_id = ANY($1::uuid[]) AND status = 'pending'
                     AND claimed_until = $2
                   RETURNING 1)
               SELECT count(*) FROM released""",
            email_ids,
            claimed_until,
            now,
        )
        if released:
            await self.conn.execute("SELECT pg_notify('emails', '')")
        return released

    async def take_due(
        self, now: datetime, claimed_until: datetime, limit: int
    ) -> list[QueuedEmail]:
        # The claim is committed at once (its own unit of work): the SMTP conversation runs
        # outside any transaction.
        rows = await self.conn.fetch(
            """UPDATE emails SET attempts = attempts + 1, next_attempt_at = $2, claimed_until = $2
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
        return [_queued(row) for row in sorted(rows, key=lambda row: row["created_at"])]

    async def take_probe(self, now: datetime, claimed_until: datetime) -> QueuedEmail | None:
        row = await self.conn.fetchrow(
            """UPDATE emails SET attempts = attempts + 1, next_attempt_at = $2, claimed_until = $2
               WHERE email_id = (
                   SELECT email_id FROM emails
                   WHERE status = 'pending' AND (claimed_until IS NULL OR claimed_until <= $1)
                   ORDER BY next_attempt_at, created_at LIMIT 1
                   FOR UPDATE SKIP LOCKED)
               RETURNING *""",
            now,
            claimed_until,
        )
        return _queued(row) if row else None

    async def release_waiting(self, now: datetime) -> int:
        released: int = await self.conn.fetchval(
            """WITH released AS (
                   UPDATE emails SET next_attempt_at = $1
                   WHERE status = 'pending' AND next_attempt_at > $1
                     AND (claimed_until IS NULL OR claimed_until <= $1)
                   RETURNING 1)
               SELECT count(*) FROM released""",
            now,
        )
        if released:
            await self.conn.execute("SELECT pg_notify('emails', '')")  # the other senders
        return released

    async def mark_sent(self, email_ids: Sequence[UUID], now: datetime) -> None:
        await self.conn.execute(
            """UPDATE emails SET status = 'sent', sent_at = $2, last_error = NULL,
                                 claimed_until = NULL
               WHERE email_id = ANY($1::uuid[])""",
            email_ids,
            now,
        )

    async def mark_refused(self, email_id: UUID, error: str, retry_at: datetime | None) -> None:
        await self.conn.execute(
            """UPDATE emails SET last_error = $2,
                                 status = CASE WHEN $3::timestamptz IS NULL THEN 'failed'
                                               ELSE 'pending' END,
                                 next_attempt_at = COALESCE($3, next_attempt_at),
                                 claimed_until = NULL
               WHERE email_id = $1 AND status = 'pending'""",
            email_id,
            error[:2000],
            retry_at,
        )

    async def resend_failed(self, email_id: UUID | None, now: datetime) -> list[UUID]:
        rows = await self.conn.fetch(
            """UPDATE emails SET status = 'pending', attempts = 0, next_attempt_at = $2,
                                 retry_from = $2
               WHERE status = 'failed' AND ($1::uuid IS NULL OR email_id = $1)
               RETURNING email_id""",
            email_id,
            now,
        )
        if rows:
            await self.conn.execute("SELECT pg_notify('emails', '')")
        return [row["email_id"] for row in rows]

    async def status(self, email_id: UUID) -> EmailStatus | None:
        status: EmailStatus | None = await self.conn.fetchval(
            "SELECT status FROM emails WHERE email_id = $1", email_id
        )
        return status

    async def listing(
        self,
        *,
        account_id: UUID | None,
        claim_id: UUID | None,
        status: EmailStatus | None,
        limit: int,
    ) -> list[EmailListing]:
        rows = await self.conn.fetch(
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
        return [EmailListing(**dict(row)) for row in rows]

    async def count_failed(self) -> int:
        count: int = await self.conn.fetchval("SELECT count(*) FROM emails WHERE status = 'failed'")
        return count


class PostgresCustomerNames:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    async def remember(self, account_id: UUID, full_name: str) -> None:
        await self.conn.execute(
            """INSERT INTO customers (account_id, full_name) VALUES ($1, $2)
               ON CONFLICT (account_id) DO UPDATE SET full_name = $2, updated_at = now()""",
            account_id,
            full_name,
        )

    async def name(self, account_id: UUID) -> str | None:
        name: str | None = await self.conn.fetchval(
            "SELECT full_name FROM customers WHERE account_id = $1", account_id
        )
        return name
