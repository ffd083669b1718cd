"""The claims unit of work on the real PostgreSQL, held to the contract the in-memory store of
the service-layer tests keeps too (tests/support/claims_contract.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from services.claims.adapters.postgres import PostgresUnitOfWork
from tests.support.claims_contract import ClaimsStoreContract
from tests.support.stores import PostgresStore, postgres_store

pytestmark = pytest.mark.integration


class TestPostgresStore(ClaimsStoreContract):
    @pytest.fixture
    async def store(self, database_url: str) -> AsyncIterator[PostgresStore]:
        async with postgres_store(
            database_url, PostgresUnitOfWork, "services.claims.migrations"
        ) as store:
            yield store
