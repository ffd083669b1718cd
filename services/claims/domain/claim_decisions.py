"""The decision of a claim: its rules, the offer it may make, the customer's answer to it, and
the manufacturer's statement a DJI replacement needs.
"""

from __future__ import annotations

from decimal import Decimal

from services.claims.domain import decisions, eligibility, evidence, lifecycle
from services.claims.domain.claim_state import ClaimState
from services.claims.domain.decisions import DeductionLine
from services.claims.domain.parts import (
    Act,
    CustomerResponse,
    Decision,
    DecisionInput,
    NewAttachment,
    with_response,
)
from services.claims.domain.refusals import Refusal
from shared.claims_wording import note
from shared.events import (
    ClaimDecided,
    ClaimDecidedData,
    ClaimOfferAnswered,
    ClaimOfferAnsweredData,
    Deduction,
    Event,
    OfferKind,
)

# The timeline notes (shared/claims_wording.py) of an offer's expiry and of its answers.
OFFER_ANSWER_NOTES: dict[tuple[OfferKind, bool], str] = {
    ("price_reduction", True): "offer_answered.price_reduction.accepted",
    ("price_reduction", False): "offer_answered.price_reduction.refused",
    ("paid_repair_quote", True): "offer_answered.paid_repair_quote.accepted",
    ("paid_repair_quote", False): "offer_answered.paid_repair_quote.refused",
    ("return_deductions", True): "offer_answered.return_deductions.accepted",
    ("return_deductions", False): "offer_answered.return_deductions.refused",
}


