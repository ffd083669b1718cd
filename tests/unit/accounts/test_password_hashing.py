"""The password hash's cost is a setting: argon2-cffi's defaults unless told otherwise (the test
servers lower it), and a hash made at one cost verifies at any other, since it carries its own."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, extract_parameters

from services.accounts.settings import AccountsSettings


def test_the_default_cost_is_argon2s_own(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("RMA_PASSWORD_HASH_TIME_COST", "RMA_PASSWORD_HASH_MEMORY_KIB"):
        monkeypatch.delenv(name, raising=False)  # as the test servers set them
    made = AccountsSettings().password_hasher().hash("zielona-herbata-42")
    assert extract_parameters(made) == extract_parameters(PasswordHasher().hash("x"))


def test_the_cost_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RMA_PASSWORD_HASH_TIME_COST", "1")
    monkeypatch.setenv("RMA_PASSWORD_HASH_MEMORY_KIB", "1024")
    cheap = AccountsSettings().password_hasher()
    made = cheap.hash("zielona-herbata-42")
    parameters = extract_parameters(made)
    assert (parameters.time_cost, parameters.memory_cost) == (1, 1024)
    # A password set at the lower cost still logs in where the default cost runs, and back.
    assert PasswordHasher().verify(made, "zielona-herbata-42")
    assert cheap.verify(PasswordHasher().hash("zielona-herbata-42"), "zielona-herbata-42")


def test_a_cost_below_argon2s_floor_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RMA_PASSWORD_HASH_MEMORY_KIB", "8")
    with pytest.raises(ValueError, match="password_hash_memory_kib"):
        AccountsSettings()
