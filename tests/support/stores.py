"""A unit of work's store as the contract tests see it (tests/support/*_contract.py): a fresh,
empty store that opens units of work and tells which events its outbox holds, in order. One for
the in-memory adapters, one for PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from uuid import UUID

import asyncpg

from shared.unit_of_work import MemoryDatabase

UnitOfWorkT = TypeVar("UnitOfWorkT")


@dataclass
class MemoryStore(Generic[UnitOfWorkT]):
    database: MemoryDatabase[Any]
    uow: Callable[[], UnitOfWorkT]  # the database's `unit_of_work`

    async def published_ids(self) -> list[UUID]:
        return [event.event_id for event in self.database.published]


@dataclass
class PostgresStore(Generic[UnitOfWorkT]):
    pool: asyncpg.Pool
    unit_of_work: Callable[[asyncpg.Pool], UnitOfWorkT]

    def uow(self) -> UnitOfWorkT:
        return self.unit_of_work(self.pool)

    async def published_ids(self) -> list[UUID]:
        rows = await self.pool.fetch("SELECT event_id FROM outbox ORDER BY id")
        return [row["event_id"] for row in rows]
