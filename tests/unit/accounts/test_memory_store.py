"""The in-memory accounts unit of work, held to the contract PostgreSQL keeps
(tests/support/accounts_contract.py; tests/integration/test_accounts_store.py runs the same)."""

from __future__ import annotations

import pytest

from services.accounts.adapters.memory import MemoryDatabase
from tests.support.accounts_contract import AccountsStoreContract
from tests.support.stores import MemoryStore


class TestMemoryStore(AccountsStoreContract):
    @pytest.fixture
    def store(self) -> MemoryStore:
        return MemoryStore(MemoryDatabase())
