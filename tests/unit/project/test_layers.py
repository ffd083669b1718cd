"""Who chooses an adapter (issue 26): in every service only `bootstrap.py` imports the PostgreSQL or
the in-memory store; entry points (HTTP, Kafka consumers, admin commands) and handlers receive a
unit of work from it, so no module but the composition root depends on a concrete store."""

from __future__ import annotations

from pathlib import Path

from tests.unit.project.test_imports import REPO, imported_modules

SERVICES = sorted(path.parent.name for path in (REPO / "services").glob("*/bootstrap.py"))
STORES = ("postgres", "memory")


def adapter_choosers(sources: list[Path], root: Path = REPO) -> dict[str, list[str]]:
    """The modules outside a bootstrap.py and the adapters/ packages that import a service's
    PostgreSQL or in-memory store, with what they import."""
    found: dict[str, list[str]] = {}
    for source in sources:
        relative = source.relative_to(root)
        if source.name == "bootstrap.py" or "adapters" in relative.parts:
            continue
        stores = sorted(
            name
            for name in imported_modules(source)
            for service in SERVICES
            for store in STORES
            if name == f"services.{service}.adapters.{store}"
            or name.startswith(f"services.{service}.adapters.{store}.")
        )
        if stores:
            found[str(relative)] = stores
    return found


def shipped_sources() -> list[Path]:
    return sorted(
        path
        for package in ("shared", "services", "tools")
        for path in (REPO / package).rglob("*.py")
    )


def test_every_service_has_a_bootstrap() -> None:
    assert set(SERVICES) >= {"accounts", "claims", "notifications", "warranty"}


def test_only_bootstrap_chooses_an_adapter() -> None:
    assert adapter_choosers(shipped_sources()) == {}


def test_a_consumer_importing_the_postgres_store_is_found(tmp_path: Path) -> None:
    consumer = tmp_path / "services" / "claims" / "entrypoints" / "consumers.py"
    consumer.parent.mkdir(parents=True)
    consumer.write_text(
        "from services.claims.adapters.postgres import PostgresUnitOfWork\n", encoding="utf-8"
    )
    wiring = tmp_path / "services" / "claims" / "bootstrap.py"
    wiring.write_text("from services.claims.adapters.memory import MemoryDatabase\n")
    assert adapter_choosers([consumer, wiring], tmp_path) == {
        "services/claims/entrypoints/consumers.py": ["services.claims.adapters.postgres"]
    }
