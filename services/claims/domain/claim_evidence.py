"""Recording the evidence at intake (issue 25 §2): the facts, the photos and the courier's damage
report join the claim; the rules that read them are in services/claims/domain/evidence.py."""

from __future__ import annotations

from dataclasses import asdict, replace

from services.claims.domain import evidence
from services.claims.domain.claim_charges import ClaimCharges
from services.claims.domain.evidence import EvidenceFacts, IntakeEvidence
from services.claims.domain.parts import Act, NewAttachment
from services.claims.domain.refusals import Refusal
from shared.claims_vocabulary import rejection_reasons
from shared.claims_wording import note
from shared.events import (
    ClaimStatus,
    Event,
    IntakeEvidenceRecorded,
    IntakeEvidenceRecordedData,
)

# The product is at the service and not yet decided on: what intake finds can still shape the
# decision (a parcel the customer refused comes back as "received" again).
EVIDENCE_STATUSES: frozenset[ClaimStatus] = frozenset(
    {"received", "in_inspection", "awaiting_customer"}
)
# The timeline notes (shared/claims_wording.py) of each packaging.
PACKAGING_NOTES: dict[str, str] = {
    "original": "evidence_packaging.original",
    "other": "evidence_packaging.other",
    "none": "evidence_packaging.none",
}


class ClaimEvidence(ClaimCharges):
    """What intake found: recorded by the warehouse's scanner or an operator."""

    @property
    def takes_evidence(self) -> bool:
        """Whether the evidence at intake can be recorded now (the pages offer its form)."""
        return self.status in EVIDENCE_STATUSES

    @property
    def rejection_reasons_now(self) -> list[str]:
        """The rejection reasons of the claim's type that its evidence allows (the decision
        form offers these)."""
        allowed = rejection_reasons(self.claim_type)
        return [reason for reason in allowed if evidence.reason_allowed(self.evidence, reason)]

    def record_intake_evidence(
        self,
        act: Act,
        facts: EvidenceFacts,
        photos: tuple[NewAttachment, ...] = (),
        damage_report: NewAttachment | None = None,
    ) -> list[Event]:
        """The facts replace those recorded before; photos add to the earlier ones, and a new
        damage report replaces the earlier one. A reshipping charge still due is waived once
        transport damage with its report is recorded."""
        if not self.takes_evidence:
            raise Refusal("evidence_not_now", "status", status_code=409)
        evidence.check_files(facts, photos, damage_report)
        earlier = self.evidence
        self.attachments.extend(photos)
        report = earlier.damage_report if earlier else None
        if damage_report is not None:
            self.attachments.append(damage_report)
            report = damage_report.attachment_id
        self.evidence = IntakeEvidence(
            facts=facts,
            parcel_id=self.parcels[-1].parcel_id if self.parcels else None,
            photos=(*(earlier.photos if earlier else ()), *(p.attachment_id for p in photos)),
            damage_report=report,
            recorded_by=act.label,
            recorded_at=act.at,
        )
        self._note(act, _evidence_note(self.evidence, len(photos)))
        return [self._evidence_event(act, self.evidence), *self._waive_reshipping(act)]

    def _waive_reshipping(self, act: Act) -> list[Event]:
        if not evidence.transport_damage_reported(self.evidence):
            return []
        events: list[Event] = []
        for index, charge in enumerate(self.charges):
            if charge.kind == "reshipping" and charge.state == "due":
                waived = replace(
                    charge,
                    state="waived",
                    settled_by=act.label,
                    settled_at=act.at,
                    waiver_reason=note("reshipping_waived_transport_damage"),
                )
                self.charges[index] = waived
                text = note("charge_waived", amount=waived.amount, reason=waived.waiver_reason)
                self._note(act, text)
                events.append(self._charge_event(act, waived))
        return events

    def _evidence_event(self, act: Act, found: IntakeEvidence) -> IntakeEvidenceRecorded:
        return IntakeEvidenceRecorded(
            **self._envelope(act),
            data=IntakeEvidenceRecordedData(
                **self._facts(),
                **asdict(found.facts),  # the same names: packaging, seal_intact, dirty, ...
                parcel_id=found.parcel_id,
                damage_report=found.damage_report,
                photos=found.photos,
                recorded_at=found.recorded_at,
                recorded_by=found.recorded_by,
            ),
        )


def _evidence_note(found: IntakeEvidence, new_photos: int) -> str:
    """The timeline's line (Polish, like every record): the facts that matter, in words."""
    facts = found.facts
    parts = [note(PACKAGING_NOTES[facts.packaging])]
    if facts.seal_intact is not None:
        parts.append(note("evidence_seal_intact" if facts.seal_intact else "intake_seal_opened"))
    if facts.visible_damage:
        parts.append(note("evidence_visible_damage"))
    if facts.dirty:
        parts.append(note("evidence_dirty"))
    if not facts.serial_legible:
        parts.append(note("evidence_serial_illegible"))
    if facts.transport_damage:
        parts.append(
            note("evidence_transport_damage_reported")
            if found.damage_report
            else note("evidence_transport_damage")
        )
    if new_photos:
        parts.append(note("evidence_photos", count=new_photos))
    return note("evidence_recorded", facts=" ".join(parts))
