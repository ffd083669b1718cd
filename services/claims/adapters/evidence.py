"""A claim's evidence at intake in PostgreSQL (table claim_intake_evidence): loaded with the
claim, written on a save when it differs from what was loaded (its files are the claim's
attachments, stored before it by the repository)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from services.claims.domain.evidence import EvidenceFacts, IntakeEvidence
from shared.db import Conn, RecordColumns

# The evidence's columns, in the order `evidence_of` takes them (the claim's load reads them as
# one record). Without `photos`, given beside it: asyncpg decodes an array inside a record only
# when the connection has met its type before.
EVIDENCE_COLUMNS = RecordColumns(
    "parcel_id, packaging, seal_intact, visible_damage, dirty, serial_legible, "
    "transport_damage, damage_report, recorded_by, recorded_at"
)


def evidence_of(values: Sequence[Any] | None, photos: Sequence[UUID]) -> IntakeEvidence | None:
    if values is None:
        return None
    row = EVIDENCE_COLUMNS.named(values)
    return IntakeEvidence(
        facts=EvidenceFacts(
            packaging=row["packaging"],
            seal_intact=row["seal_intact"],
            visible_damage=row["visible_damage"],
            dirty=row["dirty"],
            serial_legible=row["serial_legible"],
            transport_damage=row["transport_damage"],
        ),
        parcel_id=row["parcel_id"],
        photos=tuple(photos),
        damage_report=row["damage_report"],
        recorded_by=row["recorded_by"],
        recorded_at=row["recorded_at"],
    )


async def save_evidence(conn: Conn, claim_id: UUID, evidence: IntakeEvidence) -> None:
    facts = evidence.facts
    await conn.execute(
        """INSERT INTO claim_intake_evidence (claim_id, parcel_id, packaging, seal_intact,
               visible_damage, dirty, serial_legible, transport_damage, damage_report, photos,
               recorded_by, recorded_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
           ON CONFLICT (claim_id) DO UPDATE SET parcel_id = EXCLUDED.parcel_id,
               packaging = EXCLUDED.packaging, seal_intact = EXCLUDED.seal_intact,
               visible_damage = EXCLUDED.visible_damage, dirty = EXCLUDED.dirty,
               serial_legible = EXCLUDED.serial_legible,
               transport_damage = EXCLUDED.transport_damage,
               damage_report = EXCLUDED.damage_report, photos = EXCLUDED.photos,
               recorded_by = EXCLUDED.recorded_by, recorded_at = EXCLUDED.recorded_at""",
        claim_id,
        evidence.parcel_id,
        facts.packaging,
        facts.seal_intact,
        facts.visible_damage,
        facts.dirty,
        facts.serial_legible,
        facts.transport_damage,
        evidence.damage_report,
        list(evidence.photos),
        evidence.recorded_by,
        evidence.recorded_at,
    )
