"""The in-memory claims unit of work, held to the contract PostgreSQL keeps
(tests/support/claims_contract.py; tests/integration/test_claims_store.py runs the same)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import pytest

from services.claims.adapters.memory import MemoryDatabase, MemoryUnitOfWork
from tests.support.claims_contract import NOW, ClaimsStoreContract


@dataclass
class MemoryStore:
    database: MemoryDatabase

    def uow(self) -> MemoryUnitOfWork:
        return self.database.unit_of_work()

    async def published_ids(self) -> list[UUID]:
        return [event.event_id for event in self.database.published]

    async def made_by_request(self, owner: str, key: str) -> str | None:
        kept = self.database.state.made_by_request.get((owner, key))
        return kept[1] if kept is not None else None


class TestMemoryStore(ClaimsStoreContract):
    @pytest.fixture
    def store(self) -> MemoryStore:
        return MemoryStore(MemoryDatabase(clock=lambda: NOW))
