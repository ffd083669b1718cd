"""The accounts unit of work on PostgreSQL: one connection and one transaction per unit of work,
the outbox written in that transaction. The SQL of accounts lives here."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

import asyncpg

from services.accounts.unit_of_work import (
    Account,
    Attempts,
    FoundDocument,
    NewAccount,
    NewSecret,
    Operator,
    Purpose,
    SalesDocument,
    Scanner,
    SpentSecret,
)
from shared.auth import record_credentials_change
from shared.db import Conn
from shared.events import PostalAddress, SaleLine, SaleRecordedData
from shared.unit_of_work import PostgresOutboxUnitOfWork


class PostgresUnitOfWork(PostgresOutboxUnitOfWork):
    """See shared.unit_of_work: one connection and one transaction per unit of work."""

    def _open(self, conn: Conn) -> None:
        self.accounts = PostgresAccounts(conn)
        self.sales = PostgresSalesLedger(conn)
        self.secrets = PostgresSecrets(conn)
        self.attempts = PostgresAttemptLog(conn)
        self.staff = PostgresStaff(conn)
        self.credentials = PostgresCredentialChanges(conn)


def _account(row: asyncpg.Record) -> Account:
    address = row["postal_address"]
    return Account(
        account_id=row["account_id"],
        account_type=row["account_type"],
        full_name=row["full_name"],
        email=row["email"],
        password_hash=row["password_hash"],
        language=row["language"],
        vat_country=row["vat_country"],
        tax_id=row["tax_id"],
        activated_at=row["activated_at"],
        phone=row["phone"],
        postal_address=PostalAddress.model_validate(address) if address else None,
    )


class PostgresAccounts:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    async def get(self, account_id: UUID) -> Account | None:
        row = await self.conn.fetchrow("SELECT * FROM accounts WHERE account_id = $1", account_id)
        return _account(row) if row else None

    async def by_email(self, email: str) -> Account | None:
        row = await self.conn.fetchrow(
            "SELECT * FROM accounts WHERE lower(email) = lower($1)", email
        )
        return _account(row) if row else None

    async def add(self, account: NewAccount) -> bool:
        # The unique index decides, safe under concurrency.
        inserted = await self.conn.fetchval(
            """INSERT INTO accounts (account_id, account_type, full_name, email, password_hash,
                                     language, vat_country, tax_id)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
               ON CONFLICT DO NOTHING RETURNING true""",
            account.account_id,
            account.account_type,
            account.full_name,
            account.email,
            account.password_hash,
            account.language,
            account.vat_country,
            account.tax_id,
        )
        return bool(inserted)

    async def mark_activated(self, account_id: UUID, at: datetime) -> bool:
        updated = await self.conn.fetchval(
            """UPDATE accounts SET activated_at = $2
               WHERE account_id = $1 AND activated_at IS NULL RETURNING true""",
            account_id,
            at,
        )
        return bool(updated)

    async def set_password(self, account_id: UUID, password_hash: str) -> None:
        await self.conn.execute(
            "UPDATE accounts SET password_hash = $2 WHERE account_id = $1",
            account_id,
            password_hash,
        )

    async def set_email(self, account_id: UUID, email: str) -> bool:
        try:
            # A savepoint: a taken address leaves the unit of work usable.
            async with self.conn.transaction():
                await self.conn.execute(
                    "UPDATE accounts SET email = $2 WHERE account_id = $1", account_id, email
                )
        except asyncpg.UniqueViolationError:
            return False
        return True

    async def set_contact(self, account_id: UUID, address: PostalAddress) -> None:
        await self.conn.execute(
            "UPDATE accounts SET phone = $2, postal_address = $3 WHERE account_id = $1",
            account_id,
            address.phone,
            address.model_dump(mode="json"),
        )


def _document(row: asyncpg.Record) -> SalesDocument:
    return SalesDocument(
        document_type=row["document_type"],
        document_number=row["document_number"],
        issued_on=row["issued_on"],
        total=row["total"],
        buyer_type=row["buyer_type"],
        buyer_tax_id=row["buyer_tax_id"],
        lines=tuple(SaleLine.model_validate(line) for line in row["lines"]),
    )


class PostgresSalesLedger:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    async def record_sale(self, sale: SaleRecordedData) -> None:
        await self.conn.execute(
            """INSERT INTO sales_documents (document_type, document_number, issued_on, total,
                                            buyer_type, buyer_vat_country, buyer_tax_id, lines)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
               ON CONFLICT (document_type, document_number) DO UPDATE SET
                   issued_on = EXCLUDED.issued_on, total = EXCLUDED.total,
                   buyer_type = EXCLUDED.buyer_type,
                   buyer_vat_country = EXCLUDED.buyer_vat_country,
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

    async def find(self, number: str, total: Decimal) -> FoundDocument | None:
        row = await self.conn.fetchrow(
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
        return FoundDocument(_document(row), row["linked_account_id"]) if row else None

    async def number_known(self, number: str) -> bool:
        known: bool = await self.conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM sales_documents WHERE document_number = $1)", number
        )
        return known

    async def link(self, document_type: str, document_number: str, account_id: UUID) -> bool:
        inserted = await self.conn.fetchval(
            """INSERT INTO linked_documents (document_type, document_number, account_id)
               VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING true""",
            document_type,
            document_number,
            account_id,
        )
        return bool(inserted)

    async def linked_to(self, account_id: UUID) -> list[SalesDocument]:
        rows = await self.conn.fetch(
            """SELECT d.*
               FROM linked_documents l JOIN sales_documents d USING (document_type, document_number)
               WHERE l.account_id = $1 ORDER BY l.linked_at, l.ctid""",
            account_id,
        )
        return [_document(row) for row in rows]


