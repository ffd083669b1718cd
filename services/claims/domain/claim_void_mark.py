"""The operator's finding that the claimed unit's warranty is void (the scooter terms'
"Wygaśnięcie" 1-6, DJI §6). The claim only records the finding and announces it; what the mark
means for coverage is the warranty service's rule (it keeps the mark in the unit's passport)."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from services.claims.domain.claim_state import ClaimState
from services.claims.domain.parts import Act
from services.claims.domain.refusals import Refusal
from shared.claims_vocabulary import WARRANTY_VOID_REASONS
from shared.claims_wording import note
from shared.events import Event, WarrantyVoidMarked, WarrantyVoidMarkedData


class ClaimWarrantyVoid(ClaimState):
    """Marking the claimed unit's warranty void, with the reason, the evidence and a note."""

    @property
    def accepts_void_mark(self) -> bool:
        """A void mark names the unit: only a claim with a serial number takes one."""
        return self.serial_number is not None

    def mark_warranty_void(
        self, act: Act, reason: str, evidence: Sequence[UUID] = (), remark: str | None = None
    ) -> list[Event]:
        """`evidence`: the claim's own attachments that show it (intake photos, a statement)."""
        if reason not in WARRANTY_VOID_REASONS:
            raise Refusal("void_reason_unknown", "reason", {"reason": reason})
        if not self.accepts_void_mark or self.serial_number is None:
            raise Refusal("void_needs_serial", "serial_number", status_code=409)
        files = {a.attachment_id: a.filename for a in self.attachments}
        unknown = [str(a) for a in evidence if a not in files]
        if unknown:
            raise Refusal("void_evidence_unknown", "evidence", {"attachments": ", ".join(unknown)})
        shown = list(dict.fromkeys(evidence))
        text = note(
            "warranty_void_marked",
            serial_number=self.serial_number,
            reason=WARRANTY_VOID_REASONS[reason][0],
        )
        if shown:
            text += note("answer_attachments", filenames=", ".join(files[a] for a in shown))
        if remark and remark.strip():
            text += f" {remark.strip()}"
        self._note(act, text)
        return [
            WarrantyVoidMarked(
                **self._envelope(act),
                data=WarrantyVoidMarkedData(
                    **self._facts(),
                    ean=self.product.ean,
                    serial_number=self.serial_number,
                    reason=reason,
                    evidence=tuple(shown),
                    note=remark.strip() if remark and remark.strip() else None,
                    marked_at=act.at,
                    marked_by=act.label,
                ),
            )
        ]
