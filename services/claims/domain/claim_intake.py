"""The claim before its decision: parcels received (and checked), questions and answers,
cancelling.
"""

from __future__ import annotations

from dataclasses import replace

from services.claims.domain import lifecycle
from services.claims.domain.claim_state import ClaimState
from services.claims.domain.deadlines import Pause
from services.claims.domain.intake import (
    Intake,
    IntakeCheck,
    ScanOutlook,
    check_parcel,
    declared_items,
)
from services.claims.domain.parts import (
    Act,
    NewAttachment,
    ParcelRecord,
)
from services.claims.domain.refusals import Refusal
from shared.claims_wording import note
from shared.events import (
    Event,
    ParcelReceived,
    ParcelReceivedData,
)


class ClaimIntake(ClaimState):
    """Before the decision: parcels received and checked, questions, answers, cancelling."""

    def scan_outlook(self) -> ScanOutlook:
        """What a parcel for this claim arriving now does: received (or back from a customer
        who refused it), nothing (the service holds the product already), or queued for an
        operator (the claim is over, or the unit is coming back from the manufacturer's
        service)."""
        if self.status == "at_manufacturer":
            return "from_manufacturer"
        if self.status in lifecycle.PRODUCT_AT_SERVICE:
            return "already_received"
        if not lifecycle.allowed_roles(self.status, "received"):
            return "ended"
        return "returned" if self.outbound is not None else "receive"

    @property
    def declared_items(self) -> tuple[str, ...]:
        """The package contents the customer declared, as the warehouse's checklist."""
        return declared_items(self.package_contents)

    @property
    def expected_serial(self) -> str | None:
        """The unit that should be in a parcel for this claim: the replacement once one was
        shipped, the claimed unit otherwise."""
        if self.replacement is not None and self.outbound is not None:
            return self.replacement.serial_number
        return self.serial_number

    @property
    def serial_mismatch(self) -> bool:
        return self.intake is not None and self.intake.serial_mismatch

    def receive_parcel(
        self,
        act: Act,
        parcel: ParcelRecord,
        *,
        check: IntakeCheck | None = None,
    ) -> list[Event]:
        """A parcel for this claim arrived. Nothing is lost: a parcel for a cancelled or closed
        claim is recorded and queued for an operator; one refused by the customer on its way
        back is a new receipt of the same claim (a parcel an operator identified from the
        unidentified queue is stored already: the repository keeps it as it is). `check`: what
        the warehouse found in it (the contents ticked, the serial read); a serial that is not
        the claim's flags the claim for the operator, and missing items are recorded."""
        outlook = self.scan_outlook()
        if outlook == "already_received":
            return []  # the same parcel scanned again
        if check is not None:
            intake = check_parcel(
                check, self.declared_items, self.expected_serial, parcel.parcel_id, act.label,
                act.at,
            )  # fmt: skip
            parcel = replace(parcel, intake=intake)
        if outlook in ("ended", "from_manufacturer"):
            return self._queue_for_operator(act, parcel, outlook)
        came_back = note("parcel_came_back") if outlook == "returned" else None
        self.parcels.append(parcel)
        if self.received_at is None:
            self.received_at = parcel.received_at
        changed = self._move(
            act, "received", note=came_back, tracking_number=parcel.tracking_number
        )
        self._record_intake(act, parcel.intake)
        return [self._parcel_event(act, parcel), changed]

    def _queue_for_operator(
        self, act: Act, parcel: ParcelRecord, outlook: ScanOutlook
    ) -> list[Event]:
        """A parcel kept, with what the operator is to do, and no change of status: one for an
        ended claim, or the unit back from DJI (its return is the operator's command, with
        DJI's statement and the day it came back, which ends the deadline's pause). A serial
        read from it is checked against the claim's like any receipt's."""
        if outlook == "from_manufacturer":
            case = self.manufacturer_handoffs[-1].case_number if self.manufacturer_handoffs else ""
            attention = note("parcel_from_manufacturer_attention", case_number=case)
            timeline = note("parcel_from_manufacturer", case_number=case)
        else:
            attention = note("parcel_attention", status=self.status)
            timeline = note("parcel_for_ended_claim")
        parcel = replace(parcel, attention=attention)
        self.parcels.append(parcel)
        self._note(act, timeline)
        self._record_intake(act, parcel.intake)
        return [self._parcel_event(act, parcel)]

    def _record_intake(self, act: Act, intake: Intake | None) -> None:
        if intake is None:
            return
        self.intake = intake
        for text in intake.notes():
            self._note(act, text)

    def _parcel_event(self, act: Act, parcel: ParcelRecord) -> ParcelReceived:
        intake = parcel.intake
        return ParcelReceived(
            **self._envelope(act),
            data=ParcelReceivedData(
                parcel_id=parcel.parcel_id,
                claim_id=self.claim_id,
                rma_number=self.rma_number,
                account_id=self.account_id,
                email=self.email,
                language=self.language,
                tracking_number=parcel.tracking_number,
                received_at=parcel.received_at,
                scanned_by=parcel.scanned_by,
                attention=parcel.attention,
                contents_checked=intake.contents_checked if intake else False,
                missing_items=intake.missing_items if intake else (),
                serial_number_read=intake.serial_read if intake else None,
                serial_mismatch=intake.serial_mismatch if intake else False,
            ),
        )

    # --- customers and operators before the decision ---------------------------------------

    def cancel(self, act: Act) -> list[Event]:
        if self.status in lifecycle.PRODUCT_AT_SERVICE:
            raise Refusal("cancel_product_at_service", "status", status_code=409)
        return [self._move(act, "cancelled")]

    def start_inspection(self, act: Act) -> list[Event]:
        if self.status == "at_manufacturer":  # its return is a command of its own
            raise Refusal("handoff_back_first", "status", status_code=409)
        return [self._move(act, "in_inspection")]

    def ask_customer(self, act: Act, question: str) -> list[Event]:
        if not question.strip():
            raise Refusal("note_required", "note")
        changed = self._move(act, "awaiting_customer", note=question.strip())
        self.pauses.append(Pause(act.at))
        return [changed]

    def answer(
        self, act: Act, message: str, attachments: tuple[NewAttachment, ...] = ()
    ) -> list[Event]:
        """The customer's answer (with photos or documents) sends the claim back to inspection;
        the DJI repair deadline moves by the working days waited."""
        if self.status != "awaiting_customer":
            raise Refusal("not_awaiting_customer", "message", status_code=409)
        self.attachments.extend(attachments)
        if self.pauses and self.pauses[-1].ended_at is None:
            self.pauses[-1] = Pause(self.pauses[-1].started_at, act.at)
        text = message.strip()
        if attachments:
            text += note("answer_attachments", filenames=", ".join(a.filename for a in attachments))
        for deadline in self.deadline_standings(act.day):
            if deadline.paused_working_days and deadline.moved_to is not None:
                text += note(
                    "answer_deadline_moved",
                    working_days=deadline.paused_working_days,
                    moved_to=deadline.moved_to,
                )
        return [self._move(act, "in_inspection", note=text)]
