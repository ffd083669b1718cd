"""SQL of the warranty service (adapters/postgres.py maps its rows to the unit of work's values)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import asyncpg

from services.warranty.unit_of_work import units_sold
from shared.db import Conn, json_text
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
        # In EAN order, as the catalogue import: two writers that lock products in one order
        # cannot deadlock on them.
        [
            (line.ean, line.sku, line.name, line.brand, line.category, line.outlet, sale.issued_on)
            for line in sorted(sale.lines, key=lambda line: line.ean)
        ],
    )


async def get_product(conn: Conn, ean: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM products WHERE ean = $1", ean)


_SAVE_ASSESSMENT = """INSERT INTO assessments (claim_id, rma_number, claim, verdict)
                      VALUES ($1, $2, $3, $4)
                      ON CONFLICT (claim_id) DO UPDATE SET verdict = EXCLUDED.verdict,
                                                           assessed_at = now()"""


_UNIT_CLAIM_COLUMN_NAMES = (
    "claim_id",
    "ean",
    "serial_number",
    "rma_number",
    "claim_type",
    "problem",
    "claimed_at",
    "repeated_defect",
)
_UNIT_CLAIM_COLUMNS = ", ".join(_UNIT_CLAIM_COLUMN_NAMES)


async def save_assessment(
    conn: Conn, claim_id: UUID, rma_number: str, claim: Any, verdict: Any
) -> None:
    await conn.execute(_SAVE_ASSESSMENT, claim_id, rma_number, claim, verdict)


async def save_assessments(
    conn: Conn, assessments: Sequence[tuple[UUID, str, Any, Any]], unit_claims: Sequence[Any]
) -> None:
    """New claims' assessments (claim id, RMA number, claim, verdict), each as `save_assessment`
    (a claim at most once), and their claims among their units' (dicts of unit_claims' columns),
    each as `record_unit_claim`: in one statement."""
    claims = [[claim[column] for claim in unit_claims] for column in _UNIT_CLAIM_COLUMN_NAMES]
    await conn.execute(
        f"""WITH unit_claim AS (
                INSERT INTO unit_claims ({_UNIT_CLAIM_COLUMNS})
                SELECT claim_id, ean, serial_number, rma_number, claim_type, problem, claimed_at,
                       repeated_defect::jsonb
                FROM unnest($5::uuid[], $6::text[], $7::text[], $8::text[], $9::text[],
                            $10::text[], $11::timestamptz[], $12::text[])
                     AS c (claim_id, ean, serial_number, rma_number, claim_type, problem,
                           claimed_at, repeated_defect)
                ON CONFLICT (claim_id) DO NOTHING
            )
            INSERT INTO assessments (claim_id, rma_number, claim, verdict)
            SELECT claim_id, rma_number, claim::jsonb, verdict::jsonb
            FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[])
                 AS a (claim_id, rma_number, claim, verdict)
            ON CONFLICT (claim_id) DO UPDATE SET verdict = EXCLUDED.verdict, assessed_at = now()""",
        [claim_id for claim_id, _, _, _ in assessments],
        [rma_number for _, rma_number, _, _ in assessments],
        [json_text(claim) for _, _, claim, _ in assessments],
        [json_text(verdict) for _, _, _, verdict in assessments],
        *claims[:7],
        [None if defect is None else json_text(defect) for defect in claims[7]],
    )


async def import_product(conn: Conn, product: dict[str, Any]) -> bool:
    """The admin import: names, categories, problem lists and the wear parts their problems
    concern; sale dates stay the ledger's. True when the entry was new or changed anything (an
    import run again changes nothing)."""
    changed: bool | None = await conn.fetchval(
        """INSERT INTO products (ean, sku, name, brand, category, outlet, problems, serial_required,
                                 problem_parts)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           ON CONFLICT (ean) DO UPDATE SET
               sku = EXCLUDED.sku, name = EXCLUDED.name, brand = EXCLUDED.brand,
               category = EXCLUDED.category, outlet = EXCLUDED.outlet,
               problems = EXCLUDED.problems, serial_required = EXCLUDED.serial_required,
               problem_parts = EXCLUDED.problem_parts
           WHERE (products.sku, products.name, products.brand, products.category,
                  products.outlet, products.problems, products.serial_required,
                  products.problem_parts)
                 IS DISTINCT FROM
                 (EXCLUDED.sku, EXCLUDED.name, EXCLUDED.brand, EXCLUDED.category,
                  EXCLUDED.outlet, EXCLUDED.problems, EXCLUDED.serial_required,
                  EXCLUDED.problem_parts)
           RETURNING true""",
        product["ean"],
        product["sku"],
        product["name"],
        product["brand"],
        product["category"],
        product["outlet"],
        product["problems"],
        product["serial_required"],
        product.get("problem_parts") or {},
    )
    return bool(changed)


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


# The repair periods of the unit ($1, $2) that were repairs: a claim decided otherwise
# (replacement, refund, rejection) was none.
_UNIT_REPAIRS = """FROM repair_periods p LEFT JOIN unit_claims c ON c.claim_id = p.claim_id
                   WHERE p.ean = $1 AND p.serial_number = $2
                     AND coalesce(c.decision, 'repair') = 'repair'"""


async def unit_repairs(conn: Conn, ean: str, serial: str) -> list[asyncpg.Record]:
    """Warranty repairs of this very unit (same EAN and serial), oldest first, the one under way
    included (ended_on NULL); a claim decided otherwise (replacement, refund, rejection) was no
    repair."""
    return await conn.fetch(
        f"""SELECT p.claim_id, p.started_on, p.ended_on, c.rma_number, c.substantial_repair,
                   c.replaced_part
            {_UNIT_REPAIRS}
            ORDER BY p.started_on, p.ended_on""",
        ean,
        serial,
    )


async def get_assessment(conn: Conn, claim_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT claim, verdict FROM assessments WHERE claim_id = $1", claim_id
    )


# --- the passport: units, their documents, claims and replacements ------------------------


async def record_sold_units(conn: Conn, sale: SaleRecordedData) -> None:
    rows = [dataclasses.astuple(unit) for unit in units_sold(sale)]  # in the columns' order
    await conn.executemany(
        """INSERT INTO sold_units (ean, serial_number, document_type, document_number, issued_on,
                                   delivered_on, buyer_type, activated_on)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (ean, serial_number) DO UPDATE SET
               document_type = EXCLUDED.document_type, document_number = EXCLUDED.document_number,
               issued_on = EXCLUDED.issued_on, delivered_on = EXCLUDED.delivered_on,
               buyer_type = EXCLUDED.buyer_type, activated_on = EXCLUDED.activated_on""",
        rows,
    )


async def link_document(
    conn: Conn, document_type: str, document_number: str, account_id: UUID
) -> None:
    await conn.execute(
        """INSERT INTO document_owners (document_type, document_number, account_id)
           VALUES ($1, $2, $3)
           ON CONFLICT (document_type, document_number) DO UPDATE SET
               account_id = EXCLUDED.account_id""",
        document_type,
        document_number,
        account_id,
    )


# The unit itself, then the unit it replaced, and so on back to the one that was sold.
_UNIT_LINEAGE = """
    WITH RECURSIVE lineage (ean, serial_number, depth) AS (
        SELECT $1::text, $2::text, 0
        UNION ALL
        SELECT r.old_ean, r.old_serial_number, l.depth + 1
        FROM replacements r JOIN lineage l
          ON r.new_ean = l.ean AND r.new_serial_number = l.serial_number
        WHERE l.depth < 20
    )
