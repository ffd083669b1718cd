"""The old form's scooter registrations imported by the admin command into the real PostgreSQL,
twice: the second import changes nothing (issue 25, item 5)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import asyncpg
import pytest

from services.warranty import admin, handlers
from services.warranty.bootstrap import postgres_context
from services.warranty.settings import WarrantySettings
from shared.db import create_pool, migrate
from tests.support.warranty_service import linked, random_ean, sale
from tools.support.days import polish_today

pytestmark = pytest.mark.integration


async def test_the_admin_command_imports_an_export_once(database_url: str, tmp_path: Path) -> None:
    scooter, owner = random_ean(), uuid.uuid4()
    sold_on = polish_today() - timedelta(days=90)
    receipt = sale(scooter, "Kaabo", "scooter", sold_on, "KM10-1", "KM10-2")
    pool = await create_pool(database_url)
    try:
        await migrate(pool, "shared.migrations", "services.warranty.migrations")
        ctx = postgres_context(pool)
        async with ctx.uow() as uow:
            await handlers.record_sale(uow, receipt)
        async with ctx.uow() as uow:
            await handlers.record_document_owner(uow, linked(receipt, owner))
    finally:
        await pool.close()
    export = tmp_path / "rejestracje.csv"
    export.write_text(
        "ean,serial_number,registered_on\n"
        f"{scooter},KM10-1,{sold_on + timedelta(days=3)}\n"
        f"{scooter},KM10-3,{sold_on + timedelta(days=3)}\n",  # on no sale
        encoding="utf-8",
    )
    settings = WarrantySettings(database_url=database_url)

    first = await admin.import_registrations(settings, export)
    again = await admin.import_registrations(settings, export)

    assert (first.imported, first.skipped, [r[1] for r in first.refused]) == (
        1, 0, ["serial_not_sold"],
    )  # fmt: skip
    assert (again.imported, again.skipped, len(again.refused)) == (0, 1, 1)
    connection = await asyncpg.connect(database_url)
    try:
        rows = await connection.fetch(
            "SELECT serial_number, account_id, registered_on FROM product_registrations"
        )
        announced = await connection.fetchval(
            "SELECT count(*) FROM outbox WHERE event_type = 'ProductRegistered'"
        )
    finally:
        await connection.close()
    assert [tuple(row) for row in rows] == [("KM10-1", owner, sold_on + timedelta(days=3))]
    assert announced == 1