class ClaimDecisions(ClaimState):
    """The decision with its rules, the offer it makes and the customer's answer to it."""

    @property
    def refund_has_deductions(self) -> bool:
        """Seed 002: a return's refund is the price less the deductions for its state; a
        complaint's refund is the price paid."""
        return self.claim_type == "return"

    def decide(self, act: Act, command: DecisionInput) -> list[Event]:
        lifecycle.check_transition(self.status, "decided", act.role)
        self._check_opened_seal(command)
        self._check_made_to_order(command)
        self._check_not_deemed_accepted(command)
        self._check_dji_replacement(command)
        amount = command.amount
        deductions: list[DeductionLine] = []
        if command.kind == "rejection":
            decisions.check_rejection_reason(
                self.claim_type, command.rejection_reason, command.justification
            )
            evidence.check_damage_reason(self.evidence, command.rejection_reason)
        elif command.kind == "refund" and self.refund_has_deductions:
            deductions, amount = decisions.compute_deductions(
                self.unit_price or Decimal(0),
                command.deduction_percents,
                command.missing_accessories_value,
            )
        elif command.kind == "price_reduction":
            amount = decisions.check_price_reduction(
                command.reduction_kind, amount, self.unit_price
            )
        elif command.kind == "paid_repair":
            self._check_quote_allowed()
            amount = decisions.require_amount(amount)
            decisions.check_quote_validity(command.valid_until, act.day)
        elif command.kind == "exchange" and not (command.exchange_product or "").strip():
            raise Refusal("exchange_product_required", "exchange_product")
        self.decision = Decision(
            kind=command.kind,
            justification=command.justification.strip(),
            decided_by=act.label,
            decided_at=act.at,
            amount=amount,
            rejection_reason=command.rejection_reason if command.kind == "rejection" else None,
            deductions=tuple(deductions),
            valid_until=command.valid_until if command.kind == "paid_repair" else None,
            exchange_product=(command.exchange_product or "").strip() or None,
            substantial_repair=command.substantial_repair if command.kind == "repair" else None,
            replaced_part=(
                (command.replaced_part or "").strip() or None if command.kind == "repair" else None
            ),
            reduction_kind=command.reduction_kind if command.kind == "price_reduction" else None,
        )
        changed = self._move(act, "decided")
        return [changed, self._decided_event(act, self.decision)]

    @property
    def is_consumer_complaint(self) -> bool:
        """A consumer's complaint (warranty, non-conformity, DJI), not a withdrawal."""
        return self.buyer_type == "consumer" and self.claim_type != "return"

    @property
    def asks_seal(self) -> bool:
        """A return of sealed goods: the warehouse checks the seal at intake."""
        return self.claim_type == "return" and eligibility.sealed_goods(self.product.category)

    @property
    def opened_seal_reason(self) -> str | None:
        """A return of sealed goods whose seal the warehouse found opened: the rejection reason
        it gets (the goods go back to the customer). The seal as intake last found it."""
        return evidence.opened_seal_reason(
            self.claim_type, self.product.category, self.intake, self.evidence
        )

    def _check_opened_seal(self, command: DecisionInput) -> None:
        reason = self.opened_seal_reason
        if reason is None or (command.kind == "rejection" and command.rejection_reason == reason):
            return
        raise Refusal("return_seal_opened", "decision", {"reason": reason}, variant="decision")

    def _check_not_deemed_accepted(self, command: DecisionInput) -> None:
        """A complaint accepted by law is not rejected, nor repaired for a fee."""
        if self.deemed_accepted_on is None or command.kind not in ("rejection", "paid_repair"):
            return
        raise Refusal(
            "complaint_deemed_accepted", "decision", {"deemed_on": self.deemed_accepted_on}, 409
        )

    def _check_dji_replacement(self, command: DecisionInput) -> None:
        """A DJI unit is replaced only with DJI's written statement that it cannot be repaired."""
        if command.kind != "replacement" or not self.is_dji or self.manufacturer_statement:
            return
        raise Refusal("dji_statement_required", "decision")

    def attach_manufacturer_statement(self, act: Act, statement: NewAttachment) -> list[Event]:
        """DJI's written statement (a file) joins the claim; a DJI replacement needs it."""
        if (refusal := self._why_no_statement()) is not None:
            raise refusal
        self.attachments.append(statement)
        self.manufacturer_statement = statement.attachment_id
        self._note(act, note("statement_attached", filename=statement.filename))
        return []

    def _why_no_statement(self) -> Refusal | None:
        if self.is_dji and self.status not in lifecycle.ENDED_STATUSES:
            return None
        return Refusal("statement_not_expected", "statement", status_code=409)

    def _check_made_to_order(self, command: DecisionInput) -> None:
        """Made-to-order goods are repaired or replaced, never refunded their production cost."""
        if command.kind == "refund" and self.product.category.strip().lower() == "custom_made":
            raise Refusal("custom_made_no_refund", "decision")

    def _check_quote_allowed(self) -> None:
        if self.covered:
            raise Refusal("quote_on_covered_claim", "decision")

    def _decided_event(self, act: Act, decision: Decision) -> ClaimDecided:
        return ClaimDecided(
            **self._envelope(act),
            data=ClaimDecidedData(
                **self._facts(),
                decision=decision.kind,
                rejection_reason=decision.rejection_reason,
                justification=decision.justification,
                amount=decision.amount,
                deductions=tuple(
                    Deduction(reason=d.reason, percent=d.percent, amount=d.amount)
                    for d in decision.deductions
                ),
                decided_at=decision.decided_at,
                decided_by=decision.decided_by,
                valid_until=decision.valid_until,
                exchange_product=decision.exchange_product,
                substantial_repair=decision.substantial_repair,
                replaced_part=decision.replaced_part,
                reduction_kind=decision.reduction_kind,
                consumer_complaint=self.is_consumer_complaint,
            ),
        )

    def answer_offer(self, act: Act, offer: OfferKind, accept: bool) -> list[Event]:
        """The customer accepts or refuses what the decision offers: a price reduction, a
        paid-repair quote, or a return's deductions (refusing them: the goods come back)."""
        decision = self.decision
        if decision is None or self.offer_awaiting_answer != offer:
            raise Refusal("no_offer_to_answer", "accept", status_code=409)
        if accept and decision.valid_until is not None and act.day > decision.valid_until:
            raise Refusal("quote_expired", "accept", {"valid_until": decision.valid_until}, 409)
        response: CustomerResponse = "accepted" if accept else "refused"
        self.decision = with_response(decision, response)
        answered = ClaimOfferAnswered(
            **self._envelope(act),
            data=ClaimOfferAnsweredData(
                **self._facts(),
                offer=offer,
                accepted=accept,
                amount=decision.amount,
                answered_at=act.at,
            ),
        )
        text = note(OFFER_ANSWER_NOTES[(offer, accept)])
        if offer == "paid_repair_quote" and accept:
            return [answered, self._move(act, "in_repair", note=text)]
        if offer == "price_reduction" and not accept:
            # The seller must offer another remedy: the inspection reopens.
            return [answered, self._move(act, "in_inspection", note=text)]
        self._note(act, text)
        return [answered]