class PostgresSecrets:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    async def store(self, secret: NewSecret) -> None:
        await self.conn.execute(
            """UPDATE account_secrets SET superseded_at = now()
               WHERE account_id = $1 AND purpose = $2
                 AND used_at IS NULL AND superseded_at IS NULL""",
            secret.account_id,
            secret.purpose,
        )
        await self.conn.execute(
            """INSERT INTO account_secrets (token_hash, account_id, purpose, expires_at, new_email)
               VALUES ($1, $2, $3, $4, $5)""",
            secret.token_hash,
            secret.account_id,
            secret.purpose,
            secret.expires_at,
            secret.new_email,
        )

    async def spend(self, token_hash: bytes, purpose: Purpose, now: datetime) -> SpentSecret | None:
        row = await self.conn.fetchrow(
            """UPDATE account_secrets SET used_at = $3
               WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL
                 AND superseded_at IS NULL AND expires_at > $3
               RETURNING account_id, new_email""",
            token_hash,
            purpose,
            now,
        )
        return SpentSecret(row["account_id"], row["new_email"]) if row else None


class PostgresAttemptLog:
    """The `login_failures` table holds every attempt a limit watches, by subject."""

    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    async def lock(self, subject: str) -> None:
        await self.conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", subject)

    async def counted(self, subject: str, since: datetime, until: datetime) -> Attempts:
        row = await self.conn.fetchrow(
            """SELECT count(*) AS count, min(failed_at) AS oldest, max(failed_at) AS latest
               FROM login_failures WHERE subject = $1 AND failed_at > $2 AND failed_at <= $3""",
            subject,
            since,
            until,
        )
        assert row is not None
        return Attempts(row["count"], row["oldest"], row["latest"])

    async def record(self, at: datetime, forget_before: datetime, *subjects: str) -> None:
        await self.conn.execute(
            "DELETE FROM login_failures WHERE subject = ANY($1) AND failed_at <= $2",
            list(subjects),
            forget_before,
        )
        await self.conn.executemany(
            "INSERT INTO login_failures (subject, failed_at) VALUES ($1, $2)",
            [(subject, at) for subject in subjects],
        )

    async def clear(self, subject_prefix: str) -> None:
        await self.conn.execute(
            "DELETE FROM login_failures WHERE starts_with(subject, $1)", subject_prefix
        )


class PostgresStaff:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    async def operator_by_email(self, email: str) -> Operator | None:
        row = await self.conn.fetchrow(
            """SELECT operator_id, email, full_name, password_hash FROM operators
               WHERE lower(email) = lower($1) AND disabled_at IS NULL""",
            email,
        )
        if row is None:
            return None
        return Operator(row["operator_id"], row["email"], row["full_name"], row["password_hash"])

    async def add_operator(self, operator: Operator) -> bool:
        inserted = await self.conn.fetchval(
            """INSERT INTO operators (operator_id, email, full_name, password_hash)
               VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING true""",
            operator.operator_id,
            operator.email,
            operator.full_name,
            operator.password_hash,
        )
        return bool(inserted)

    async def scanner_by_key(self, api_key_hash: bytes) -> Scanner | None:
        row = await self.conn.fetchrow(
            """SELECT scanner_id, name FROM scanners
               WHERE api_key_hash = $1 AND revoked_at IS NULL""",
            api_key_hash,
        )
        return Scanner(row["scanner_id"], row["name"]) if row else None

    async def add_scanner(self, scanner: Scanner, api_key_hash: bytes) -> bool:
        inserted = await self.conn.fetchval(
            """INSERT INTO scanners (scanner_id, name, api_key_hash)
               VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING true""",
            scanner.scanner_id,
            scanner.name,
            api_key_hash,
        )
        return bool(inserted)


class PostgresCredentialChanges:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    async def record(self, subject: UUID, changed_at: datetime) -> None:
        await record_credentials_change(self.conn, subject, changed_at)

    async def not_before(self, subject: UUID) -> datetime | None:
        found: datetime | None = await self.conn.fetchval(
            "SELECT not_before FROM token_not_before WHERE subject = $1", subject
        )
        return found
