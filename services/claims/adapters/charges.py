"""A claim's charges in PostgreSQL (table claim_charges): loaded with the claim, and on a save
the new and changed ones written (a charge is few rows per claim, each changed at most twice)."""

from __future__ import annotations

from uuid import UUID

from services.claims.domain.charges import Charge
from shared.db import Conn


async def load_charges(conn: Conn, claim_id: UUID) -> list[Charge]:
    rows = await conn.fetch(
        """SELECT charge_id, kind, amount, reason, added_by, added_at, state, settled_by,
                  settled_at, waiver_reason
           FROM claim_charges WHERE claim_id = $1 ORDER BY added_at, charge_id""",
        claim_id,
    )
    return [Charge(**dict(row)) for row in rows]


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
