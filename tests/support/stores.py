"""The stores a contract test class runs on (tests/support/*_contract.py): a service's in-memory
database, or its PostgreSQL unit of work on a freshly migrated database. Each gives `uow()` and
`published_ids()`, the ids of the events committed to the outbox, in order, and
`made_by_request(owner, key)`, what an Idempotency-Key's request made, as committed."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg

from shared.db import create_pool, migrate


@dataclass
class MemoryStore:
    database: Any  # a service's adapters.memory.MemoryDatabase

    def uow(self) -> Any:
        return self.database.unit_of_work()

    async def published_ids(self) -> list[UUID]:
        return [event.event_id for event in self.database.published]

    async def made_by_request(self, owner: str, key: str) -> str | None:
        kept = self.database.state.made_by_request.get((owner, key))
        return None if kept is None else str(kept[1])


@dataclass
class PostgresStore:
    pool: asyncpg.Pool
    unit_of_work: Callable[[asyncpg.Pool], Any]  # a service's adapters.postgres.PostgresUnitOfWork

    def uow(self) -> Any:
        return self.unit_of_work(self.pool)

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


@contextlib.asynccontextmanager
async def postgres_store(
    database_url: str, unit_of_work: Callable[[asyncpg.Pool], Any], migrations: str
) -> AsyncIterator[PostgresStore]:
    """The service's store on `database_url`, migrated with the shared and its `migrations`."""
    pool = await create_pool(database_url)
    await migrate(pool, "shared.migrations", migrations)
    try:
        yield PostgresStore(pool, unit_of_work)
    finally:
        await pool.close()
