"""Demo claims for `make run`: a plan of claims, each filed on its day and taken to its outcome
by the claims service's own handlers, as the customer, the scanner and the operator would.

An API cannot backdate a claim (and must not), yet the operator's charts need claims spread over
the last 90 days. So this runs the service layer with a clock set to each step's time: the
claims, their timelines and their events (through the outbox, to the other services) are the
ones the service would have made on those days. Planned claims are marked by their customer
reference (`DEMO-NN`); a claim already there is skipped, so seeding again changes nothing.

    python -m services.claims.admin seed-demo PLAN.json
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Literal
from uuid import UUID, uuid4

from pydantic import BaseModel, Field

from services.claims import handlers
from services.claims.domain import intake
from services.claims.domain.claim import Act, Claim, DecisionInput
from services.claims.domain.decisions import refund_payment
from services.claims.unit_of_work import UnitOfWorkFactory
from shared.events import ClaimType, DocumentType, Event, PostalAddress

Outcome = Literal[
    "submitted",
    "cancelled",
    "received",
    "in_inspection",
    "awaiting_customer",
    "quote_awaiting",
    "in_repair",
    "shipped_back",
    "repaired",
    "rejected",
    "refunded",
    "refund_closed",
]

# The steps that take a claim from filing to each outcome, and the days after filing they happen.
STEPS: dict[Outcome, tuple[str, ...]] = {
    "submitted": (),
    "cancelled": ("cancel",),
    "received": ("receive",),
    "in_inspection": ("receive", "inspect"),
    "awaiting_customer": ("receive", "inspect", "ask"),
    "quote_awaiting": ("receive", "inspect", "quote"),
    "in_repair": ("receive", "inspect", "decide_repair", "start_repair"),
    "shipped_back": ("receive", "inspect", "decide_repair", "start_repair", "ship"),
    "repaired": ("receive", "inspect", "decide_repair", "start_repair", "ship", "close"),
    "rejected": ("receive", "inspect", "reject", "ship", "close"),
    "refunded": ("receive", "inspect", "decide_refund", "refund"),
    "refund_closed": ("receive", "inspect", "decide_refund", "refund", "close"),
}
STEP_DAY: dict[str, float] = {
    "cancel": 1,
    "receive": 2,
    "inspect": 2.1,
    "ask": 3,
    "quote": 3,
    "decide_repair": 4,
    "reject": 4,
    "decide_refund": 4,
    "start_repair": 5,
    "refund": 6,
    "ship": 8,
    "close": 11,
}
QUOTE_VALID_DAYS = 14


def days_needed(outcome: Outcome) -> float:
    """How long after filing a claim reaches the outcome (its last step's day)."""
    return max((STEP_DAY[step] for step in STEPS[outcome]), default=0)


class PlannedClaim(BaseModel):
    reference: str = Field(pattern=r"^DEMO-\d{2,3}$")
    filed_at: datetime
    document_type: DocumentType
    document_number: str
    line_no: int
    serial_number: str
    claim_type: ClaimType
    outcome: Outcome
    problem_code: str | None = None
    problem_description: str = Field(min_length=10)


class DemoPlan(BaseModel):
    account_id: UUID
    return_address: PostalAddress
    claims: list[PlannedClaim]
    # A parcel no claim expects (its label unreadable), for the operators' unidentified queue.
    unidentified_tracking: str | None = None
    unidentified_at: datetime | None = None


@dataclass
class SettableClock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


OPERATOR = handlers.Actor("operator", UUID(int=1), "operator@innpro.example")
SCANNER = handlers.Actor("scanner", UUID(int=2), "magazyn-demo")
RECEIPT = handlers.Attachment(
    "paragon.pdf",
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n",
)

ClaimStep = Callable[[Claim, Act], list[Event]]


def _decision(claim: Claim, step: str, today: date) -> DecisionInput:
    if step == "quote":
        return DecisionInput(
            "paid_repair",
            "Uszkodzenie mechaniczne po upadku: naprawa odpłatna.",
            amount=Decimal("350.00"),
            valid_until=today + timedelta(days=QUOTE_VALID_DAYS),
        )
    if step == "reject":
        reason = "incomplete" if claim.claim_type == "return" else "misuse"
        return DecisionInput(
            "rejection", "Ślady zalania wewnątrz obudowy.", rejection_reason=reason
        )
    if step == "decide_refund":
        return DecisionInput("refund", "Zwrot w terminie, produkt kompletny.")
    return DecisionInput("repair", "Wymiana uszkodzonego modułu.")


def _command(step: str, today: date, reference: str) -> tuple[handlers.Actor | None, ClaimStep]:
    """The actor (None: the claim's customer) and the Claim method of one step."""
    if step == "cancel":
        return None, lambda c, a: c.cancel(a)
    if step == "inspect":
        return OPERATOR, lambda c, a: c.start_inspection(a)
    if step == "ask":
        return OPERATOR, lambda c, a: c.ask_customer(a, "Prosimy o zdjęcie tabliczki znamionowej.")
    if step in {"quote", "reject", "decide_refund", "decide_repair"}:
        return OPERATOR, lambda c, a: c.decide(a, _decision(c, step, today))
    if step == "start_repair":
        return OPERATOR, lambda c, a: c.start_repair(a)
    if step == "ship":
        return OPERATOR, lambda c, a: c.ship_back(a, "DPD", f"DPD{reference.replace('-', '')}")
    if step == "refund":
        payment = refund_payment("bank_transfer", "PL61109010140000071219812874")
        return OPERATOR, lambda c, a: c.record_refund(
            a, c.decision.amount if c.decision else None, payment
        )
    if step == "close":
        return OPERATOR, lambda c, a: c.close(a)
    raise ValueError(f"unknown demo step {step!r}")


@dataclass
class SeedReport:
    filed: int = 0
    skipped: int = 0
    unidentified_parcels: int = 0


class DemoSeeder:
    """Runs a plan through the handlers, each step at its own time."""

    def __init__(self, uow: UnitOfWorkFactory, now: Callable[[], datetime] | None = None) -> None:
        self.now = now or (lambda: datetime.now(UTC))
        self.clock = SettableClock(self.now())
        self.ctx = handlers.ClaimsContext(uow, self.clock)

    async def seed(self, plan: DemoPlan) -> SeedReport:
        report = SeedReport()
        existing = {
            listing.customer_reference
            for listing in await handlers.search_claims(self.ctx, plan.account_id, "")
        }
        for planned in sorted(plan.claims, key=lambda c: c.filed_at):
            if planned.reference in existing:
                report.skipped += 1
                continue
            self._check_in_the_past(planned)
            await self._file_and_follow(plan, planned)
            report.filed += 1
        if plan.unidentified_tracking is not None:
            report.unidentified_parcels = await self._unidentified(plan)
        return report

    def _check_in_the_past(self, planned: PlannedClaim) -> None:
        done_at = planned.filed_at + timedelta(days=days_needed(planned.outcome))
        if done_at > self.now():
            raise ValueError(
                f"{planned.reference}: its outcome {planned.outcome} would come after now "
                f"({done_at:%Y-%m-%d %H:%M}); file it earlier"
            )

    async def _file_and_follow(self, plan: DemoPlan, planned: PlannedClaim) -> None:
        self.clock.now = planned.filed_at
        created = await handlers.create_claim(
            self.ctx,
            handlers.NewClaim(
                account_id=plan.account_id,
                document_type=planned.document_type,
                document_number=planned.document_number,
                line_no=planned.line_no,
                claim_type=planned.claim_type,
                problem_description=planned.problem_description,
                package_contents="Produkt w oryginalnym opakowaniu, ładowarka",
                attachment=RECEIPT,
                serial_number=planned.serial_number,
                problem_code=planned.problem_code,
                customer_reference=planned.reference,
                return_address=plan.return_address,
            ),
            uuid4(),
        )
        claim_id, rma = created.data.claim_id, created.data.rma_number
        customer = handlers.Actor("customer", plan.account_id)
        for step in STEPS[planned.outcome]:
            self.clock.now = planned.filed_at + timedelta(days=STEP_DAY[step])
            if step == "receive":
                await handlers.receive_parcel(self.ctx, SCANNER, intake.Label(rma, None), uuid4())
                continue
            actor, command = _command(step, self.clock.now.date(), planned.reference)
            await handlers.run_command(self.ctx, claim_id, actor or customer, uuid4(), command)

    async def _unidentified(self, plan: DemoPlan) -> int:
        self.clock.now = plan.unidentified_at or self.now()
        label = intake.Label(None, plan.unidentified_tracking)
        scanned = await handlers.receive_parcel(self.ctx, SCANNER, label, uuid4())
        return 0 if scanned.duplicate else 1
