"""The in-memory notifications unit of work, held to the contract PostgreSQL keeps
(tests/support/notifications_contract.py; tests/integration/test_notifications_store.py runs
the same)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from services.notifications.adapters.memory import MemoryDatabase, MemoryUnitOfWork
from tests.support.notifications_contract import NotificationsStoreContract


@dataclass
class MemoryStore:
    database: MemoryDatabase

    def uow(self) -> MemoryUnitOfWork:
        return self.database.unit_of_work()


class TestMemoryStore(NotificationsStoreContract):
    @pytest.fixture
    def store(self) -> MemoryStore:
        return MemoryStore(MemoryDatabase())
