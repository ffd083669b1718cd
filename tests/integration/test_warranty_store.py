"""The warranty unit of work on the real PostgreSQL, held to the contract the in-memory store of
the service-layer tests keeps too (tests/support/warranty_contract.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from services.warranty.adapters.postgres import PostgresUnitOfWork
from shared.db import create_pool, migrate
from tests.support.stores import PostgresStore
from tests.support.warranty_contract import WarrantyStoreContract

pytestmark = pytest.mark.integration


class TestPostgresStore(WarrantyStoreContract):
    @pytest.fixture
    async def store(self, database_url: str) -> AsyncIterator[PostgresStore[PostgresUnitOfWork]]:
        pool = await create_pool(database_url)
        await migrate(pool, "shared.migrations", "services.warranty.migrations")
        yield PostgresStore(pool, PostgresUnitOfWork)
        await pool.close()
