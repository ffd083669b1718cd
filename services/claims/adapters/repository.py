"""SQL of the claims service."""

from __future__ import annotations

from datetime import datetime
from typing import Any, get_args
from uuid import UUID

import asyncpg

from shared.claims_vocabulary import ENDED_STATUSES
from shared.db import Conn
from shared.events import (
    AccountContactChangedData,
    ClaimStatus,
    DocumentLinkedData,
    SaleRecordedData,
)
from shared.metrics import DatabaseGauge

# Every status of the lifecycle is a series, so a status no claim is in reads 0, not nothing.
CLAIMS_PER_STATUS = DatabaseGauge(
    "rma_claims",
    "Claims in each status of the lifecycle",
    """SELECT lifecycle.status, count(claims.claim_id)
       FROM unnest($1::text[]) AS lifecycle(status)
       LEFT JOIN claims ON claims.status = lifecycle.status
       GROUP BY lifecycle.status""",
    labels=("status",),
    arguments=(list(get_args(ClaimStatus)),),
)


async def upsert_sales_document(conn: Conn, sale: SaleRecordedData) -> None:
    await conn.execute(
        """INSERT INTO sales_documents (document_type, document_number, issued_on, delivered_on,
                                        buyer_type, lines, total, buyer_name)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (document_type, document_number) DO UPDATE SET
               issued_on = EXCLUDED.issued_on, delivered_on = EXCLUDED.delivered_on,
               buyer_type = EXCLUDED.buyer_type, lines = EXCLUDED.lines,
               total = EXCLUDED.total, buyer_name = EXCLUDED.buyer_name""",
        sale.document_type,
        sale.document_number.upper(),
        sale.issued_on,
        sale.delivered_on,
        sale.buyer.type,
        [line.model_dump(mode="json") for line in sale.lines],
        sale.total,
        sale.buyer.name,
    )


async def upsert_document_owner(conn: Conn, link: DocumentLinkedData) -> None:
    await conn.execute(
        """INSERT INTO document_owners (document_type, document_number, account_id, account_type,
                                        email, language)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (document_type, document_number) DO UPDATE SET
               account_id = EXCLUDED.account_id, account_type = EXCLUDED.account_type,
               email = EXCLUDED.email, language = EXCLUDED.language""",
        link.document_type,
        link.document_number,
        link.account_id,
        link.account_type,
        link.email,
        link.language,
    )


# A document linked to an account ($1), by its type ($2) and number ($3): `o` and `d`.
_OWNED_DOCUMENT = """FROM document_owners o
    JOIN sales_documents d USING (document_type, document_number)
    WHERE o.account_id = $1 AND o.document_type = $2 AND o.document_number = $3"""


async def find_owned_document(
    conn: Conn, account_id: UUID, document_type: str, document_number: str
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT d.*, o.email, o.language, o.account_type {_OWNED_DOCUMENT}",
        account_id,
        document_type,
        document_number,
    )


async def filing_records(
    conn: Conn, account_id: UUID, document_type: str, document_number: str, serial: str | None
) -> asyncpg.Record | None:
    """`find_owned_document`'s row with the account's contact (JSON), the problem lists of the
    document's products (JSON by EAN) and the serial's registration: one round trip. With a
    row and a serial, the serial's filing lock (`lock_serial`'s) is taken in it too, held until
    the transaction ends: the filing's next statement, its open claim's read, sees a concurrent
    filing's commit without a round trip of the lock's own."""
    return await conn.fetchrow(
        f"""SELECT d.*, o.email, o.language,
                  (SELECT true FROM pg_advisory_xact_lock(hashtext(upper($4)))
                   WHERE $4::text IS NOT NULL) AS serial_locked,
                  (SELECT to_jsonb(c) FROM customer_contacts c
                   WHERE c.account_id = o.account_id) AS contact,
                  (SELECT jsonb_object_agg(p.ean, p.problems) FROM product_problems p
                   WHERE p.ean IN (SELECT line ->> 'ean'
                                   FROM jsonb_array_elements(d.lines) AS line)) AS problems,
                  (SELECT registered_on FROM registered_units
                   WHERE serial_number = upper($4)) AS registered_on
            {_OWNED_DOCUMENT}""",
        account_id,
        document_type,
        document_number,
        serial,
    )


def _next_rma_sequence(year: str) -> str:
    """The year's next RMA sequence number (the year's row stays locked until the commit)."""
    return f"""INSERT INTO rma_sequences (year, last_value) VALUES ({year}, 1)
               ON CONFLICT (year) DO UPDATE SET last_value = rma_sequences.last_value + 1
               RETURNING last_value"""


_NEXT_RMA_SEQUENCE = _next_rma_sequence("$3")


async def next_rma_sequence(conn: Conn, year: int) -> int:
    value: int = await conn.fetchval(_next_rma_sequence("$1"), year)
    return value


