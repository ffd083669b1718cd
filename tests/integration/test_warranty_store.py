"""The warranty unit of work on the real PostgreSQL, held to the contract the in-memory store of
the service-layer tests keeps too (tests/support/warranty_contract.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from uuid import UUID

import asyncpg
import pytest

from services.warranty.adapters.postgres import PostgresUnitOfWork
from shared.db import create_pool, migrate
from tests.support.warranty_contract import WarrantyStoreContract

pytestmark = pytest.mark.integration


@dataclass
class PostgresStore:
    pool: asyncpg.Pool

    def uow(self) -> PostgresUnitOfWork:
        return PostgresUnitOfWork(self.pool)

    async def published_ids(self) -> list[UUID]:
        rows = await self.pool.fetch("SELECT event_id FROM outbox ORDER BY id")
        return [row["event_id"] for row in rows]


class TestPostgresStore(WarrantyStoreContract):
    @pytest.fixture
    async def store(self, database_url: str) -> AsyncIterator[PostgresStore]:
        pool = await create_pool(database_url)
        await migrate(pool, "shared.migrations", "services.warranty.migrations")
        yield PostgresStore(pool)
        await pool.close()
