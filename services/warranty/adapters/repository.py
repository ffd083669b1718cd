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


async def registration_date(conn: Conn, ean: str, serial: str | None) -> Any:
    if serial is None:
        return None
    return await conn.fetchval(
        "SELECT registered_on FROM product_registrations WHERE ean = $1 AND serial_number = $2",
        ean,
        serial,
    )


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
