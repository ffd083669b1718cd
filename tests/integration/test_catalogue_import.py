"""The catalogue import beside the sale upserts, against the real PostgreSQL: it locks products
in EAN order, tries again when PostgreSQL breaks a deadlock by aborting it, and run again it
changes and announces nothing (`make run` once died of that deadlock)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import asdict, replace
from pathlib import Path

import asyncpg
import pytest

from services.warranty import handlers
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


async def test_a_deadlock_with_a_writer_locking_in_another_order_is_tried_again(
    pool: asyncpg.Pool, database_url: str
) -> None:
    """A writer (a consumer's batch of sales, say) that holds the higher EAN and then wants the
    lower one, while the import holds the lower and waits for the higher: PostgreSQL aborts one
    of them. The import, aborted, tries again once the writer is done, and succeeds."""
    writer = await asyncpg.connect(database_url)
    pauses: list[float] = []

    async def no_real_sleep(seconds: float) -> None:
        pauses.append(seconds)

    try:
        transaction = writer.transaction()
        await transaction.start()
        await writer.execute(UPSERT, HIGH, "from a sale")
        importing = asyncio.create_task(
            handlers.import_catalogue(
                replace(postgres_context(pool), sleep=no_real_sleep),
                [entry(LOW, "DJI Low"), entry(HIGH, "DJI High")],
            )
        )
        # The import holds LOW and waits for HIGH; it waited first, so its deadlock_timeout
        # (1 s) ends first and PostgreSQL aborts the import.
        await until_a_lock_is_awaited(pool)
        await writer.execute(UPSERT, LOW, "from a sale")  # waits for LOW: a deadlock
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
