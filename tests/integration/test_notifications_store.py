"""The notifications unit of work on the real PostgreSQL, held to the contract the in-memory
store of the service-layer tests keeps too (tests/support/notifications_contract.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg
import pytest

from services.notifications.adapters.postgres import PostgresUnitOfWork
from shared.db import create_pool, migrate
from tests.support.notifications_contract import NotificationsStoreContract

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
