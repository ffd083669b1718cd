"""What the deadlines do by themselves (the scheduler's act), and the scooter repair delay."""

from __future__ import annotations

from datetime import date, timedelta

from services.claims.domain import lifecycle
from services.claims.domain.claim_state import ClaimState
from services.claims.domain.parts import (
    Act,
    with_response,
)
from services.claims.domain.refusals import Refusal
from shared.calendar import polish_date
from shared.claims_wording import note
from shared.events import (
    ClaimCollectionReminder,
    ClaimCollectionReminderData,
    ClaimDeemedAccepted,
    ClaimDeemedAcceptedData,
    ClaimMarkedForDisposal,
    ClaimMarkedForDisposalData,
    ClaimOfferExpired,
    ClaimOfferExpiredData,
    ClaimRepairDelayed,
    ClaimRepairDelayedData,
    Event,
    OfferKind,
)

# A rejected return's goods wait this many days after the decision to be collected; the
# customer is reminded on these days after it (twice), then they are marked for disposal.
COLLECTION_DAYS = 30
COLLECTION_REMINDER_DAYS = (14, 25)
# The scooter delay email goes out by itself this many days before the repair deadline.
DELAY_NOTICE_DAYS = 2
MIN_DELAY_REASON = 10  # the reason the customer is given, in characters
AUTOMATIC_DELAY_REASON = note("repair_delay_automatic")
# The timeline notes (shared/claims_wording.py) of an offer's expiry.
OFFER_EXPIRY_NOTES: dict[OfferKind, str] = {
    "paid_repair_quote": "offer_expired.paid_repair_quote",
    "return_deductions": "offer_expired.return_deductions",
    "price_reduction": "offer_expired.price_reduction",
}


class ClaimDeadlines(ClaimState):
    """What the deadlines do by themselves, and the scooter repair delay."""

    def announce_repair_delay(self, act: Act, reason: str, expected_on: date | None) -> list[Event]:
        """Seed 001 (scooters §8): the customer is told before the 30 days pass, with the reason."""
        if (refusal := self._why_no_repair_delay(act.day)) is not None:
            raise refusal
        due_on = next(d.due_on for d in self.deadlines if d.kind == "scooter_repair")
        if len(reason.strip()) < MIN_DELAY_REASON:
            raise Refusal("delay_reason_required", "reason", {"min_length": MIN_DELAY_REASON})
        self._note(act, note("repair_delayed", reason=reason.strip()))
        self.repair_delay_announced_on = act.day
        return [
            ClaimRepairDelayed(
                **self._envelope(act),
                data=ClaimRepairDelayedData(
                    **self._facts(),
                    reason=reason.strip(),
                    due_on=due_on,
                    expected_on=expected_on,
                    announced_at=act.at,
                ),
            )
        ]

    def _why_no_repair_delay(self, today: date) -> Refusal | None:
        due_on = next((d.due_on for d in self.deadlines if d.kind == "scooter_repair"), None)
        if due_on is None or self.status not in lifecycle.PRODUCT_AT_SERVICE:
            return Refusal("no_repair_deadline", "status", status_code=409)
        if today > due_on:
            return Refusal("repair_deadline_passed", "reason", {"due_on": due_on}, 409)
        return None

    # --- deadlines that act by themselves ----------------------------------------------------

    def apply_deadlines(self, act: Act) -> list[Event]:
        """What the deadlines do by themselves on `act.day` (the scheduler's act, role
        "system"): a consumer's complaint unanswered past its 14 days is accepted by law; an
        offer unanswered past its term expires; a scooter repair 2 days from its deadline tells
        the customer. Each happens once: a second run the same day finds nothing to do."""
        return [
            *self._deem_accepted(act),
            *self._expire_offer(act),
            *self._delay_notice(act),
            *self._uncollected_goods(act),
        ]

    def _deem_accepted(self, act: Act) -> list[Event]:
        due_on = next(
            (d.due_on for d in self.deadlines if d.kind == "complaint_answer" and d.due_on), None
        )
        waiting = self.decision is None and self.status not in lifecycle.ENDED_STATUSES
        if (
            due_on is None
            or self.buyer_type != "consumer"
            or self.deemed_accepted_on is not None
            or not waiting
            or act.day <= due_on
        ):
            return []
        self.deemed_accepted_on = act.day
        self._note(act, note("deemed_accepted", due_on=due_on))
        data = ClaimDeemedAcceptedData(**self._facts(), due_on=due_on, deemed_on=act.day)
        return [ClaimDeemedAccepted(**self._envelope(act), data=data)]

    def _expire_offer(self, act: Act) -> list[Event]:
        decision, offer = self.decision, self.offer_awaiting_answer
        if decision is None or offer is None:
            return []
        answer_by = decision.answer_by
        if answer_by is None or act.day <= answer_by:
            return []
        self.decision = with_response(decision, "expired")
        reinspection = offer == "price_reduction"
        expired = ClaimOfferExpired(
            **self._envelope(act),
            data=ClaimOfferExpiredData(
                **self._facts(),
                offer=offer,
                answer_by=answer_by,
                expired_on=act.day,
                outcome="reinspection" if reinspection else "goods_back",
            ),
        )
        text = note(OFFER_EXPIRY_NOTES[offer], answer_by=answer_by)
        if reinspection:
            return [expired, self._move(act, "in_inspection", note=text)]
        self._note(act, text)
        return [expired]

    def _uncollected_goods(self, act: Act) -> list[Event]:
        """A rejected return waits to be collected: two reminders, then marked for disposal."""
        decision = self.decision
        waiting = (
            self.claim_type == "return"
            and self.status == "decided"
            and decision is not None
            and decision.kind == "rejection"
            and self.marked_for_disposal_on is None
        )
        if not waiting or decision is None:
            return []
        decided_on = polish_date(decision.decided_at)
        collect_by = decided_on + timedelta(days=COLLECTION_DAYS)
        if act.day > collect_by and self.collection_reminders == len(COLLECTION_REMINDER_DAYS):
            self.marked_for_disposal_on = act.day
            self._note(act, note("marked_for_disposal", collect_by=collect_by))
            marked = ClaimMarkedForDisposalData(
                **self._facts(), collect_by=collect_by, marked_on=act.day
            )
            return [ClaimMarkedForDisposal(**self._envelope(act), data=marked)]
        due = COLLECTION_REMINDER_DAYS[: self.collection_reminders + 1]
        if self.collection_reminders >= len(due) or act.day < decided_on + timedelta(days=due[-1]):
            return []
        self.collection_reminders += 1
        reminders = len(COLLECTION_REMINDER_DAYS)
        self._note(
            act,
            note("collection_reminder", reminder=self.collection_reminders, reminders=reminders),
        )
        reminder = ClaimCollectionReminderData(
            **self._facts(), collect_by=collect_by, reminder=self.collection_reminders
        )
        return [ClaimCollectionReminder(**self._envelope(act), data=reminder)]

    def _delay_notice(self, act: Act) -> list[Event]:
        due_on = next(
            (d.due_on for d in self.deadlines if d.kind == "scooter_repair" and d.due_on), None
        )
        if (
            due_on is None
            or self.status != "in_repair"
            or self.repair_delay_announced_on is not None
            or not 0 <= (due_on - act.day).days <= DELAY_NOTICE_DAYS
        ):
            return []
        return self.announce_repair_delay(act, AUTOMATIC_DELAY_REASON, None)
