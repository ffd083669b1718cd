"""The catalogue import beside the sale upserts, against the real PostgreSQL: it locks products
in EAN order, tries again when PostgreSQL breaks a deadlock by aborting it, and run again it
changes and announces nothing (`make run` once died of that deadlock)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from services.warranty import handlers
from services.warranty.adapters.postgres import PostgresUnitOfWork
from services.warranty.admin import import_products, read_catalogue
from services.warranty.bootstrap import postgres_context
from services.warranty.settings import WarrantySettings
from services.warranty.unit_of_work import CatalogueProduct
from shared.db import create_pool, migrate

pytestmark = pytest.mark.integration


def entry(ean: str, name: str, *problems: str) -> CatalogueProduct:
    return CatalogueProduct(
        ean=ean,
        sku=f"SKU-{ean[-4:]}",
        name=name,
        brand="DJI",
        category="drone",
        problems=problems or ("Nie włącza się",),
        serial_required=True,
    )


LOW, HIGH = "5901234123457", "5909999999994"


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database_url)
    await migrate(pool, "shared.migrations", "services.warranty.migrations")
    yield pool
    await pool.close()


async def announced(pool: asyncpg.Pool) -> int:
    count: int = await pool.fetchval(
        "SELECT count(*) FROM outbox WHERE event_type = 'ProductCatalogued'"
    )
    return count


UPSERT = """INSERT INTO products (ean, sku, name, brand, category)
            VALUES ($1, 'S', $2, 'DJI', 'drone')
            ON CONFLICT (ean) DO UPDATE SET name = EXCLUDED.name"""


async def until_a_lock_is_awaited(pool: asyncpg.Pool) -> None:
    """Until some session of this database waits for a lock (no fixed sleep)."""
    for _ in range(500):
        if await pool.fetchval(
            """SELECT count(*) FROM pg_stat_activity
               WHERE datname = current_database() AND wait_event_type = 'Lock'"""
        ):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("nobody ever waited for a lock")


class HeldBeforeHigh(PostgresUnitOfWork):
    """The import's unit of work, held before it upserts HIGH (LOW upserted and locked; `held`
    set) until `go` is set: the test, not the machine's load, decides when the import asks for
    HIGH."""

    def __init__(self, pool: asyncpg.Pool, held: asyncio.Event, go: asyncio.Event) -> None:
        super().__init__(pool)
        self.held, self.go = held, go

    def _open(self, conn: Any) -> None:
        super()._open(conn)
        import_entry = self.products.import_entry

        async def held_before_high(product: CatalogueProduct) -> bool:
            if product.ean == HIGH:
                self.held.set()
                await self.go.wait()
            return await import_entry(product)

        self.products.import_entry = held_before_high  # type: ignore[method-assign]


async def test_a_deadlock_with_a_writer_locking_in_another_order_is_tried_again(
    pool: asyncpg.Pool, database_url: str
) -> None:
    """A writer (a consumer's batch of sales, say) that holds the higher EAN and then wants the
    lower one, while the import holds the lower and waits for the higher: PostgreSQL aborts one
    of them. The import, aborted, tries again once the writer is done, and succeeds.

    PostgreSQL looks for a deadlock once per lock wait, deadlock_timeout after the wait began,
    and aborts the session that looks and finds one. So the writer asks for LOW first, while
    the import is held before HIGH: the writer's one look finds no cycle, and only then does the
    import ask for HIGH, so the only look that finds the cycle is the import's. (The import
    waiting first and the writer asking right after it made the writer the victim whenever the
    loaded machine stalled the test for longer than deadlock_timeout.)"""
    writer = await asyncpg.connect(database_url)
    held, go = asyncio.Event(), asyncio.Event()
    pauses: list[float] = []

    async def no_real_sleep(seconds: float) -> None:
        pauses.append(seconds)

    ctx = replace(
        postgres_context(pool), uow=lambda: HeldBeforeHigh(pool, held, go), sleep=no_real_sleep
    )
    try:
        transaction = writer.transaction()
        await transaction.start()
        await writer.execute(UPSERT, HIGH, "from a sale")
        importing = asyncio.create_task(
            handlers.import_catalogue(ctx, [entry(LOW, "DJI Low"), entry(HIGH, "DJI High")])
        )
        await asyncio.wait_for(held.wait(), 30)  # the import holds LOW
        asking = asyncio.create_task(writer.execute(UPSERT, LOW, "from a sale"))
        await until_a_lock_is_awaited(pool)  # the writer waits for LOW
        # PostgreSQL's own timer (not the code under test's): the writer's server process looks
        # once its deadlock_timeout has passed; two more give it time to run on a loaded machine.
        timeout_ms = await pool.fetchval(
            "SELECT setting::int FROM pg_settings WHERE name = 'deadlock_timeout'"
        )
        await asyncio.sleep(3 * timeout_ms / 1000)
        go.set()  # the import asks for HIGH: a deadlock only its own look can find
        await asyncio.wait_for(asking, 30)  # the writer gets LOW when the import is aborted
        await transaction.commit()
        changed = await asyncio.wait_for(importing, 30)
    finally:
        await writer.close()
    assert pauses, "the import was not the one aborted, or was not tried again"
    assert changed == 2
    names = dict(await pool.fetch("SELECT ean, name FROM products ORDER BY ean"))
    assert names == {LOW: "DJI Low", HIGH: "DJI High"}
    assert await announced(pool) == 2


async def test_the_import_run_again_changes_and_announces_nothing(pool: asyncpg.Pool) -> None:
    ctx = postgres_context(pool)
    catalogue = [entry(HIGH, "DJI High"), entry(LOW, "DJI Low")]
    assert await handlers.import_catalogue(ctx, catalogue) == 2
    assert await handlers.import_catalogue(ctx, catalogue) == 0
    assert await announced(pool) == 2
    catalogue[0] = entry(HIGH, "DJI High", "Nie włącza się", "Gimbal drży")
    assert await handlers.import_catalogue(ctx, catalogue) == 1
    assert await announced(pool) == 3


async def test_the_admin_command_imports_a_catalogue_file(
    pool: asyncpg.Pool, database_url: str, tmp_path: Path
) -> None:
    """`python -m services.warranty.admin import-catalogue FILE` (make run uses it) on its own
    pool, through the same handler."""
    catalogue = tmp_path / "catalogue.json"
    catalogue.write_text(json.dumps([asdict(entry(LOW, "DJI Low"))]), encoding="utf-8")
    settings = WarrantySettings(database_url=database_url)
    assert await import_products(settings, read_catalogue(catalogue)) == 1
    assert await import_products(settings, read_catalogue(catalogue)) == 0
    assert await pool.fetchval("SELECT name FROM products WHERE ean = $1", LOW) == "DJI Low"
    assert await announced(pool) == 1
