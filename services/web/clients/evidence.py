"""The claims API's evidence at intake (issue 25 §2): what the scanner and operators record (the
facts, photos, the courier's damage report) and how a claim shows it."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from services.web.clients.base import Caller, FileTuple, HttpApi


class _Answer(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class EvidenceFile(_Answer):
    attachment_id: UUID
    filename: str
    content_type: str


class IntakeEvidence(_Answer):
    packaging: str
    seal_intact: bool | None = None
    visible_damage: bool = False
    dirty: bool = False
    serial_legible: bool = True
    transport_damage: bool = False
    transport_damage_reported: bool = False
    photos: list[EvidenceFile] = Field(default_factory=list)
    damage_report: EvidenceFile | None = None
    recorded_by: str = ""
    recorded_at: datetime


# Whose path the evidence is posted to: the warehouse's scanner or an operator.
Recorder = Literal["scanner", "operator"]


class IntakeEvidenceApi(HttpApi):
    """The evidence calls of the claims API (ClaimsApi has them)."""

    async def record_intake_evidence(
        self,
        caller: Caller,
        recorder: Recorder,
        claim_id: UUID,
        facts: dict[str, str],
        files: list[tuple[str, FileTuple]],
        idempotency_key: str | None,
    ) -> IntakeEvidence:
        return await self._call(
            IntakeEvidence,
            "POST",
            f"/api/{recorder}/claims/{claim_id}/intake-evidence",
            caller,
            data=facts,
            files=files,
            idempotency_key=idempotency_key,
        )
