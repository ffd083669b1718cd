"""HTTP entry points of the evidence at intake (issue 25 §2): the warehouse's scanner and an
operator record what arrived (the facts, photos from a phone camera, the courier's damage
report); the claim's answers show it (`evidence_public`), its photos downloaded like the claim's
other files: by operators and by the customer who owns the claim, nobody else."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, File, Form, UploadFile

from services.claims import handlers
from services.claims.domain.evidence import MAX_PHOTOS, EvidenceFacts, check_packaging
from services.claims.entrypoints.evidence_views import IntakeEvidencePublic, evidence_public
from services.claims.entrypoints.http import (
    STATE_REFUSAL,
    Context,
    Operator,
    Scanner,
    actor_of,
    read_upload,
)
from shared.auth import Principal
from shared.http import CorrelationId
from shared.idempotency import idempotent_request

router = APIRouter(tags=["intake evidence"])


# The form both pages send (multipart: the files are photos and a PDF or photo of the report).
Packaging = Annotated[str, Form(description="original | other | none", max_length=20)]
Flag = Annotated[bool, Form()]
Photos = Annotated[
    list[UploadFile],
    File(description=f"Photos of what arrived (JPEG or PNG, up to {MAX_PHOTOS}, 10 MB each)"),
]
DamageReport = Annotated[
    UploadFile | None,
    File(description="The courier's damage report (PDF, JPEG or PNG) of a parcel damaged in "
         "transport"),
]  # fmt: skip
EVIDENCE_RESPONSES: dict[int | str, dict[str, Any]] = {
    **STATE_REFUSAL,
    413: {"description": "A file is larger than 10 MB"},
    415: {"description": "A photo is not a JPEG or PNG, or the report not a PDF, JPEG or PNG "
          "(checked by content)"},
    422: {"description": "A fact is missing or a rule refuses it; the field is named"},
}  # fmt: skip


@dataclass(frozen=True)
class EvidenceUpload:
    facts: EvidenceFacts
    photos: list[UploadFile]
    damage_report: UploadFile | None


def evidence_upload(
    packaging: Packaging,
    seal_intact: Annotated[bool | None, Form()] = None,
    visible_damage: Flag = False,
    dirty: Flag = False,
    serial_legible: Flag = True,
    transport_damage: Flag = False,
    photos: Photos = [],  # noqa: B006 (FastAPI copies a parameter's default)
    damage_report: DamageReport = None,
) -> EvidenceUpload:
    """The form both pages send (multipart), the same for the scanner and the operator."""
    facts = EvidenceFacts(
        check_packaging(packaging.strip()),
        seal_intact,
        visible_damage,
        dirty,
        serial_legible,
        transport_damage,
    )
    report = damage_report if damage_report is not None and damage_report.filename else None
    return EvidenceUpload(facts, [upload for upload in photos if upload.filename], report)


Upload = Annotated[EvidenceUpload, Depends(evidence_upload)]


async def _record(
    ctx: handlers.ClaimsContext,
    claim_id: UUID,
    principal: Principal,
    correlation: UUID,
    upload: EvidenceUpload,
) -> IntakeEvidencePublic:
    keyed = idempotent_request()
    if keyed is None or keyed.made is None:  # else recorded by this key's request, which died
        # One past the limit is read, so the rule names the limit instead of dropping photos.
        chosen = upload.photos[: MAX_PHOTOS + 1]
        report = upload.damage_report
        found = handlers.IntakeEvidenceForm(
            upload.facts,
            tuple([await read_upload(photo) for photo in chosen]),
            await read_upload(report) if report is not None else None,
        )
        actor = actor_of(principal)
        await handlers.record_intake_evidence(ctx, claim_id, actor, correlation, found, keyed)
    claim = await handlers.load_claim(ctx, claim_id, None)
    shown = evidence_public(claim, principal.role)
    assert shown is not None  # recorded just now
    return shown


@router.post(
    "/api/scanner/claims/{claim_id}/intake-evidence",
    response_model=IntakeEvidencePublic,
    summary="The warehouse records what arrived: photos, packaging, seal, damage, dirt, the "
    "serial label, and the courier's damage report",
    responses=EVIDENCE_RESPONSES,
)
async def scanner_evidence(
    claim_id: UUID, scanner: Scanner, ctx: Context, correlation: CorrelationId, upload: Upload
) -> IntakeEvidencePublic:
    return await _record(ctx, claim_id, scanner, correlation, upload)


@router.post(
    "/api/operator/claims/{claim_id}/intake-evidence",
    response_model=IntakeEvidencePublic,
    summary="An operator records (or corrects) what arrived, as the scanner does",
    responses=EVIDENCE_RESPONSES,
)
async def operator_evidence(
    claim_id: UUID, operator: Operator, ctx: Context, correlation: CorrelationId, upload: Upload
) -> IntakeEvidencePublic:
    return await _record(ctx, claim_id, operator, correlation, upload)
