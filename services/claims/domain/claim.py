"""The Claim aggregate: one claim from filing until the product (or the money) is back.

Each command checks its rules and returns the events to publish; the handler saves the claim and
the events in one transaction. Rules that concern one command sit beside it as named checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Literal, TypedDict
from uuid import UUID

from services.claims.domain import decisions, eligibility, lifecycle
from services.claims.domain.deadlines import ClaimDeadlineFacts, DeadlineStanding, Pause
from services.claims.domain.decisions import DeductionLine, RefundPayment
from services.claims.domain.eligibility import ClaimTypeVerdict
from services.claims.domain.form import UnitDetails
from services.claims.domain.intake import (
    Intake,
    IntakeCheck,
    ScanOutlook,
    check_parcel,
    declared_items,
)
from services.claims.domain.refusals import Refusal
from shared.brands import is_dji
from shared.calendar import polish_date
from shared.claims_wording import note
from shared.events import (
    BuyerType,
    ClaimCollectionReminder,
    ClaimCollectionReminderData,
    ClaimCreated,
    ClaimCreatedData,
    ClaimDecided,
    ClaimDecidedData,
    ClaimDeemedAccepted,
    ClaimDeemedAcceptedData,
    ClaimedProduct,
    ClaimMarkedForDisposal,
    ClaimMarkedForDisposalData,
    ClaimOfferAnswered,
    ClaimOfferAnsweredData,
    ClaimOfferExpired,
    ClaimOfferExpiredData,
    ClaimRefunded,
    ClaimRefundedData,
    ClaimRepairDelayed,
    ClaimRepairDelayedData,
    ClaimReplacementIssued,
    ClaimReplacementIssuedData,
    ClaimStatus,
    ClaimStatusChanged,
    ClaimStatusChangedData,
    ClaimType,
    Deadline,
    DecisionKind,
    Deduction,
    DocumentType,
    Event,
    Language,
    OfferKind,
    ParcelReceived,
    ParcelReceivedData,
    PostalAddress,
)

PRODUCER = "claims"
# "expired": the offer's term passed unanswered (the scheduler's act), which counts as refused.
CustomerResponse = Literal["accepted", "refused", "expired"]
# An offer without a date of its own (deductions, a price reduction) awaits its answer this long.
OFFER_ANSWER_DAYS = 14
# A rejected return's goods wait this many days after the decision to be collected; the
# customer is reminded on these days after it (twice), then they are marked for disposal.
COLLECTION_DAYS = 30
COLLECTION_REMINDER_DAYS = (14, 25)
# The scooter delay email goes out by itself this many days before the repair deadline.
DELAY_NOTICE_DAYS = 2
MIN_DELAY_REASON = 10  # the reason the customer is given, in characters
AUTOMATIC_DELAY_REASON = note("repair_delay_automatic")


# The claim is decided and the decision is being carried out: replacement, shipment, refund.
AFTER_DECISION: frozenset[ClaimStatus] = frozenset({"decided", "in_repair"})
# The operator's commands that have a form of their own (status moves are `next_statuses`).
OperatorAction = Literal[
    "decide",
    "record_replacement",
    "ship_back",
    "record_refund",
    "announce_repair_delay",
    "attach_manufacturer_statement",
]


class _Envelope(TypedDict):
    producer: str
    key: str
    correlation_id: UUID
    occurred_at: datetime


class _ClaimFacts(TypedDict):
    claim_id: UUID
    rma_number: str
    account_id: UUID
    email: str
    language: Language
    claim_type: ClaimType
    product: ClaimedProduct


@dataclass(frozen=True)
class Act:
    """Who does something, when, and the correlation id of the request that asked for it."""

    role: str  # customer | operator | scanner
    label: str  # what records show: "operator:ola@innpro.example"
    at: datetime
    correlation_id: UUID

    @property
    def day(self) -> date:
        """The day in Poland: what the law's and the policies' days are counted in."""
        return polish_date(self.at)


@dataclass(frozen=True)
class TimelineEntry:
    status: ClaimStatus
    actor: str
    note: str | None
    at: datetime
    entry_id: int | None = None  # None until stored


@dataclass(frozen=True)
class Decision:
    kind: DecisionKind
    justification: str
    decided_by: str
    decided_at: datetime
    amount: Decimal | None = None
    rejection_reason: str | None = None
    deductions: tuple[DeductionLine, ...] = ()
    valid_until: date | None = None
    exchange_product: str | None = None
    customer_response: CustomerResponse | None = None
    # Repairs: what warranty needs for Civil Code art. 581 § 1 (a new period or an extension).
    substantial_repair: bool | None = None
    replaced_part: str | None = None
    reduction_kind: str | None = None  # price reductions: the policy's kind

    @property
    def offer(self) -> OfferKind | None:
        """What the customer must accept or refuse before the claim can go on, if anything."""
        if self.kind == "price_reduction":
            return "price_reduction"
        if self.kind == "paid_repair":
            return "paid_repair_quote"
        if self.kind == "refund" and self.deductions:
            return "return_deductions"
        return None

    @property
    def answer_by(self) -> date | None:
        """The last Polish day the customer may answer the offer: a quote's own date, else
        OFFER_ANSWER_DAYS after the decision."""
        if self.offer is None:
            return None
        return self.valid_until or polish_date(self.decided_at) + timedelta(days=OFFER_ANSWER_DAYS)


@dataclass(frozen=True)
class DecisionInput:
    kind: DecisionKind
    justification: str
    amount: Decimal | None = None
    rejection_reason: str | None = None
    deduction_percents: dict[str, int] = field(default_factory=dict)
    missing_accessories_value: Decimal = Decimal(0)
    valid_until: date | None = None
    exchange_product: str | None = None
    substantial_repair: bool | None = None
    replaced_part: str | None = None
    reduction_kind: str | None = None  # price reductions: cosmetic_defect, defect_kept, ...


@dataclass(frozen=True)
class Shipment:
    carrier: str
    tracking_number: str
    shipped_at: datetime


@dataclass(frozen=True)
class Replacement:
    serial_number: str
    ean: str
    issued_at: datetime


@dataclass(frozen=True)
class Refund:
    amount: Decimal
    method: str
    account_number_ending: str | None
    refunded_at: datetime
    difference_reason: str | None = None  # why it is not the decided amount


@dataclass(frozen=True)
class NewAttachment:
    attachment_id: UUID
    purpose: str  # sales_document | answer
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class ParcelRecord:
    parcel_id: UUID
    tracking_number: str | None
    scanned_by: str
    received_at: datetime
    attention: str | None = None
    intake: Intake | None = None  # what the warehouse checked, when it did


@dataclass(frozen=True)
class Filing:
    """A checked claim form (the handler gathered the facts, the domain checked them)."""

    claim_id: UUID
    rma_number: str
    account_id: UUID
    email: str
    language: Language
    buyer_type: BuyerType
    verdict: ClaimTypeVerdict
    document_type: DocumentType
    document_number: str
    sold_on: date
    delivered_on: date | None
    line_no: int
    product: ClaimedProduct
    unit_price: Decimal
    serial_number: str | None
    problem_description: str
    problem_code: str | None
    tracking_number: str | None
    package_contents: str
    customer_reference: str | None
    return_address: PostalAddress
    sales_document: NewAttachment
    unit_details: UnitDetails = field(default_factory=lambda: UnitDetails())


@dataclass
class Claim:
    claim_id: UUID
    rma_number: str
    account_id: UUID
    email: str
    language: Language
    buyer_type: BuyerType
    claim_type: ClaimType
    status: ClaimStatus
    document_type: DocumentType
    document_number: str
    line_no: int
    product: ClaimedProduct
    serial_number: str | None
    problem_description: str
    problem_code: str | None
    tracking_number: str | None  # the customer's inbound parcel
    package_contents: str
    customer_reference: str | None
    unit_price: Decimal | None
    return_address: PostalAddress | None
    created_at: datetime
    received_at: datetime | None = None
    covered: bool | None = None  # the warranty service's verdict, once it came
    deadlines: tuple[Deadline, ...] = ()
    decision: Decision | None = None
    pauses: list[Pause] = field(default_factory=list)
    outbound: Shipment | None = None
    replacement: Replacement | None = None
    refund: Refund | None = None
    intake: Intake | None = None  # the warehouse's check of the latest parcel
    deemed_accepted_on: date | None = None  # a consumer complaint accepted by law (art. 7a)
    repair_delay_announced_on: date | None = None
    # DJI's written statement that a repair is impossible (the attachment): a DJI unit is
    # replaced only with it (DJI terms §13).
    manufacturer_statement: UUID | None = None
    collection_reminders: int = 0  # a rejected return's goods: reminders sent so far
    marked_for_disposal_on: date | None = None
    timeline: list[TimelineEntry] = field(default_factory=list)
    new_attachments: list[NewAttachment] = field(default_factory=list)
    new_parcels: list[ParcelRecord] = field(default_factory=list)

    # --- filing -----------------------------------------------------------------------------

    @classmethod
    def file(cls, form: Filing, act: Act) -> tuple[Claim, list[Event]]:
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
        claim.new_attachments.append(form.sales_document)
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

    # --- helpers ----------------------------------------------------------------------------

    def _envelope(self, act: Act) -> _Envelope:
        """What every event of this claim carries: keyed by the claim, in the act's correlation."""
        return _Envelope(
            producer=PRODUCER,
            key=str(self.claim_id),
            correlation_id=act.correlation_id,
            occurred_at=act.at,
        )

    def _facts(self) -> _ClaimFacts:
        """The claim's facts every payload after filing tells (`ClaimFacts`)."""
        return _ClaimFacts(
            claim_id=self.claim_id,
            rma_number=self.rma_number,
            account_id=self.account_id,
            email=self.email,
            language=self.language,
            claim_type=self.claim_type,
            product=self.product,
        )

    def _note(self, act: Act, note: str) -> None:
        """A timeline entry without a change of status."""
        self.timeline.append(TimelineEntry(self.status, act.label, note, act.at))

    def _move(
        self,
        act: Act,
        target: ClaimStatus,
        *,
        note: str | None = None,
        tracking_number: str | None = None,
        carrier: str | None = None,
    ) -> ClaimStatusChanged:
        lifecycle.check_transition(self.status, target, act.role)
        source, self.status = self.status, target
        self.timeline.append(TimelineEntry(target, act.label, note, act.at))
        return ClaimStatusChanged(
            **self._envelope(act),
            data=ClaimStatusChangedData(
                **self._facts(),
                from_status=source,
                to_status=target,
                changed_at=act.at,
                actor=act.label,
                note=note,
                tracking_number=tracking_number,
                serial_number=self.serial_number,
                carrier=carrier,
            ),
        )

    def _decided(self) -> Decision:
        if self.decision is None or self.status not in AFTER_DECISION:
            raise Refusal("not_decided", "status", status_code=409)
        return self.decision

    # --- parcels ----------------------------------------------------------------------------

    def scan_outlook(self) -> ScanOutlook:
        """What a parcel for this claim arriving now does: received (or back from a customer
        who refused it), nothing (the service holds the product already), or queued for an
        operator (the claim is over)."""
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
        known: bool = False,
        check: IntakeCheck | None = None,
    ) -> list[Event]:
        """A parcel for this claim arrived. Nothing is lost: a parcel for a cancelled or closed
        claim is recorded and queued for an operator; one refused by the customer on its way
        back is a new receipt of the same claim. `known`: the parcel is stored already (an
        operator identified it from the unidentified queue). `check`: what the warehouse found
        in it (the contents ticked, the serial read); a serial that is not the claim's flags
        the claim for the operator, and missing items are recorded."""
        outlook = self.scan_outlook()
        if outlook == "already_received":
            return []  # the same parcel scanned again
        if check is not None:
            intake = check_parcel(
                check, self.declared_items, self.expected_serial, parcel.parcel_id, act.label,
                act.at,
            )  # fmt: skip
            parcel = replace(parcel, intake=intake)
        if outlook == "ended":
            parcel = replace(parcel, attention=note("parcel_attention", status=self.status))
            if not known:
                self.new_parcels.append(parcel)
            self._note(act, note("parcel_for_ended_claim"))
            self._record_intake(act, parcel.intake)
            return [self._parcel_event(act, parcel)]
        came_back = note("parcel_came_back") if outlook == "returned" else None
        if not known:
            self.new_parcels.append(parcel)
        if self.received_at is None:
            self.received_at = parcel.received_at
        changed = self._move(
            act, "received", note=came_back, tracking_number=parcel.tracking_number
        )
        self._record_intake(act, parcel.intake)
        return [self._parcel_event(act, parcel), changed]

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
        self.new_attachments.extend(attachments)
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

    # --- the decision -----------------------------------------------------------------------

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
        elif command.kind == "refund" and self.claim_type == "return":
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
    def offer_awaiting_answer(self) -> OfferKind | None:
        """What the customer must accept or refuse now, if anything (the one owner of this
        rule: the claim page shows the answer form for it)."""
        decision = self.decision
        if self.status != "decided" or decision is None or decision.customer_response is not None:
            return None
        return decision.offer

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
        it gets (the goods go back to the customer)."""
        if (
            self.claim_type != "return"
            or self.intake is None
            or self.intake.seal_intact is not False
        ):
            return None
        return eligibility.opened_seal_reason(self.product.category)

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

    @property
    def is_dji(self) -> bool:
        return is_dji(self.product.brand)

    def _check_dji_replacement(self, command: DecisionInput) -> None:
        """A DJI unit is replaced only with DJI's written statement that it cannot be repaired."""
        if command.kind != "replacement" or not self.is_dji or self.manufacturer_statement:
            return
        raise Refusal("dji_statement_required", "decision")

    def attach_manufacturer_statement(self, act: Act, statement: NewAttachment) -> list[Event]:
        """DJI's written statement (a file) joins the claim; a DJI replacement needs it."""
        if (refusal := self._why_no_statement()) is not None:
            raise refusal
        self.new_attachments.append(statement)
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
        self.decision = _with_response(decision, response)
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

    # --- after the decision -----------------------------------------------------------------

    def start_repair(self, act: Act) -> list[Event]:
        if self._decided().kind not in ("repair", "replacement"):
            raise Refusal("repair_not_decided", "status", status_code=409)
        return [self._move(act, "in_repair")]

    def record_replacement(
        self, act: Act, serial_number: str, ean: str | None, sold: bool = False
    ) -> list[Event]:
        """The replacement unit's serial. `sold`: the serial is on a sale to a customer, so it
        is someone's unit, not one of the service's stock (stock units are those the ERP never
        sold): refused, or one customer's unit would move into another's claim."""
        if (refusal := self._why_no_replacement(self._decided())) is not None:
            raise refusal
        new_serial = decisions.replacement_serial(serial_number, self.serial_number)
        if sold:
            raise Refusal(
                "replacement_serial_sold", "serial_number", {"serial_number": new_serial}, 409
            )
        new_ean = decisions.replacement_ean(ean, self.product.ean)
        self.replacement = Replacement(new_serial, new_ean, act.at)
        self._note(act, note("replacement_issued", serial_number=new_serial, ean=new_ean))
        return [
            ClaimReplacementIssued(
                **self._envelope(act),
                data=ClaimReplacementIssuedData(
                    **self._facts(),
                    old_serial_number=self.serial_number,
                    new_serial_number=new_serial,
                    old_ean=self.product.ean,
                    new_ean=new_ean,
                    issued_at=act.at,
                    issued_by=act.label,
                ),
            )
        ]

    def _why_no_replacement(self, decision: Decision) -> Refusal | None:
        if decision.kind != "replacement" or self.replacement is not None:
            return Refusal("replacement_not_due", "serial_number", status_code=409)
        return None

    def ship_back(self, act: Act, carrier: str, tracking_number: str) -> list[Event]:
        """The product goes back to the customer's return address; the inbound tracking number
        stays as the customer gave it."""
        carrier, tracking = carrier.strip(), "".join(tracking_number.split()).upper()
        if not tracking:
            raise Refusal("tracking_required", "tracking_number")
        if not carrier:
            raise Refusal("carrier_required", "carrier")
        if self.return_address is None:
            raise Refusal("return_address_missing", "return_address", status_code=409)
        if (refusal := self._why_not_shippable(self._decided())) is not None:
            raise refusal
        self.outbound = Shipment(carrier, tracking, act.at)
        return [
            self._move(
                act,
                "shipped_back",
                note=note("shipped_back", carrier=carrier, tracking_number=tracking),
                tracking_number=tracking,
                carrier=carrier,
            )
        ]

    def _why_not_shippable(self, decision: Decision) -> Refusal | None:
        waiting = decision.offer is not None and decision.customer_response is None
        if waiting:
            return Refusal("offer_unanswered", "status", status_code=409)
        if decision.kind == "replacement" and self.replacement is None:
            return Refusal("replacement_serial_missing", "serial_number", status_code=409)
        keeps_goods = decision.kind == "refund" and decision.customer_response not in (
            "refused",
            "expired",
        )
        if keeps_goods:
            return Refusal("nothing_to_ship", "status", status_code=409)
        return None

    def record_refund(
        self,
        act: Act,
        amount: Decimal | None,
        payment: RefundPayment,
        difference_reason: str | None = None,
    ) -> list[Event]:
        decision = self._decided()
        money = decisions.require_amount(amount)
        if (refusal := self._why_no_refund(decision)) is not None:
            raise refusal
        reason = decisions.check_refund_amount(money, decision.amount, difference_reason)
        self.refund = Refund(
            money, payment.method, payment.account_number_ending, act.at, difference_reason=reason
        )
        due_on = next((d.due_on for d in self.deadlines if d.kind == "return_refund"), None)
        refunded = ClaimRefunded(
            **self._envelope(act),
            data=ClaimRefundedData(
                **self._facts(),
                amount=money,
                method=payment.method,
                account_number_ending=payment.account_number_ending,
                refunded_at=act.at,
                due_on=due_on,
                in_time=None if due_on is None else act.day <= due_on,
                decided_amount=decision.amount,
                difference_reason=reason,
            ),
        )
        text = note("refunded", amount=money, method=payment.method)
        if reason:
            text += note("refund_difference", decided=decision.amount, reason=reason)
        if decision.kind == "refund":
            return [refunded, self._move(act, "refunded", note=text)]
        self._note(act, text)  # the product itself still goes back
        return [refunded]

    def _why_no_refund(self, decision: Decision) -> Refusal | None:
        accepted = decision.customer_response == "accepted"
        refundable = (
            (decision.kind == "refund" and (not decision.deductions or accepted))
            or (decision.kind == "price_reduction" and accepted)
            or decision.kind == "exchange"
        )
        if not refundable:
            return Refusal("nothing_to_refund", "amount", status_code=409)
        if self.refund is not None:
            return Refusal("already_refunded", "amount", status_code=409)
        return None

    def close(self, act: Act) -> list[Event]:
        return [self._move(act, "closed")]

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
        self.decision = _with_response(decision, "expired")
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

    # --- what the claim shows -----------------------------------------------------------------

    def operator_actions(self, today: date) -> list[OperatorAction]:
        """The operator's commands besides status moves that the claim's state allows now (the
        forms the claim page offers): each one's own rule, asked without acting."""
        actions: list[OperatorAction] = []
        if "decided" in self.next_statuses("operator"):
            actions.append("decide")
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
        return actions

    def next_statuses(self, role: str) -> list[ClaimStatus]:
        return lifecycle.next_statuses(self.status, role)

    def deadline_standings(self, today: date) -> list[DeadlineStanding]:
        facts = ClaimDeadlineFacts(
            self.status,
            tuple(self.deadlines),
            self.pauses,
            self.decision.decided_at if self.decision else None,
            self.outbound.shipped_at if self.outbound else None,
            self.refund.refunded_at if self.refund else None,
        )
        return facts.standings(today)


# The timeline notes (shared/claims_wording.py) of an offer's expiry and of its answers.
OFFER_EXPIRY_NOTES: dict[OfferKind, str] = {
    "paid_repair_quote": "offer_expired.paid_repair_quote",
    "return_deductions": "offer_expired.return_deductions",
    "price_reduction": "offer_expired.price_reduction",
}
OFFER_ANSWER_NOTES: dict[tuple[OfferKind, bool], str] = {
    ("price_reduction", True): "offer_answered.price_reduction.accepted",
    ("price_reduction", False): "offer_answered.price_reduction.refused",
    ("paid_repair_quote", True): "offer_answered.paid_repair_quote.accepted",
    ("paid_repair_quote", False): "offer_answered.paid_repair_quote.refused",
    ("return_deductions", True): "offer_answered.return_deductions.accepted",
    ("return_deductions", False): "offer_answered.return_deductions.refused",
}


def _with_response(decision: Decision, response: CustomerResponse) -> Decision:
    return replace(decision, customer_response=response)
