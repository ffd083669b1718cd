"""The claim's state and what every command of the aggregate does with it: announce an event,
note the timeline, move the status.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TypedDict
from uuid import UUID

from services.claims.domain import lifecycle
from services.claims.domain.charges import Charge
from services.claims.domain.deadlines import ClaimDeadlineFacts, DeadlineStanding, Pause
from services.claims.domain.evidence import IntakeEvidence
from services.claims.domain.intake import Intake
from services.claims.domain.parts import (
    Act,
    Decision,
    ManufacturerHandoff,
    NewAttachment,
    ParcelRecord,
    Refund,
    Replacement,
    Shipment,
    TimelineEntry,
)
from services.claims.domain.refusals import Refusal
from shared.brands import is_dji
from shared.events import (
    BuyerType,
    ClaimedProduct,
    ClaimStatus,
    ClaimStatusChanged,
    ClaimStatusChangedData,
    ClaimType,
    Deadline,
    DocumentType,
    Language,
    OfferKind,
    PostalAddress,
)

PRODUCER = "claims"

# The claim is decided and the decision is being carried out: replacement, shipment, refund.
AFTER_DECISION: frozenset[ClaimStatus] = frozenset({"decided", "in_repair"})


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


@dataclass
class ClaimState:
    """What a claim is, and the steps every command shares (each responsibility's commands are
    a class of their own, all of them the `Claim`)."""

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
    evidence: IntakeEvidence | None = None  # photos, packaging, seal, damage found at intake
    deemed_accepted_on: date | None = None  # a consumer complaint accepted by law (art. 7a)
    repair_delay_announced_on: date | None = None
    # DJI's written statement that a repair is impossible (the attachment): a DJI unit is
    # replaced only with it (DJI terms §13).
    manufacturer_statement: UUID | None = None
    # The unit's trips to DJI's official service, oldest first (the last one may be under way).
    manufacturer_handoffs: list[ManufacturerHandoff] = field(default_factory=list)
    collection_reminders: int = 0  # a rejected return's goods: reminders sent so far
    marked_for_disposal_on: date | None = None
    timeline: list[TimelineEntry] = field(default_factory=list)
    # The claim's files and parcels. What is stored already and what is new is the repository's
    # to tell (it compares with what it loaded), not the claim's.
    attachments: list[NewAttachment] = field(default_factory=list)
    parcels: list[ParcelRecord] = field(default_factory=list)
    charges: list[Charge] = field(default_factory=list)  # what the customer pays, oldest first

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

    @property
    def offer_awaiting_answer(self) -> OfferKind | None:
        """What the customer must accept or refuse now, if anything (the one owner of this
        rule: the claim page shows the answer form for it)."""
        decision = self.decision
        if self.status != "decided" or decision is None or decision.customer_response is not None:
            return None
        return decision.offer

    @property
    def is_dji(self) -> bool:
        return is_dji(self.product.brand)

    @property
    def dji_service_applies(self) -> bool:
        """A claimed DJI unit (not a return) may go to DJI's official service (DJI terms §9)."""
        return self.is_dji and self.claim_type != "return"

    def next_statuses(self, role: str) -> list[ClaimStatus]:
        """Where the status form may move the claim: not out of the manufacturer's hands, which
        is the return's own command (the day back, the manufacturer's statement)."""
        if self.status == "at_manufacturer":
            return []
        targets = lifecycle.next_statuses(self.status, role)
        return [t for t in targets if t != "at_manufacturer" or self.dji_service_applies]

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
