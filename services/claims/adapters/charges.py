"""A claim's charges in PostgreSQL (table claim_charges): loaded with the claim, and on a save
the new and changed ones written (a charge is few rows per claim, each changed at most twice);
and the month's money movements (refunds and paid charges) for the finance export."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from services.claims.domain.charges import Charge
from services.claims.domain.finance import Movement
from shared.db import Conn, RecordColumns

# A charge's columns, as `charge_of` takes them (the claim's load reads them as one record each).
CHARGE_COLUMNS = RecordColumns(
    "charge_id, kind, amount, reason, added_by, added_at, state, settled_by, settled_at, "
    "waiver_reason"
)


def charge_of(values: Sequence[Any]) -> Charge:
    return Charge(**CHARGE_COLUMNS.named(values))


async def save_changed_charges(
    conn: Conn, claim_id: UUID, charges: list[Charge], stored: dict[UUID, Charge]
) -> None:
    """Writes the charges that differ from `stored` (as loaded or last saved) and updates it."""
    for charge in charges:
        if stored.get(charge.charge_id) == charge:
            continue
        await conn.execute(
            """INSERT INTO claim_charges (charge_id, claim_id, kind, amount, reason, state,
                   added_by, added_at, settled_by, settled_at, waiver_reason)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
               ON CONFLICT (charge_id) DO UPDATE SET state = EXCLUDED.state,
                   settled_by = EXCLUDED.settled_by, settled_at = EXCLUDED.settled_at,
                   waiver_reason = EXCLUDED.waiver_reason""",
            charge.charge_id,
            claim_id,
            charge.kind,
            charge.amount,
            charge.reason,
            charge.state,
            charge.added_by,
            charge.added_at,
            charge.settled_by,
            charge.settled_at,
            charge.waiver_reason,
        )
        stored[charge.charge_id] = charge


async def money_movements(conn: Conn, since: datetime, until: datetime) -> list[Movement]:
    """Refunds recorded and charges paid in [since, until), with each refund's decided amount."""
    rows = await conn.fetch(
        """SELECT (claims.refund ->> 'refunded_at')::timestamptz AS at, claims.claim_id,
                  claims.rma_number, 'refund' AS movement, claims.refund ->> 'method' AS kind,
                  (claims.refund ->> 'amount')::numeric(12, 2) AS amount,
                  decisions.amount AS decided,
                  claims.refund ->> 'difference_reason' AS difference_reason
           FROM claims LEFT JOIN decisions USING (claim_id)
           WHERE claims.refund IS NOT NULL
             AND (claims.refund ->> 'refunded_at')::timestamptz >= $1
             AND (claims.refund ->> 'refunded_at')::timestamptz < $2
           UNION ALL
           SELECT charges.settled_at, charges.claim_id, claims.rma_number, 'charge',
                  charges.kind, charges.amount, NULL, NULL
           FROM claim_charges AS charges JOIN claims USING (claim_id)
           WHERE charges.state = 'paid' AND charges.settled_at >= $1
             AND charges.settled_at < $2""",
        since,
        until,
    )
    return [Movement(**dict(row)) for row in rows]
