from __future__ import annotations

from pathlib import Path

import pytest

from shared.keys import ensure_dev_keys
from tests.support.accounts_service import AccountsDesk


@pytest.fixture(scope="session")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("accounts-keys")
    ensure_dev_keys(folder)
    return folder


@pytest.fixture
def desk(keys: Path) -> AccountsDesk:
    return AccountsDesk(keys)
