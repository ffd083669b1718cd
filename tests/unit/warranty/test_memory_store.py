"""The in-memory warranty unit of work, held to the contract PostgreSQL keeps
(tests/support/warranty_contract.py; tests/integration/test_warranty_store.py runs the same)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import pytest

from services.warranty.adapters.memory import MemoryDatabase, MemoryUnitOfWork
from tests.support.warranty_contract import WarrantyStoreContract


@dataclass
class MemoryStore:
    database: MemoryDatabase

    def uow(self) -> MemoryUnitOfWork:
        return self.database.unit_of_work()

    async def published_ids(self) -> list[UUID]:
        return [event.event_id for event in self.database.published]


class TestMemoryStore(WarrantyStoreContract):
    @pytest.fixture
    def store(self) -> MemoryStore:
        return MemoryStore(MemoryDatabase())
