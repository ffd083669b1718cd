"""The in-memory warranty unit of work, held to the contract PostgreSQL keeps
(tests/support/warranty_contract.py; tests/integration/test_warranty_store.py runs the same)."""

from __future__ import annotations

import pytest

from services.warranty.adapters.memory import MemoryDatabase
from tests.support.stores import MemoryStore
from tests.support.warranty_contract import WarrantyStoreContract


class TestMemoryStore(WarrantyStoreContract):
    @pytest.fixture
    def store(self) -> MemoryStore:
        return MemoryStore(MemoryDatabase())
