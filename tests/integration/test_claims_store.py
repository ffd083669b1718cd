"""The claims unit of work on the real PostgreSQL, held to the contract the in-memory store of
the service-layer tests keeps too (tests/support/claims_contract.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from uuid import UUID

import asyncpg
import pytest

from services.claims.adapters.postgres import PostgresUnitOfWork
from shared.db import create_pool, migrate
from tests.support.claims_contract import ClaimsStoreContract

pytestmark = pytest.mark.integration


@dataclass
class PostgresStore:
    pool: asyncpg.Pool

    def uow(self) -> PostgresUnitOfWork:
        return PostgresUnitOfWork(self.pool)

    async def published_ids(self) -> list[UUID]:
        rows = await self.pool.fetch("SELECT event_id FROM outbox ORDER BY id")
        return [row["event_id"] for row in rows]

    async def made_by_request(self, owner: str, key: str) -> str | None:
        made: str | None = await self.pool.fetchval(
            "SELECT made FROM idempotency_keys WHERE owner = $1 AND idempotency_key = $2",
            owner,
            key,
        )
        return made


class TestPostgresStore(ClaimsStoreContract):
    @pytest.fixture
    async def store(self, database_url: str) -> AsyncIterator[PostgresStore]:
        pool = await create_pool(database_url)
        await migrate(pool, "shared.migrations", "services.claims.migrations")
        yield PostgresStore(pool)
        await pool.close()
