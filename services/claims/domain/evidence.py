"""Evidence at intake (issue 25 §2; DJI terms §10-12, the returns policy's phases 1-3): what the
warehouse or an operator found when the parcel was opened, and the rules that read it.

- photos (from a phone camera) and the courier's damage report are the claim's attachments;
- packaging (original, other, none), the seal of sealed goods (media, hygiene), visible damage,
  dirt, whether the serial label is legible, and whether the parcel came damaged in transport.

Which rules depend on it: an opened seal of sealed goods excludes a return
(`opened_seal_reason`), transport damage with the courier's report means no reshipping charge
(`transport_damage_reported`), dirt allows the cleaning charge (`found_dirty`), and visible
damage allows the rejection reasons that say the product is damaged (`check_damage_reason`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final, get_args
from uuid import UUID

from services.claims.domain import eligibility
from services.claims.domain.intake import Intake
from services.claims.domain.parts import NewAttachment
from services.claims.domain.refusals import Refusal
from shared.events import ClaimType, Packaging

PACKAGINGS: Final[tuple[str, ...]] = get_args(Packaging)
PHOTO_PURPOSE: Final = "intake_photo"
DAMAGE_REPORT_PURPOSE: Final = "damage_report"
MAX_PHOTOS: Final = 10  # photos at one recording (a phone sends several at once)
PHOTO_TYPES: Final = frozenset({"image/jpeg", "image/png"})
# The rejection reasons that say the product itself is damaged: allowed only when intake
# recorded visible damage (the photos are the proof the customer can see).
DAMAGE_REJECTION_REASONS: Final = frozenset({"mechanical_damage"})


@dataclass(frozen=True)
class EvidenceFacts:
    """What the person at intake states (the photos and the report come beside it)."""

    packaging: Packaging
    seal_intact: bool | None = None  # sealed goods only; None: not checked
    visible_damage: bool = False
    dirty: bool = False
    serial_legible: bool = True
    transport_damage: bool = False  # the parcel came damaged in transport


@dataclass(frozen=True)
class IntakeEvidence:
    """The claim's evidence at intake, as last recorded: the facts of the latest recording, and
    every photo and the damage report recorded so far (attachment ids)."""

    facts: EvidenceFacts
    parcel_id: UUID | None
    photos: tuple[UUID, ...]
    damage_report: UUID | None
    recorded_by: str
    recorded_at: datetime

    @property
    def transport_damage_reported(self) -> bool:
        return self.facts.transport_damage and self.damage_report is not None


def check_packaging(packaging: str) -> Packaging:
    if packaging not in PACKAGINGS:
        raise Refusal("packaging_unknown", "packaging", {"packagings": ", ".join(PACKAGINGS)})
    return packaging  # type: ignore[return-value]


def check_files(
    facts: EvidenceFacts, photos: tuple[NewAttachment, ...], damage_report: NewAttachment | None
) -> None:
    """Photos are images (their type read from their content), at most MAX_PHOTOS at once; a
    courier's damage report comes only with a parcel damaged in transport."""
    if len(photos) > MAX_PHOTOS:
        raise Refusal("intake_photos_too_many", "photos", {"max_photos": MAX_PHOTOS})
    if any(photo.content_type not in PHOTO_TYPES for photo in photos):
        raise Refusal("intake_photo_not_image", "photos", status_code=415)
    if damage_report is not None and not facts.transport_damage:
        raise Refusal("damage_report_without_transport_damage", "damage_report")


def seal_found_intact(intake: Intake | None, evidence: IntakeEvidence | None) -> bool | None:
    """The seal as last found: the evidence's word when it gave one, else the receipt's."""
    if evidence is not None and evidence.facts.seal_intact is not None:
        return evidence.facts.seal_intact
    return intake.seal_intact if intake is not None else None


def opened_seal_reason(
    claim_type: ClaimType, category: str, intake: Intake | None, evidence: IntakeEvidence | None
) -> str | None:
    """A return of sealed goods whose seal was found opened: the rejection reason it gets (the
    goods go back to the customer); None when the rule does not apply."""
    if claim_type != "return" or seal_found_intact(intake, evidence) is not False:
        return None
    return eligibility.opened_seal_reason(category)


def transport_damage_reported(evidence: IntakeEvidence | None) -> bool:
    return evidence is not None and evidence.transport_damage_reported


def found_dirty(evidence: IntakeEvidence | None) -> bool:
    return evidence is not None and evidence.facts.dirty


def reason_allowed(evidence: IntakeEvidence | None, rejection_reason: str) -> bool:
    """A rejection for damage needs the damage recorded at intake; the others need nothing."""
    if rejection_reason not in DAMAGE_REJECTION_REASONS:
        return True
    return evidence is not None and evidence.facts.visible_damage


def check_damage_reason(evidence: IntakeEvidence | None, rejection_reason: str | None) -> None:
    if rejection_reason is not None and not reason_allowed(evidence, rejection_reason):
        raise Refusal("rejection_needs_recorded_damage", "rejection_reason", status_code=409)