"""


# After `_UNIT_LINEAGE`: the nearest sale in the lineage, with its document's owner and the sold
# unit's own registration.
_ORIGIN_SALE = """SELECT s.*, o.account_id, l.depth,
                         (SELECT registered_on FROM product_registrations p
                          WHERE p.ean = s.ean AND p.serial_number = s.serial_number)
                             AS registered_on
                  FROM lineage l
                  JOIN sold_units s ON s.ean = l.ean AND s.serial_number = l.serial_number
                  LEFT JOIN document_owners o
                    ON o.document_type = s.document_type
                   AND o.document_number = s.document_number
                  ORDER BY l.depth LIMIT 1"""

# After `_UNIT_LINEAGE`: the nearest registration in the lineage.
_LINEAGE_REGISTRATION = """SELECT p.registered_on FROM lineage l
                           JOIN product_registrations p
                             ON p.ean = l.ean AND p.serial_number = l.serial_number
                           ORDER BY l.depth LIMIT 1"""


async def origin_sale(conn: Conn, ean: str, serial: str) -> asyncpg.Record | None:
    """The sale of this unit, or of the unit it was given in place of (the nearest one)."""
    return await conn.fetchrow(_UNIT_LINEAGE + _ORIGIN_SALE, ean, serial)


# The overview of the unit ($1, $2): `origin_sale`'s row (its columns, `sold` true when there
# is one), `lineage_registration` and whether the unit has claims, a void mark, a replacement that
# handed it over and repairs (as `unit_claims`, `void_mark`, `replacement_of` and `unit_repairs`
# would find them), and the product's `problem_parts` (as `get_product`).
_UNIT_OVERVIEW = (
    _UNIT_LINEAGE
    + f"""SELECT sale.*, sale.depth IS NOT NULL AS sold,
                 ({_LINEAGE_REGISTRATION}) AS lineage_registered_on,
                 EXISTS (SELECT FROM unit_claims c
                         WHERE c.ean = $1 AND c.serial_number = $2) AS has_claims,
                 EXISTS (SELECT FROM unit_void_marks v
                         WHERE v.ean = $1 AND v.serial_number = $2) AS has_void_mark,
                 EXISTS (SELECT FROM replacements r
                         WHERE r.new_ean = $1 AND r.new_serial_number = $2)
                     AS has_replacement,
                 EXISTS (SELECT {_UNIT_REPAIRS}) AS has_repairs,
                 coalesce((SELECT problem_parts FROM products WHERE ean = $1), '{{}}')
                     AS problem_parts
          FROM (SELECT) AS one
          LEFT JOIN LATERAL ({_ORIGIN_SALE}) AS sale ON true"""
)


_UNIT_OVERVIEWS = f"""SELECT overview.*
    FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS wanted (ean, serial_number, position)
    CROSS JOIN LATERAL ({
    _UNIT_OVERVIEW.replace("$1", "wanted.ean").replace("$2", "wanted.serial_number")
}) AS overview
    ORDER BY wanted.position"""


async def unit_overviews(conn: Conn, units: Sequence[tuple[str, str]]) -> list[asyncpg.Record]:
    """`_UNIT_OVERVIEW` of each unit (EAN, serial), in one statement, in the order given."""
    if len(units) == 1:  # PostgreSQL runs the unit's own query in a third of the time
        return [await unit_overview(conn, *units[0])]
    return await conn.fetch(
        _UNIT_OVERVIEWS, [ean for ean, _ in units], [serial for _, serial in units]
    )


async def unit_overview(conn: Conn, ean: str, serial: str) -> asyncpg.Record:
    """`_UNIT_OVERVIEW` of the unit."""
    rows = await conn.fetch(_UNIT_OVERVIEW, ean, serial)
    return rows[0]  # FROM a row of its own: always one


async def lineage_registration(conn: Conn, ean: str, serial: str) -> Any:
    """The registration of this unit or of the unit it replaced: the warranty goes on."""
    return await conn.fetchval(_UNIT_LINEAGE + _LINEAGE_REGISTRATION, ean, serial)


async def record_unit_claim(conn: Conn, claim: dict[str, Any]) -> None:
    await conn.execute(
        f"""INSERT INTO unit_claims ({_UNIT_CLAIM_COLUMNS})
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (claim_id) DO NOTHING""",
        claim["claim_id"],
        claim["ean"],
        claim["serial_number"],
        claim["rma_number"],
        claim["claim_type"],
        claim["problem"],
        claim["claimed_at"],
        claim["repeated_defect"],
    )


# A claim repaired this unit when its repair period ended and it was not decided otherwise.
_REPAIRED = "(p.ended_on IS NOT NULL AND coalesce(c.decision, 'repair') = 'repair')"


async def unit_claims(conn: Conn, ean: str, serial: str) -> list[asyncpg.Record]:
    """The unit's claims, oldest first, with their repair period (if any)."""
    return await conn.fetch(
        f"""SELECT c.*, p.started_on AS repair_started_on, p.ended_on AS repair_ended_on,
                   {_REPAIRED} AS repaired
            FROM unit_claims c LEFT JOIN repair_periods p ON p.claim_id = c.claim_id
            WHERE c.ean = $1 AND c.serial_number = $2
            ORDER BY c.claimed_at, c.rma_number""",
        ean,
        serial,
    )


