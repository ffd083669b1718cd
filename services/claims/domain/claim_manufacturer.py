"""DJI's official service: the unit handed to the manufacturer and back (DJI terms §2, §8, §9,
§13). While it is there the claim is "at the manufacturer", and the DJI 60-working-day repair
deadline stands still the same way it does while the service waits for the customer (§8: the
delays on the side of DJI's official service do not count). The manufacturer's written statement
that came back with the unit is the statement a DJI replacement needs (claim_decisions)."""

from __future__ import annotations

import re
from datetime import date

from services.claims.domain.claim_decisions import ClaimDecisions
from services.claims.domain.deadlines import Pause
from services.claims.domain.parts import Act, ManufacturerHandoff, NewAttachment
from services.claims.domain.refusals import Refusal
from shared.calendar import polish_date, start_of_polish_day
from shared.claims_wording import note
from shared.events import (
    ClaimBackFromManufacturer,
    ClaimBackFromManufacturerData,
    ClaimSentToManufacturer,
    ClaimSentToManufacturerData,
    ClaimStatus,
    Event,
)

# Where the service holds the unit and may hand it to the manufacturer: while it inspects it,
# or while it repairs it after the decision.
HANDED_OFF_FROM: frozenset[ClaimStatus] = frozenset({"in_inspection", "in_repair"})
# DJI's case numbers: letters and digits with a few separators, no spaces inside.
CASE_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-/_.]{2,39}")


def checked_case_number(case_number: str) -> str:
    text = case_number.strip()
    if not text:
        raise Refusal("handoff_case_number_required", "case_number")
    if CASE_NUMBER.fullmatch(text) is None:
        raise Refusal("handoff_case_number_invalid", "case_number")
    return text


def _not_in_future(day: date, today: date, field_name: str) -> None:
    """A date the operator reports (sent, back) has happened: not later than today in Poland."""
    if day > today:
        raise Refusal("handoff_date_in_future", field_name, {"today": today})


class ClaimManufacturer(ClaimDecisions):
    """Handing the unit to DJI's official service and taking it back."""

    @property
    def current_handoff(self) -> ManufacturerHandoff | None:
        """The trip under way (the unit is at the manufacturer), if any."""
        last = self.manufacturer_handoffs[-1] if self.manufacturer_handoffs else None
        return last if last is not None and last.back_on is None else None

    def send_to_manufacturer(self, act: Act, case_number: str, sent_on: date) -> list[Event]:
        """The unit left for DJI's official service on `sent_on` under the manufacturer's case
        number: the claim is at the manufacturer and the DJI repair deadline stands still."""
        if (refusal := self._why_no_handoff()) is not None:
            raise refusal
        case = checked_case_number(case_number)
        _not_in_future(sent_on, act.day, "sent_on")
        if self.received_at is not None and sent_on < polish_date(self.received_at):
            received_on = polish_date(self.received_at)
            raise Refusal("handoff_sent_before_receipt", "sent_on", {"received_on": received_on})
        last = self.manufacturer_handoffs[-1] if self.manufacturer_handoffs else None
        if last is not None and last.back_on is not None and sent_on < last.back_on:
            raise Refusal("handoff_sent_before_last_return", "sent_on", {"back_on": last.back_on})
        handoff = ManufacturerHandoff(case, sent_on, act.label, resumes=self.status)
        changed = self._move(
            act,
            "at_manufacturer",
            note=note("manufacturer_sent", sent_on=sent_on, case_number=case),
        )
        self.manufacturer_handoffs.append(handoff)
        self.pauses.append(Pause(start_of_polish_day(sent_on), cause="manufacturer"))
        sent = ClaimSentToManufacturer(
            **self._envelope(act),
            data=ClaimSentToManufacturerData(
                **self._facts(),
                serial_number=self.serial_number,
                case_number=case,
                sent_on=sent_on,
                recorded_at=act.at,
                recorded_by=act.label,
            ),
        )
        return [sent, changed]

    def _why_no_handoff(self) -> Refusal | None:
        """Only a claimed DJI unit (not a return) goes to DJI's service, and only while the
        service holds it."""
        if not self.dji_service_applies:
            return Refusal("handoff_not_dji", "claim_id", status_code=409)
        if self.status not in HANDED_OFF_FROM:
            return Refusal("handoff_not_now", "status", {"status": self.status}, 409)
        return None

    def receive_from_manufacturer(
        self,
        act: Act,
        back_on: date,
        statement: NewAttachment | None = None,
        remark: str | None = None,
    ) -> list[Event]:
        """The unit came back on `back_on`, with the manufacturer's written statement when it
        sent one: the pause ends, and the claim goes on in the status it left."""
        handoff = self.current_handoff
        if self.status != "at_manufacturer" or handoff is None:
            raise Refusal("handoff_not_at_manufacturer", "status", {"status": self.status}, 409)
        _not_in_future(back_on, act.day, "back_on")
        if back_on < handoff.sent_on:
            raise Refusal("handoff_back_before_sent", "back_on", {"sent_on": handoff.sent_on})
        text = (remark or "").strip() or None
        done = ManufacturerHandoff(
            handoff.case_number, handoff.sent_on, handoff.sent_by, handoff.resumes, back_on,
            act.label, text,
        )  # fmt: skip
        self.manufacturer_handoffs[-1] = done
        self._end_manufacturer_pause(back_on)
        if statement is not None:
            self.attach_manufacturer_statement(act, statement)
        notes = note(
            "manufacturer_back", back_on=back_on, case_number=done.case_number, sent_on=done.sent_on
        )
        if text:
            notes += f" {text}"
        dji = next((d for d in self.deadline_standings(act.day) if d.kind == "dji_repair"), None)
        if dji is not None and dji.paused_working_days and dji.moved_to is not None:
            notes += note(
                "deadline_pauses",
                working_days=dji.paused_working_days,
                moved_to=dji.moved_to,
                customer_days=dji.customer_paused_working_days,
                manufacturer_days=dji.manufacturer_paused_working_days,
            )
        back = ClaimBackFromManufacturer(
            **self._envelope(act),
            data=ClaimBackFromManufacturerData(
                **self._facts(),
                serial_number=self.serial_number,
                case_number=done.case_number,
                sent_on=done.sent_on,
                back_on=back_on,
                paused_working_days=dji.manufacturer_paused_working_days if dji else 0,
                deadline_moved_to=dji.moved_to if dji else None,
                statement_attached=self.manufacturer_statement is not None,
                remark=text,
                recorded_at=act.at,
                recorded_by=act.label,
            ),
        )
        return [back, self._move(act, done.resumes, note=notes)]

    def _end_manufacturer_pause(self, back_on: date) -> None:
        for index, pause in enumerate(self.pauses):
            if pause.cause == "manufacturer" and pause.ended_at is None:
                self.pauses[index] = Pause(
                    pause.started_at, start_of_polish_day(back_on), "manufacturer"
                )
