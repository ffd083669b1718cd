"""The Claim aggregate: one claim from filing until the product (or the money) is back.

Each command checks its rules and returns the events to publish; the handler saves the claim and
the events in one transaction. Rules that concern one command sit beside it as named checks. The
commands are grouped by responsibility, one module each, and `Claim` is all of them:

- claim_state: the claim's fields and the steps every command shares (events, timeline, moves);
- filing (the form and its facts) and `Claim.file` here;
- claim_intake: parcels received and checked, questions, answers, cancelling;
- claim_decisions: the decision, its offer, the customer's answer, the DJI statement;
- claim_settlement: repair, replacement, shipment back, refund, closing;
- claim_charges: charges to the customer added, paid, waived (their rules: charges);
- claim_evidence: the evidence at intake (photos, packaging, seal, damage; its rules: evidence);
- claim_deadlines: what the deadlines do by themselves, the scooter repair delay;
- claim_void_mark: the operator's finding that the unit's warranty is void;
- claim_manufacturer: the unit handed to DJI's official service and back;
- parts: the values a claim holds and its commands take.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from services.claims.domain import lifecycle
from services.claims.domain.claim_charges import ClaimCharges
from services.claims.domain.claim_deadlines import ClaimDeadlines
from services.claims.domain.claim_decisions import ClaimDecisions
from services.claims.domain.claim_evidence import ClaimEvidence
from services.claims.domain.claim_intake import ClaimIntake
from services.claims.domain.claim_manufacturer import ClaimManufacturer
from services.claims.domain.claim_settlement import ClaimSettlement
from services.claims.domain.claim_state import AFTER_DECISION
from services.claims.domain.claim_void_mark import ClaimWarrantyVoid
from services.claims.domain.filing import ClaimForm, Filing, FilingFacts, check_filing
from services.claims.domain.parts import (
    Act,
    Decision,
    DecisionInput,
    NewAttachment,
    ParcelRecord,
    Refund,
    Replacement,
    Shipment,
    TimelineEntry,
)
from shared.events import ClaimCreated, ClaimCreatedData, Event

# The parts' names stay importable from here, where the code around the aggregate finds them.
__all__ = [
    "Act",
    "Claim",
    "Decision",
    "DecisionInput",
    "Filing",
    "NewAttachment",
    "OperatorAction",
    "ParcelRecord",
    "Refund",
    "Replacement",
    "Shipment",
    "TimelineEntry",
]

# The operator's commands that have a form of their own (status moves are `next_statuses`).
OperatorAction = Literal[
    "decide",
    "decide_with_deductions",  # a return's refund: the deductions of seed 002 apply
    "record_replacement",
    "ship_back",
    "record_refund",
    "announce_repair_delay",
    "attach_manufacturer_statement",
    "send_to_manufacturer",
    "receive_from_manufacturer",
    "record_intake_evidence",
]


class Claim(
    ClaimIntake,
    ClaimManufacturer,
    ClaimDecisions,
    ClaimSettlement,
    ClaimEvidence,
    ClaimCharges,
    ClaimDeadlines,
    ClaimWarrantyVoid,
):
    """One claim from filing until the product (or the money) is back: the commands of each
    responsibility (intake, decisions, settlement, charges, deadlines) with the rules that
    belong to them."""

    @classmethod
    def file(cls, claim_form: ClaimForm, facts: FilingFacts, act: Act) -> tuple[Claim, list[Event]]:
        """A new claim, once the form passes every rule of filing (`filing.check_filing`)."""
        form = check_filing(claim_form, facts, act)
        claim = cls(
            claim_id=form.claim_id,
            rma_number=form.rma_number,
            account_id=form.account_id,
            email=form.email,
            language=form.language,
            buyer_type=form.buyer_type,
            claim_type=form.verdict.claim_type,
            status=lifecycle.INITIAL_STATUS,
            document_type=form.document_type,
            document_number=form.document_number,
            line_no=form.line_no,
            product=form.product,
            serial_number=form.serial_number,
            problem_description=form.problem_description,
            problem_code=form.problem_code,
            tracking_number=form.tracking_number,
            package_contents=form.package_contents,
            customer_reference=form.customer_reference,
            unit_price=form.unit_price,
            return_address=form.return_address,
            created_at=act.at,
        )
        claim.attachments.append(form.sales_document)
        claim.timeline.append(TimelineEntry(claim.status, act.label, None, act.at))
        created = ClaimCreated(
            **claim._envelope(act),
            data=ClaimCreatedData(
                claim_id=claim.claim_id,
                rma_number=claim.rma_number,
                account_id=claim.account_id,
                email=claim.email,
                language=claim.language,
                buyer_type=claim.buyer_type,
                claim_type=claim.claim_type,
                document_type=claim.document_type,
                document_number=claim.document_number,
                sold_on=form.sold_on,
                delivered_on=form.delivered_on,
                product=claim.product,
                serial_number=claim.serial_number,
                problem_description=claim.problem_description,
                problem_code=claim.problem_code,
                tracking_number=claim.tracking_number,
                package_contents=claim.package_contents,
                customer_reference=claim.customer_reference,
                return_address=claim.return_address,
                claim_type_rule=form.verdict.rule,
                claim_type_reason=form.verdict.reason,
                installed_by_authorised_service=form.unit_details.installed_by_authorised_service,
                installing_service_name=form.unit_details.installing_service_name,
                activated_on=form.unit_details.activated_on,
            ),
        )
        return claim, [created]

    # --- what the claim shows -----------------------------------------------------------------

    def customer_actions(self) -> list[lifecycle.CustomerAction]:
        """What the customer may do now (the forms and instructions the claim page shows)."""
        return lifecycle.customer_actions(self.status, self.offer_awaiting_answer is not None)

    def operator_actions(self, today: date) -> list[OperatorAction]:
        """The operator's commands besides status moves that the claim's state allows now (the
        forms the claim page offers): each one's own rule, asked without acting."""
        actions: list[OperatorAction] = []
        if "decided" in self.next_statuses("operator"):
            actions.append("decide")
            if self.refund_has_deductions:
                actions.append("decide_with_deductions")
        decision = self.decision
        if decision is not None and self.status in AFTER_DECISION:
            if self._why_no_replacement(decision) is None:
                actions.append("record_replacement")
            shippable = self._why_not_shippable(decision) is None
            if shippable and "shipped_back" in self.next_statuses("operator"):
                actions.append("ship_back")
            if self._why_no_refund(decision) is None:
                actions.append("record_refund")
        if self._why_no_repair_delay(today) is None:
            actions.append("announce_repair_delay")
        if self._why_no_statement() is None and self.manufacturer_statement is None:
            actions.append("attach_manufacturer_statement")
        if self._why_no_handoff() is None:
            actions.append("send_to_manufacturer")
        if self.current_handoff is not None:
            actions.append("receive_from_manufacturer")
        if self.takes_evidence:
            actions.append("record_intake_evidence")
        return actions