async def store_assessment(conn: Conn, claim_id: UUID, assessment: dict[str, Any]) -> None:
    """Warranty's verdict and the deadlines it sets, in one statement (a round trip per claim
    that the consumer of WarrantyAssessed waits for)."""
    await conn.execute(
        """UPDATE claims SET assessment = $2, deadlines = $3, updated_at = now()
           WHERE claim_id = $1""",
        claim_id,
        assessment,
        assessment.get("deadlines") or [],
    )


async def assessment(conn: Conn, claim_id: UUID) -> dict[str, Any] | None:
    found: dict[str, Any] | None = await conn.fetchval(
        "SELECT assessment FROM claims WHERE claim_id = $1", claim_id
    )
    return found


async def find_parcel_by_tracking(conn: Conn, tracking_number: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT * FROM parcels WHERE upper(tracking_number) = upper($1)", tracking_number
    )


async def insert_unidentified_parcel(
    conn: Conn,
    parcel_id: UUID,
    rma_number: str | None,
    tracking_number: str | None,
    scanned_by: str,
    received_at: datetime,
) -> None:
    await conn.execute(
        """INSERT INTO parcels (parcel_id, claim_id, rma_number, tracking_number, scanned_by,
                                received_at)
           VALUES ($1, NULL, $2, $3, $4, $5)""",
        parcel_id,
        rma_number,
        tracking_number,
        scanned_by,
        received_at,
    )


async def lock_unidentified_parcel(conn: Conn, parcel_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT * FROM parcels WHERE parcel_id = $1 AND claim_id IS NULL FOR UPDATE", parcel_id
    )


async def resolve_parcel(conn: Conn, parcel_id: UUID, claim_id: UUID, operator: str) -> None:
    await conn.execute(
        """UPDATE parcels SET claim_id = $2, resolved_by = $3, resolved_at = now()
           WHERE parcel_id = $1""",
        parcel_id,
        claim_id,
        operator,
    )


async def unidentified_parcels(conn: Conn) -> list[asyncpg.Record]:
    """Parcels an operator must look at: those matching no claim, and those that came for a
    cancelled or closed claim (with the reason in `attention`)."""
    return await conn.fetch(
        """SELECT parcel_id, claim_id, rma_number, tracking_number, scanned_by, received_at,
                  attention
           FROM parcels
           WHERE claim_id IS NULL OR (attention IS NOT NULL AND resolved_at IS NULL)
           ORDER BY received_at LIMIT 500"""
    )


async def resolve_attention_parcel(conn: Conn, parcel_id: UUID, operator: str) -> bool:
    done = await conn.fetchval(
        """UPDATE parcels SET resolved_by = $2, resolved_at = now()
           WHERE parcel_id = $1 AND attention IS NOT NULL AND resolved_at IS NULL
           RETURNING true""",
        parcel_id,
        operator,
    )
    return bool(done)


async def open_attention_parcel(conn: Conn, claim_id: UUID) -> bool:
    found = await conn.fetchval(
        """SELECT true FROM parcels
           WHERE claim_id = $1 AND attention IS NOT NULL AND resolved_at IS NULL LIMIT 1""",
        claim_id,
    )
    return bool(found)


async def upsert_customer_contact(conn: Conn, contact: AccountContactChangedData) -> None:
    await conn.execute(
        """INSERT INTO customer_contacts (account_id, full_name, email, phone, address)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (account_id) DO UPDATE SET
               full_name = EXCLUDED.full_name, email = EXCLUDED.email, phone = EXCLUDED.phone,
               address = EXCLUDED.address, updated_at = now()""",
        contact.account_id,
        contact.full_name,
        contact.email,
        contact.phone,
        contact.address.model_dump(mode="json") if contact.address else None,
    )


