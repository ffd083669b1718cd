"""SQL of the warranty service."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from shared.db import Conn
from shared.events import SaleRecordedData


async def record_products_sold(conn: Conn, sale: SaleRecordedData) -> None:
    """Add the document's products to the catalogue and move their first/last sale dates."""
    await conn.executemany(
        """INSERT INTO products (ean, sku, name, brand, category, outlet, first_sold_on,
                                 last_sold_on)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
           ON CONFLICT (ean) DO UPDATE SET
               sku = EXCLUDED.sku, name = EXCLUDED.name, brand = EXCLUDED.brand,
               category = EXCLUDED.category, outlet = EXCLUDED.outlet,
               first_sold_on = LEAST(products.first_sold_on, EXCLUDED.first_sold_on),
               last_sold_on = GREATEST(products.last_sold_on, EXCLUDED.last_sold_on)""",
        [
            (line.ean, line.sku, line.name, line.brand, line.category, line.outlet, sale.issued_on)
            for line in sale.lines
        ],
    )


async def get_product(conn: Conn, ean: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM products WHERE ean = $1", ean)


async def product_history(conn: Conn, ean: str, serial: str | None) -> tuple[Any, int]:
    """When this very product (EAN and serial) was registered, if it was, and the days it spent
    in finished warranty repairs: one query, as every new claim asks both."""
    if serial is None:
        return None, 0
    row = await conn.fetchrow(
        """SELECT (SELECT registered_on FROM product_registrations
                   WHERE ean = $1 AND serial_number = $2) AS registered_on,
                  (SELECT coalesce(sum(ended_on - started_on), 0) FROM repair_periods
                   WHERE ean = $1 AND serial_number = $2 AND ended_on IS NOT NULL)
                      AS repair_days""",
        ean,
        serial,
    )
    assert row is not None  # a SELECT without FROM always has its one row
    return row["registered_on"], int(row["repair_days"])


async def save_assessment(
    conn: Conn, claim_id: UUID, rma_number: str, claim: Any, verdict: Any
) -> None:
    await conn.execute(
        """INSERT INTO assessments (claim_id, rma_number, claim, verdict) VALUES ($1, $2, $3, $4)
           ON CONFLICT (claim_id) DO UPDATE SET verdict = EXCLUDED.verdict,
                                                assessed_at = now()""",
        claim_id,
        rma_number,
        claim,
        verdict,
    )


async def import_product(conn: Conn, product: dict[str, Any]) -> None:
    """The admin import: names, categories and problem lists; sale dates stay the ledger's."""
    await conn.execute(
        """INSERT INTO products (ean, sku, name, brand, category, outlet, problems, serial_required)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (ean) DO UPDATE SET
               sku = EXCLUDED.sku, name = EXCLUDED.name, brand = EXCLUDED.brand,
               category = EXCLUDED.category, outlet = EXCLUDED.outlet,
               problems = EXCLUDED.problems, serial_required = EXCLUDED.serial_required""",
        product["ean"],
        product["sku"],
        product["name"],
        product["brand"],
        product["category"],
        product["outlet"],
        product["problems"],
        product["serial_required"],
    )


async def insert_registration(conn: Conn, registration: dict[str, Any]) -> bool:
    inserted = await conn.fetchval(
        """INSERT INTO product_registrations
               (registration_id, account_id, ean, serial_number, purchased_on, registered_on)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (ean, serial_number) DO NOTHING RETURNING true""",
        registration["registration_id"],
        registration["account_id"],
        registration["ean"],
        registration["serial_number"],
        registration["purchased_on"],
        registration["registered_on"],
    )
    return bool(inserted)


async def start_repair(
    conn: Conn, claim_id: UUID, ean: str, serial: str | None, started_on: Any
) -> None:
    await conn.execute(
        """INSERT INTO repair_periods (claim_id, ean, serial_number, started_on)
           VALUES ($1, $2, $3, $4) ON CONFLICT (claim_id) DO NOTHING""",
        claim_id,
        ean,
        serial,
        started_on,
    )


async def end_repair(conn: Conn, claim_id: UUID, ended_on: Any) -> None:
    await conn.execute(
        "UPDATE repair_periods SET ended_on = $2 WHERE claim_id = $1 AND ended_on IS NULL",
        claim_id,
        ended_on,
    )


async def get_assessment(conn: Conn, claim_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT claim, verdict FROM assessments WHERE claim_id = $1", claim_id
    )
