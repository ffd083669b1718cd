"""The in-memory claims unit of work, held to the contract PostgreSQL keeps
(tests/support/claims_contract.py; tests/integration/test_claims_store.py runs the same)."""

from __future__ import annotations

import pytest

from services.claims.adapters.memory import MemoryDatabase, MemoryUnitOfWork
from tests.support.claims_contract import NOW, ClaimsStoreContract
from tests.support.stores import MemoryStore


class TestMemoryStore(ClaimsStoreContract):
    @pytest.fixture
    def store(self) -> MemoryStore[MemoryUnitOfWork]:
        database = MemoryDatabase(clock=lambda: NOW)
        return MemoryStore(database, database.unit_of_work)
