"""The layers of accounts (issue 26): the handlers never see the database, and no endpoint reaches
past them to a repository; `bootstrap.py` alone chooses the store."""

from __future__ import annotations

from pathlib import Path

from tests.unit.project.test_imports import REPO, imported_modules

ACCOUNTS = REPO / "services" / "accounts"


def importers_of(prefixes: tuple[str, ...], sources: list[Path]) -> dict[str, list[str]]:
    found = {
        str(source.relative_to(REPO)): sorted(
            name for name in imported_modules(source) if name.startswith(prefixes)
        )
        for source in sources
    }
    return {source: names for source, names in found.items() if names}


def test_no_handler_imports_asyncpg_nor_an_adapter() -> None:
    handlers = [ACCOUNTS / "handlers.py"]
    assert importers_of(("asyncpg", "services.accounts.adapters"), handlers) == {}


def test_no_entry_point_reaches_a_repository() -> None:
    entrypoints = sorted((ACCOUNTS / "entrypoints").glob("*.py"))
    assert entrypoints
    assert importers_of(("asyncpg", "services.accounts.adapters"), entrypoints) == {}


def test_only_bootstrap_chooses_an_adapter() -> None:
    outside = [path for path in ACCOUNTS.rglob("*.py") if "adapters" not in path.parts]
    choosers = importers_of(("services.accounts.adapters",), outside)
    assert set(choosers) == {"services/accounts/bootstrap.py"}
