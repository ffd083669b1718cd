"""The claims unit of work on the real PostgreSQL, held to the contract the in-memory store of
the service-layer tests keeps too (tests/support/claims_contract.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from services.claims.adapters.postgres import PostgresUnitOfWork
from shared.db import create_pool, migrate
from tests.support.claims_contract import ClaimsStoreContract
from tests.support.stores import PostgresStore

pytestmark = pytest.mark.integration


class TestPostgresStore(ClaimsStoreContract):
    @pytest.fixture
    async def store(self, database_url: str) -> AsyncIterator[PostgresStore[PostgresUnitOfWork]]:
        pool = await create_pool(database_url)
        await migrate(pool, "shared.migrations", "services.claims.migrations")
        yield PostgresStore(pool, PostgresUnitOfWork)
        await pool.close()
