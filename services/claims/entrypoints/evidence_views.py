"""The evidence at intake as the claims API shows it: beside the claim for its customer and for
operators, each file with the download path of the viewer's role."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field

from services.claims.domain.claim import Claim


class EvidenceFile(BaseModel):
    attachment_id: UUID
    filename: str
    content_type: str
    download_path: str = Field(description="Where the viewer downloads it (its role's path)")


class IntakeEvidencePublic(BaseModel):
    """What intake found, as last recorded."""

    parcel_id: UUID | None
    packaging: str = Field(description="original | other | none")
    seal_intact: bool | None = Field(description="Sealed goods: the seal as found")
    visible_damage: bool
    dirty: bool
    serial_legible: bool
    transport_damage: bool = Field(description="The parcel came damaged in transport")
    transport_damage_reported: bool = Field(description="... with the courier's damage report")
    photos: list[EvidenceFile]
    damage_report: EvidenceFile | None
    recorded_by: str
    recorded_at: datetime


def _download_path(claim: Claim, attachment_id: UUID, role: str) -> str:
    prefix = "/api/operator/claims" if role == "operator" else "/api/claims"
    return f"{prefix}/{claim.claim_id}/attachments/{attachment_id}"


def evidence_public(claim: Claim, role: str) -> IntakeEvidencePublic | None:
    found = claim.evidence
    if found is None:
        return None
    files = {a.attachment_id: a for a in claim.attachments}

    def shown(attachment_id: UUID) -> EvidenceFile:
        file = files[attachment_id]
        return EvidenceFile(
            attachment_id=attachment_id,
            filename=file.filename,
            content_type=file.content_type,
            download_path=_download_path(claim, attachment_id, role),
        )

    return IntakeEvidencePublic(
        **asdict(found.facts),
        parcel_id=found.parcel_id,
        transport_damage_reported=found.transport_damage_reported,
        photos=[shown(photo) for photo in found.photos if photo in files],
        damage_report=shown(found.damage_report) if found.damage_report in files else None,
        recorded_by=found.recorded_by,
        recorded_at=found.recorded_at,
    )