async def replacement_of(conn: Conn, ean: str, serial: str) -> asyncpg.Record | None:
    """The replacement that handed this unit to the buyer in place of another."""
    return await conn.fetchrow(
        "SELECT * FROM replacements WHERE new_ean = $1 AND new_serial_number = $2", ean, serial
    )


async def replaced_by(conn: Conn, ean: str, serial: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        """SELECT * FROM replacements WHERE old_ean = $1 AND old_serial_number = $2
           ORDER BY issued_on DESC LIMIT 1""",
        ean,
        serial,
    )


async def set_unit_claim_status(conn: Conn, claim_id: UUID, status: str, changed_on: Any) -> None:
    await conn.execute(
        "UPDATE unit_claims SET status = $2, status_changed_on = $3 WHERE claim_id = $1",
        claim_id,
        status,
        changed_on,
    )


async def record_decision(
    conn: Conn,
    claim_id: UUID,
    decision: str,
    decided_on: Any,
    substantial_repair: bool | None,
    replaced_part: str | None,
) -> None:
    await conn.execute(
        """UPDATE unit_claims SET decision = $2, decided_on = $3, substantial_repair = $4,
                                  replaced_part = $5
           WHERE claim_id = $1""",
        claim_id,
        decision,
        decided_on,
        substantial_repair,
        replaced_part,
    )


