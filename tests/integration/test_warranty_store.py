"""The warranty unit of work on the real PostgreSQL, held to the contract the in-memory store of
the service-layer tests keeps too (tests/support/warranty_contract.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from services.warranty.adapters.postgres import PostgresUnitOfWork
from tests.support.stores import PostgresStore, postgres_store
from tests.support.warranty_contract import WarrantyStoreContract

pytestmark = pytest.mark.integration


class TestPostgresStore(WarrantyStoreContract):
    @pytest.fixture
    async def store(self, database_url: str) -> AsyncIterator[PostgresStore]:
        async with postgres_store(
            database_url, PostgresUnitOfWork, "services.warranty.migrations"
        ) as store:
            yield store