async def customer_contact(conn: Conn, account_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM customer_contacts WHERE account_id = $1", account_id)


async def sales_document(
    conn: Conn, document_type: str, document_number: str
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        """SELECT document_type, document_number, issued_on, delivered_on, buyer_type, total,
                  buyer_name
           FROM sales_documents WHERE document_type = $1 AND document_number = $2""",
        document_type,
        document_number,
    )


async def attachments(conn: Conn, claim_id: UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        """SELECT attachment_id, purpose, filename, content_type, size_bytes, created_at
           FROM claim_attachments WHERE claim_id = $1 ORDER BY created_at, attachment_id""",
        claim_id,
    )


async def attachment_content(
    conn: Conn, claim_id: UUID, attachment_id: UUID
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        """SELECT a.filename, a.content_type, coalesce(a.content, c.content) AS content
           FROM claim_attachments a LEFT JOIN attachment_contents c USING (sha256)
           WHERE a.claim_id = $1 AND a.attachment_id = $2""",
        claim_id,
        attachment_id,
    )


async def lock_serials(conn: Conn, serial_numbers: list[str]) -> None:
    """The serial numbers' locks (`open_claim_for_serial`'s), taken in one order for many at
    once: a bulk filing holds them all before it numbers a claim, so neither another bulk
    filing nor a single claim (its serial's lock, then the RMA number's row) can wait on it in
    a cycle."""
    await conn.execute(
        """SELECT pg_advisory_xact_lock(hashtext(serial))
           FROM (SELECT DISTINCT upper(s) AS serial FROM unnest($1::text[]) AS s
                 ORDER BY 1) AS ordered""",
        serial_numbers,
    )


_OPEN_CLAIM = """SELECT rma_number FROM claims
                  WHERE upper(serial_number) = upper($1) AND status <> ALL($2::text[])
                  ORDER BY created_at LIMIT 1"""


async def lock_serial(conn: Conn, serial_number: str) -> None:
    """The serial's filing lock, held until the transaction ends: a concurrent filing waits for
    it, and the statements after it see that filing's commit."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext(upper($1)))", serial_number)


async def open_claim_for_serial(conn: Conn, serial_number: str) -> str | None:
    """The RMA number of an open claim for this serial number, after taking the serial's lock
    (held until the transaction ends, so a concurrent filing waits and then sees this one)."""
    await lock_serial(conn, serial_number)
    rma: str | None = await conn.fetchval(_OPEN_CLAIM, serial_number, sorted(ENDED_STATUSES))
    return rma


def _settled_defect(serial: str, problem_code: str) -> str:
    """The first claim of the unit whose accepted price reduction settled this defect."""
    return f"""SELECT claims.rma_number FROM claims JOIN decisions USING (claim_id)
               WHERE upper(claims.serial_number) = upper({serial})
                 AND claims.problem_code = {problem_code}
                 AND decisions.decision = 'price_reduction'
                 AND decisions.customer_response = 'accepted'
               ORDER BY claims.created_at LIMIT 1"""


SETTLED_DEFECT = _settled_defect("$1", "$2")


async def serial_facts(
    conn: Conn, serial_number: str, year: int, problem_code: str | None
) -> asyncpg.Record:
    """`open_claim_for_serial`, `next_rma_sequence` and, with a problem code, the defect's
    settling claim (`_settled_defect`) in one statement (a filing waits for each round trip),
    for a serial whose lock the transaction holds already (`filing_records` took it): the lock
    first, then the RMA number's row, as ever."""
    row = await conn.fetchrow(
        f"""WITH sequence AS ({_NEXT_RMA_SEQUENCE})
            SELECT ({_OPEN_CLAIM}) AS open_claim, (SELECT last_value FROM sequence) AS sequence,
                   CASE WHEN $4::text IS NOT NULL THEN ({_settled_defect("$1", "$4")})
                   END AS settled_defect""",
        serial_number,
        sorted(ENDED_STATUSES),
        year,
        problem_code,
    )
    assert row is not None
    return row


# A claim as lists show it, with what its deadlines are judged by (see `deadline_facts_of`).
_LISTING = """SELECT claims.*, decisions.decided_at,
                     (claims.outbound ->> 'shipped_at')::timestamptz AS shipped_at,
                     (claims.refund ->> 'refunded_at')::timestamptz AS refunded_at
              FROM claims LEFT JOIN decisions USING (claim_id)"""


async def search_claims(conn: Conn, account_id: UUID, query: str) -> list[asyncpg.Record]:
    pattern = query.strip().upper()
    return await conn.fetch(
        f"""{_LISTING} WHERE claims.account_id = $1 AND (
               $2 = '' OR upper(claims.rma_number) = $2 OR upper(claims.serial_number) = $2
               OR upper(claims.customer_reference) = $2)
            ORDER BY claims.created_at DESC LIMIT 200""",
        account_id,
        pattern,
    )


async def claims_by_status(
    conn: Conn, statuses: list[str] | None, limit: int, oldest_first: bool = False
) -> list[asyncpg.Record]:
    """Claims in any of `statuses` (in any status when None), newest or oldest first."""
    order = "ASC" if oldest_first else "DESC"
    return await conn.fetch(
        f"""{_LISTING} WHERE $1::text[] IS NULL OR claims.status = ANY($1::text[])
            ORDER BY claims.created_at {order} LIMIT $2""",
        statuses,
        limit,
    )


async def count_claims_by_status(conn: Conn) -> dict[str, int]:
    """The number of claims per status; a status without claims is absent."""
    rows = await conn.fetch("SELECT status, count(*) AS claims FROM claims GROUP BY status")
    return {row["status"]: row["claims"] for row in rows}


async def serial_known(conn: Conn, serial: str) -> bool:
    found = await conn.fetchval(
        """SELECT true FROM sales_documents, jsonb_array_elements(lines) AS line
           WHERE line -> 'serial_numbers' ? $1 LIMIT 1""",
        serial,
    )
    return bool(found)


async def upsert_product_problems(conn: Conn, ean: str, problems: list[str]) -> None:
    await conn.execute(
        """INSERT INTO product_problems (ean, problems) VALUES ($1, $2)
           ON CONFLICT (ean) DO UPDATE SET problems = EXCLUDED.problems""",
        ean,
        problems,
    )


async def product_problems(conn: Conn, ean: str) -> list[str]:
    problems: list[str] | None = await conn.fetchval(
        "SELECT problems FROM product_problems WHERE ean = $1", ean
    )
    return problems or []