async def record_replacement(conn: Conn, replacement: dict[str, Any]) -> bool:
    inserted = await conn.fetchval(
        """INSERT INTO replacements (claim_id, rma_number, old_ean, old_serial_number, new_ean,
                                     new_serial_number, issued_on)
           VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING true""",
        replacement["claim_id"],
        replacement["rma_number"],
        replacement["old_ean"],
        replacement["old_serial_number"],
        replacement["new_ean"],
        replacement["new_serial_number"],
        replacement["issued_on"],
    )
    return bool(inserted)


async def hand_back_replacement(conn: Conn, claim_id: UUID, handed_back_on: Any) -> None:
    await conn.execute(
        "UPDATE replacements SET handed_back_on = $2 WHERE claim_id = $1", claim_id, handed_back_on
    )


async def registration(conn: Conn, ean: str, serial: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT * FROM product_registrations WHERE ean = $1 AND serial_number = $2", ean, serial
    )


async def latest_assessed_claim(conn: Conn, ean: str, serial: str) -> Any:
    """The facts of the unit's latest assessed claim (buyer, dates), for its current verdict."""
    return await conn.fetchval(
        """SELECT a.claim FROM assessments a JOIN unit_claims c ON c.claim_id = a.claim_id
           WHERE c.ean = $1 AND c.serial_number = $2
           ORDER BY c.claimed_at DESC LIMIT 1""",
        ean,
        serial,
    )


async def account_units(conn: Conn, account_id: UUID) -> list[asyncpg.Record]:
    """Every unit on the account's documents, and the units given in their place (with the sale
    and the registration they carry on), newest purchase first."""
    return await conn.fetch(
        """WITH RECURSIVE units AS (
               SELECT s.ean, s.serial_number, s.document_type, s.document_number, s.issued_on,
                      s.buyer_type, r.registered_on, NULL::text AS replaces_serial_number,
                      0 AS depth
               FROM sold_units s
               JOIN document_owners o
                 ON o.document_type = s.document_type AND o.document_number = s.document_number
               LEFT JOIN product_registrations r
                 ON r.ean = s.ean AND r.serial_number = s.serial_number
               WHERE o.account_id = $1
               UNION ALL
               SELECT x.new_ean, x.new_serial_number, u.document_type, u.document_number,
                      u.issued_on, u.buyer_type, coalesce(own.registered_on, u.registered_on),
                      u.serial_number, u.depth + 1
               FROM replacements x
               JOIN units u ON x.old_ean = u.ean AND x.old_serial_number = u.serial_number
               LEFT JOIN product_registrations own
                 ON own.ean = x.new_ean AND own.serial_number = x.new_serial_number
               WHERE u.depth < 20
           )
           SELECT u.*, coalesce(p.name, u.ean) AS name, coalesce(p.brand, '') AS brand,
                  coalesce(p.category, 'other') AS category,
                  (SELECT y.new_serial_number FROM replacements y
                   WHERE y.old_ean = u.ean AND y.old_serial_number = u.serial_number
                   ORDER BY y.issued_on DESC LIMIT 1) AS replaced_by_serial_number
           FROM units u LEFT JOIN products p ON p.ean = u.ean
           ORDER BY u.issued_on DESC, u.document_number, u.depth, u.serial_number""",
        account_id,
    )


async def insert_void_mark(conn: Conn, mark: dict[str, Any]) -> bool:
    inserted = await conn.fetchval(
        """INSERT INTO unit_void_marks (ean, serial_number, claim_id, rma_number, reason,
               evidence, note, marked_at, marked_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           ON CONFLICT (ean, serial_number) DO NOTHING RETURNING true""",
        mark["ean"],
        mark["serial_number"],
        mark["claim_id"],
        mark["rma_number"],
        mark["reason"],
        list(mark["evidence"]),
        mark["note"],
        mark["marked_at"],
        mark["marked_by"],
    )
    return bool(inserted)


async def void_mark(conn: Conn, ean: str, serial: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT * FROM unit_void_marks WHERE ean = $1 AND serial_number = $2", ean, serial
    )
