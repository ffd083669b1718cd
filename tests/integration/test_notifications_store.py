"""The notifications unit of work on the real PostgreSQL, held to the contract the in-memory
store of the service-layer tests keeps too (tests/support/notifications_contract.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace

import asyncpg
import pytest
from asyncpg.connection import LoggedQuery

from services.notifications.adapters.mime import OutgoingEmail
from services.notifications.adapters.postgres import PostgresUnitOfWork
from services.notifications.bootstrap import postgres_context
from services.notifications.delivery import MailDelivery
from services.notifications.handlers import NotificationsContext
from services.notifications.settings import NotificationsSettings
from services.notifications.unit_of_work import NewEmail
from shared.db import create_pool, migrate
from tests.support.notifications_contract import NOW, NotificationsStoreContract, new_email

pytestmark = pytest.mark.integration


@dataclass
class PostgresStore:
    pool: asyncpg.Pool

    def uow(self) -> PostgresUnitOfWork:
        return PostgresUnitOfWork(self.pool)


class TestPostgresStore(NotificationsStoreContract):
    @pytest.fixture
    async def store(self, database_url: str) -> AsyncIterator[PostgresStore]:
        pool = await create_pool(database_url)
        await migrate(pool, "shared.migrations", "services.notifications.migrations")
        yield PostgresStore(pool)
        await pool.close()


@dataclass
class AcceptingMailer:
    accepted: list[str] = field(default_factory=list)

    async def send(self, message: OutgoingEmail) -> None:
        self.accepted.append(message.message_id)


async def queue(ctx: NotificationsContext, email: NewEmail) -> None:
    async with ctx.uow() as uow:
        await uow.emails.add_all([email], NOW)
        await uow.commit()


async def test_the_sender_takes_and_marks_in_one_statement_each(database_url: str) -> None:
    """Each step of the sender is one statement, without BEGIN and COMMIT around it: a take
    of the due emails, and one mark for the emails accepted together (issue 27, item 3)."""
    pool = await create_pool(database_url, max_size=1)
    try:
        await migrate(pool, "shared.migrations", "services.notifications.migrations")
        ctx = postgres_context(NotificationsSettings(), lambda: pool, seal_private_key=b"")
        ctx = replace(ctx, clock=lambda: NOW)
        mailer = AcceptingMailer()
        delivery = MailDelivery(ctx, mailer)
        # The first send on a connection also asks PostgreSQL about the types it sends.
        await queue(ctx, new_email())
        assert await delivery.send_due() == 1
        emails = [new_email() for _ in range(3)]
        for email in emails:
            await queue(ctx, email)
        statements: list[str] = []

        def logged(query: LoggedQuery) -> None:
            statements.append(query.query)

        async with pool.acquire() as conn:  # the pool's one connection, for every step
            conn.add_query_logger(logged)
        assert await delivery.send_due() == 3
        async with pool.acquire() as conn:
            conn.remove_query_logger(logged)
            sent = await conn.fetchval("SELECT count(*) FROM emails WHERE status = 'sent'")
    finally:
        await pool.close()
    assert sorted(mailer.accepted[1:]) == sorted(email.message_id for email in emails)
    assert sent == 4
    # One take (3 of the 4 asked for: the queue is empty), then one mark per group of emails
    # accepted while the previous mark was under way.
    assert statements[0].lstrip().startswith("UPDATE emails SET attempts"), statements
    assert all(s.lstrip().startswith("UPDATE emails SET") for s in statements), statements
    assert 2 <= len(statements) <= 4, "\n---\n".join(statements)
