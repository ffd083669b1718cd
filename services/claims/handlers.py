"""Service layer of claims: each command loads the Claim, calls one of its methods, and saves the
claim with the events it returned (outbox) in one transaction; queries read what pages show."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from services.claims.domain import eligibility, evidence, finance, form, intake
from services.claims.domain.charges import ChargeFacts, administrative_fee_ahead
from services.claims.domain.claim import Claim
from services.claims.domain.claim_deadlines import DELAY_NOTICE_DAYS
from services.claims.domain.deadlines import AT_RISK_WORKING_DAYS, DeadlineStanding
from services.claims.domain.filing import (
    ClaimForm,
    FilingFacts,
    Purchase,
    Upload,
    claimed_purchase,
)
from services.claims.domain.parts import Act, NewAttachment, ParcelRecord
from services.claims.domain.refusals import Refusal
from services.claims.domain.statistics import DeadlinesOfWeek, deadlines_kept_per_week
from services.claims.unit_of_work import (
    AttachmentFile,
    AttachmentInfo,
    ClaimListing,
    ClaimsUnitOfWork,
    CustomerContact,
    DailyCount,
    DecisionTime,
    OwnedDocument,
    SalesDocument,
    StoredParcel,
    UnitOfWorkFactory,
)
from shared.calendar import polish_date
from shared.claims_vocabulary import ACTIVE_STATUSES
from shared.events import (
    AccountContactChanged,
    AccountEmailChanged,
    AtRiskClaim,
    ClaimCreated,
    DeadlinesAtRisk,
    DeadlinesAtRiskData,
    DocumentLinked,
    Event,
    ParcelReceived,
    ParcelReceivedData,
    ProductCatalogued,
    ProductRegistered,
    SaleRecorded,
    WarrantyAssessed,
)
from shared.idempotency import IdempotentRequest
from shared.logging import get_logger
from shared.spreadsheet import csv_text

log = get_logger(__name__)
PRODUCER = "claims"

CLAIM_NOT_FOUND = Refusal("claim_not_found", "claim_id", status_code=404)


@dataclass
class ClaimsContext:
    """What every handler needs: a fresh unit of work per call, and the time."""

    uow: UnitOfWorkFactory
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def today(self) -> date:
        """Today in Poland."""
        return polish_date(self.clock())


@dataclass(frozen=True)
class Actor:
    role: str  # customer | operator | scanner
    subject: UUID
    # What people recognise (an operator's email, a scanner's name); unique like the id.
    readable_name: str | None = None

    @property
    def label(self) -> str:
        return f"{self.role}:{self.readable_name or self.subject}"


# The claim form and an uploaded file are the domain's (services/claims/domain/filing.py).
Attachment = Upload
NewClaim = ClaimForm


def checked_attachment(attachment: Attachment, purpose: str) -> NewAttachment:
    """A file kept with a claim; its type is read from its content, whatever its name says."""
    return NewAttachment(
        uuid4(),
        purpose,
        attachment.filename,
        form.attachment_type(attachment.content),
        attachment.content,
    )


# --- projections of other services' events (the consumer's unit of work holds its inbox) ---


async def record_sale(uow: ClaimsUnitOfWork, event: SaleRecorded) -> None:
    await uow.sales.record_sale(event.data)
    await uow.commit()


async def record_document_owner(uow: ClaimsUnitOfWork, event: DocumentLinked) -> None:
    await uow.sales.record_owner(event.data)
    await uow.commit()


async def record_email_change(uow: ClaimsUnitOfWork, event: AccountEmailChanged) -> None:
    """Status emails of open and future claims go to the account's new address."""
    await uow.sales.change_owner_email(event.data.account_id, event.data.email)
    await uow.claims.change_email(event.data.account_id, event.data.email)
    await uow.commit()


async def record_contact(uow: ClaimsUnitOfWork, event: AccountContactChanged) -> None:
    await uow.sales.record_contact(event.data)
    await uow.commit()


async def record_registration(uow: ClaimsUnitOfWork, event: ProductRegistered) -> None:
    await uow.sales.record_registration(event.data.serial_number, event.data.registered_on)
    await uow.commit()


async def record_product(uow: ClaimsUnitOfWork, event: ProductCatalogued) -> None:
    await uow.sales.record_problems(event.data.ean, list(event.data.problems))
    await uow.commit()


async def record_assessment(uow: ClaimsUnitOfWork, event: WarrantyAssessed) -> None:
    await uow.claims.store_assessment(event.data.claim_id, event.data.model_dump(mode="json"))
    await uow.commit()


# --- commands on one claim --------------------------------------------------------------------


def _act(ctx: ClaimsContext, actor: Actor, correlation_id: UUID) -> Act:
    return Act(actor.role, actor.label, ctx.clock(), correlation_id)


async def _save(uow: ClaimsUnitOfWork, claim: Claim, events: list[Event]) -> None:
    """The claim and its events, committed together."""
    await uow.claims.save(claim)
    await uow.publish(*events)
    await uow.commit()
    for event in events:
        log.info(
            "claim event",
            claim_id=str(claim.claim_id),
            event_type=event.type,
            event_id=str(event.event_id),
            correlation_id=str(event.correlation_id),
        )


ClaimCommand = Callable[[Claim, Act], list[Event]]


async def run_command(
    ctx: ClaimsContext,
    claim_id: UUID,
    actor: Actor,
    correlation_id: UUID,
    command: ClaimCommand,
) -> list[Event]:
    """Load the claim (locked), call one of its methods, save it and its events together.
    A customer reaches only their own claims: another's is "not found"."""
    async with ctx.uow() as uow:
        claim = await uow.claims.get(claim_id, lock=True)
        if claim is None or (actor.role == "customer" and claim.account_id != actor.subject):
            raise CLAIM_NOT_FOUND
        events = command(claim, _act(ctx, actor, correlation_id))
        await _save(uow, claim, events)
    return events


async def record_replacement(
    ctx: ClaimsContext,
    claim_id: UUID,
    actor: Actor,
    correlation_id: UUID,
    serial_number: str,
    ean: str | None,
) -> list[Event]:
    """The replacement unit, with the sales ledger's word on whether its serial was sold."""
    async with ctx.uow() as uow:
        claim = await uow.claims.get(claim_id, lock=True)
        if claim is None:
            raise CLAIM_NOT_FOUND
        sold = await uow.sales.serial_sold("".join(serial_number.split()).upper())
        events = claim.record_replacement(
            _act(ctx, actor, correlation_id), serial_number, ean, sold=sold
        )
        await _save(uow, claim, events)
    return events


@dataclass(frozen=True)
class VoidMark:
    """An operator's finding that the claimed unit's warranty is void."""

    reason: str  # a code of shared.claims_vocabulary.WARRANTY_VOID_REASONS
    evidence: tuple[UUID, ...] = ()  # the claim's attachments that show it
    note: str | None = None


async def mark_warranty_void(
    ctx: ClaimsContext, claim_id: UUID, actor: Actor, correlation_id: UUID, mark: VoidMark
) -> list[Event]:
    """The finding goes on the claim's timeline and to warranty as WarrantyVoidMarked: what the
    mark means for coverage is warranty's rule (it keeps the mark in the unit's passport)."""
    return await run_command(
        ctx,
        claim_id,
        actor,
        correlation_id,
        lambda claim, act: claim.mark_warranty_void(act, mark.reason, mark.evidence, mark.note),
    )


@dataclass(frozen=True)
class NewCharge:
    """An operator's charge to the customer. `transport_damage_reported`: the operator says the
    parcel came damaged in transport with a courier's report (intake records no such fact yet)."""

    kind: str
    amount: Decimal | None
    reason: str
    transport_damage_reported: bool = False


RETURNS_COUNTED_OVER = timedelta(days=365)  # the administrative fee counts returns in 12 months


async def add_charge(
    ctx: ClaimsContext,
    claim_id: UUID,
    actor: Actor,
    correlation_id: UUID,
    charge: NewCharge,
    request: IdempotentRequest | None = None,
) -> list[Event]:
    """A charge on the claim, with the customer's returns of the last 12 months counted for the
    administrative fee. `request`: its Idempotency-Key, kept with the charge it made (a retry
    after a crash finds the charge, and adds no second one)."""
    async with ctx.uow() as uow:
        claim = await uow.claims.get(claim_id, lock=True)
        if claim is None:
            raise CLAIM_NOT_FOUND
        until = claim.created_at
        returns = await uow.claims.returns_filed(
            claim.account_id, until - RETURNS_COUNTED_OVER, until
        )
        facts = ChargeFacts(charge.transport_damage_reported, returns)
        act = _act(ctx, actor, correlation_id)
        events = claim.add_charge(act, charge.kind, charge.amount, charge.reason, facts)
        await uow.remember_request(request, claim.charges[-1].charge_id)
        await _save(uow, claim, events)
    return events


async def send_to_manufacturer(
    ctx: ClaimsContext,
    claim_id: UUID,
    actor: Actor,
    correlation_id: UUID,
    case_number: str,
    sent_on: date,
    request: IdempotentRequest | None = None,
) -> int:
    """The unit handed to DJI's official service; the answer is the trip's number on the claim
    (1 for the first). `request`: its Idempotency-Key, kept with that number (a retry after a
    crash finds the trip, and sends nothing twice)."""
    async with ctx.uow() as uow:
        claim = await uow.claims.get(claim_id, lock=True)
        if claim is None:
            raise CLAIM_NOT_FOUND
        events = claim.send_to_manufacturer(_act(ctx, actor, correlation_id), case_number, sent_on)
        trip = len(claim.manufacturer_handoffs)
        await uow.remember_request(request, trip)
        await _save(uow, claim, events)
    return trip


# --- deadlines that act by themselves ---------------------------------------------------------

# The scheduler's actor in records and events: no person clicked.
SCHEDULER = Actor("system", UUID(int=0), "terminy")
MAX_ACTIVE_CLAIMS = 100_000


@dataclass(frozen=True)
class DeadlineRun:
    """What one run of the deadline rules did."""

    events: list[Event]
    at_risk: list[AtRiskClaim]
    digest_sent: bool


async def _apply_deadlines(ctx: ClaimsContext, claim_id: UUID) -> list[Event]:
    """One claim's deadline rules, saved only when they did something."""
    async with ctx.uow() as uow:
        claim = await uow.claims.get(claim_id, lock=True)
        if claim is None:
            return []
        events = claim.apply_deadlines(_act(ctx, SCHEDULER, uuid4()))
        if events:
            await _save(uow, claim, events)
    return events


def _may_act(listing: ClaimListing, today: date) -> bool:
    """A cheap superset, from the list's columns, of the claims whose deadline rules may act
    today, so that a run loads (and locks) only those; `Claim.apply_deadlines` decides."""
    if listing.status == "decided":
        return True  # an offer awaiting its answer, a rejected return's goods
    for deadline in listing.deadlines:
        due = deadline.due_on
        if due is None:
            continue
        if (
            deadline.kind == "complaint_answer"
            and listing.deadline_facts.decided_at is None
            and due < today
        ):
            return True
        if (
            deadline.kind == "scooter_repair"
            and listing.status == "in_repair"
            and (due - today).days <= DELAY_NOTICE_DAYS
        ):
            return True
    return False


def _at_risk(listing: ClaimListing, today: date) -> list[AtRiskClaim]:
    return [
        AtRiskClaim(
            claim_id=listing.claim_id,
            rma_number=listing.rma_number,
            status=listing.status,
            deadline=standing.kind,
            due_on=standing.moved_to,
            working_days_left=standing.working_days_left(today),
        )
        for standing in listing.deadline_facts.standings(today)
        if (left := standing.working_days_left(today)) is not None
        and left <= AT_RISK_WORKING_DAYS
        and standing.moved_to is not None
    ]


async def run_deadlines(ctx: ClaimsContext) -> DeadlineRun:
    """Every deadline rule of every active claim, as of now; then, once a day, the service
    desk's list of the claims whose deadline is 3 working days away or less. Safe to run twice
    at once: each claim is locked while its rules run, and the day's list is sent once."""
    today = ctx.today()
    async with ctx.uow() as uow:
        # Claims whose deadlines or offers may still act.
        active = await uow.listings.by_status(list(ACTIVE_STATUSES), MAX_ACTIVE_CLAIMS, True)
    events: list[Event] = []
    for listing in active:
        if _may_act(listing, today):
            events += await _apply_deadlines(ctx, listing.claim_id)
    # From the same list: what the rules did (an acceptance by law of an overdue complaint, an
    # offer's expiry) changes no running deadline's days.
    at_risk = [claim for listing in active for claim in _at_risk(listing, today)]
    async with ctx.uow() as uow:
        sent = bool(at_risk) and await uow.claims.first_digest_of(today)
        if sent:
            digest = DeadlinesAtRisk(
                producer=PRODUCER,
                key=today.isoformat(),
                data=DeadlinesAtRiskData(day=today, claims=tuple(at_risk)),
            )
            await uow.publish(digest)
            await uow.commit()
            events.append(digest)
    if events:
        log.info("deadline rules acted", events=len(events), at_risk=len(at_risk))
    return DeadlineRun(events, at_risk, sent)


# --- filing ---------------------------------------------------------------------------------


async def _purchase(
    uow: ClaimsUnitOfWork, account_id: UUID, document_type: str, document_number: str, line_no: int
) -> Purchase | None:
    """The document linked to the account and its line, when both are there."""
    owned = await uow.sales.owned_document(account_id, document_type, document_number.upper())
    return _purchase_of(owned, line_no)


def _purchase_of(owned: OwnedDocument | None, line_no: int) -> Purchase | None:
    line = owned.line(line_no) if owned is not None else None
    if owned is None or line is None:
        return None
    document = owned.document
    return Purchase(
        buyer_type=document.buyer_type,
        document_number=document.document_number,
        sold_on=document.issued_on,
        delivered_on=document.delivered_on,
        email=owned.email,
        language=owned.language,
        line=form.ClaimedLine.from_sale_line(line),
    )


@dataclass(frozen=True)
class ClaimOptions:
    """What the claim form offers for one product: each claim type with its verdict, the
    problems to choose from (empty: a free description will do), and whether a return asks
    about the seal (data carriers, software and hygiene goods)."""

    claim_types: list[eligibility.ClaimTypeVerdict]
    problems: list[str]
    asks_seal: bool
    # The administrative fee a return of this product would carry (the customer's 4th or later
    # in 12 months), told before the return is filed; None when none would.
    return_fee: Decimal | None = None


async def _registered_on(uow: ClaimsUnitOfWork, serials: tuple[str, ...]) -> date | None:
    """When the unit was registered with the distributor, if one unit is meant."""
    return await uow.sales.registered_on(serials[0]) if len(serials) == 1 else None


async def claim_options(
    ctx: ClaimsContext, account_id: UUID, document_type: str, document_number: str, line_no: int
) -> ClaimOptions:
    async with ctx.uow() as uow:
        found = await _purchase(uow, account_id, document_type, document_number, line_no)
        purchase = claimed_purchase(found)
        line = purchase.line
        problems = await uow.sales.problems(line.ean)
        registered_on = await _registered_on(uow, line.serial_numbers)
        now = ctx.clock()
        returns = await uow.claims.returns_filed(account_id, now - RETURNS_COUNTED_OVER, now)
    verdicts = eligibility.claim_type_options(
        eligibility.ClaimTypeFacts(
            "warranty",
            purchase.buyer_type,
            line.brand,
            line.category,
            purchase.handed_over_on,
            ctx.today(),
            activated_on=line.activated_on,
            registered_on=registered_on,
        )
    )
    fee = administrative_fee_ahead(returns, line.unit_price)
    return ClaimOptions(verdicts, problems, eligibility.sealed_goods(line.category), fee)


async def _filing_facts(
    uow: ClaimsUnitOfWork, command: ClaimForm, act: Act, *, numbered: bool = True
) -> FilingFacts:
    """What the stores know about the form; the ledger's read takes the serial number's lock
    (held until the unit of work ends, so a second filing waits and then sees this one), and
    the open claim's lookup comes after it.
    `numbered`: with the next RMA number (a bulk filing takes it only for a row that passes)."""
    serial = form.claimed_serial(command.serial_number)
    problem = (command.problem_code or "").strip() or None
    records = await uow.sales.filing_records(
        command.account_id, command.document_type, command.document_number.upper(), serial
    )
    purchase = _purchase_of(records.owned if records else None, command.line_no)
    if records is None or purchase is None:
        rma_number = ""  # refused before it is needed
        return FilingFacts(uuid4(), uuid4(), rma_number, None)
    open_claim, rma_number, settled = None, "", None
    if serial and numbered:  # the serial's claims and the RMA number in one round trip
        facts = await uow.claims.serial_facts(serial, act.day.year, problem)
        open_claim, settled = facts.open_claim, facts.settled_defect
        rma_number = form.format_rma_number(facts.rma_sequence, act.day.year)
    elif serial:
        open_claim = await uow.claims.open_claim_for_serial(serial)
        settled = await uow.claims.settled_defect(serial, problem) if problem else None
    elif numbered:
        rma_number = await next_rma_number(uow, act)
    return FilingFacts(
        claim_id=uuid4(),
        sales_document_id=uuid4(),
        purchase=purchase,
        problems=tuple(records.problems(purchase.line.ean)),
        registered_on=records.registered_on,
        open_claim=open_claim,
        settled_defect=settled,
        account_address=records.contact.address if records.contact is not None else None,
        rma_number=rma_number,
    )


async def next_rma_number(uow: ClaimsUnitOfWork, act: Act) -> str:
    return form.format_rma_number(await uow.claims.next_rma_sequence(act.day.year), act.day.year)


async def create_claim(
    ctx: ClaimsContext,
    command: ClaimForm,
    correlation_id: UUID,
    request: IdempotentRequest | None = None,
) -> ClaimCreated:
    """The facts gathered, the claim filed by the domain (every rule is `Claim.file`'s), saved;
    with `request`, its Idempotency-Key is kept in the same commit."""
    act = Act("customer", f"customer:{command.account_id}", ctx.clock(), correlation_id)
    async with ctx.uow() as uow:
        claim, events = Claim.file(command, await _filing_facts(uow, command, act), act)
        await uow.claims.add(claim)
        await uow.publish(*events)
        await uow.remember_request(request, claim.claim_id)
        await uow.commit()
    log.info("claim created", claim_id=str(claim.claim_id), rma_number=claim.rma_number)
    created = events[0]
    assert isinstance(created, ClaimCreated)
    return created


# --- evidence at intake -----------------------------------------------------------------------


@dataclass(frozen=True)
class IntakeEvidenceForm:
    """What the scanner page or the operator's page sends: the facts, the photos and the
    courier's damage report (each file's type read from its content)."""

    facts: evidence.EvidenceFacts
    photos: tuple[Attachment, ...] = ()
    damage_report: Attachment | None = None


async def record_intake_evidence(
    ctx: ClaimsContext,
    claim_id: UUID,
    actor: Actor,
    correlation_id: UUID,
    found: IntakeEvidenceForm,
    request: IdempotentRequest | None = None,
) -> list[Event]:
    """`request`: its Idempotency-Key, kept with the evidence in the same commit (a retry after a
    crash finds it recorded, and adds no second copy of its photos)."""
    photos = tuple(checked_attachment(p, evidence.PHOTO_PURPOSE) for p in found.photos)
    report = (
        checked_attachment(found.damage_report, evidence.DAMAGE_REPORT_PURPOSE)
        if found.damage_report is not None
        else None
    )
    async with ctx.uow() as uow:
        claim = await uow.claims.get(claim_id, lock=True)
        if claim is None:
            raise CLAIM_NOT_FOUND
        act = _act(ctx, actor, correlation_id)
        events = claim.record_intake_evidence(act, found.facts, photos, report)
        await uow.remember_request(request, claim.claim_id)
        await _save(uow, claim, events)
    return events


# --- scanners and parcels --------------------------------------------------------------------


@dataclass(frozen=True)
class ScanResult:
    parcel_id: UUID
    claim_id: UUID | None
    rma_number: str | None
    duplicate: bool
    attention: str | None = None
    serial_mismatch: bool = False
    missing_items: tuple[str, ...] = ()


PARCEL_UNREADABLE = Refusal("parcel_unreadable", "rma_number", variant="numbers")


def read_parcel_label(
    code: str | None, rma_number: str | None, tracking_number: str | None
) -> intake.Label:
    """The label as one scanned code (the domain tells an RMA number from a tracking number),
    or as the two numbers a scanner device sends itself."""
    if code is not None:
        return intake.read_label(code)
    rma = (rma_number or "").strip().upper() or None
    tracking = "".join((tracking_number or "").split()).upper() or None
    if rma is None and tracking is None:
        raise PARCEL_UNREADABLE
    return intake.Label(rma, tracking)


@dataclass(frozen=True)
class LabelMatch:
    """What a label leads to: a parcel received before with its tracking number, and the claim
    (of that parcel, by the RMA number, or by the tracking number the claim expects)."""

    known_parcel: StoredParcel | None
    claim: Claim | None


async def _match_label(uow: ClaimsUnitOfWork, label: intake.Label) -> LabelMatch:
    tracking = label.tracking_number
    if tracking is not None and (known := await uow.parcels.by_tracking(tracking)):
        claim = await uow.claims.get(known.claim_id) if known.claim_id else None
        return LabelMatch(known, claim)
    claim = await uow.claims.by_rma_number(label.rma_number) if label.rma_number else None
    if claim is None and tracking is not None:
        claim = await uow.claims.by_inbound_tracking(
            tracking
        ) or await uow.claims.by_outbound_tracking(tracking)
    return LabelMatch(None, claim)


async def receive_parcel(
    ctx: ClaimsContext,
    actor: Actor,
    label: intake.Label,
    correlation_id: UUID,
    check: intake.IntakeCheck | None = None,
    request: IdempotentRequest | None = None,
) -> ScanResult:
    """With `request`, its Idempotency-Key is kept with the parcel in the same commit."""
    act = _act(ctx, actor, correlation_id)
    async with ctx.uow() as uow:
        match = await _match_label(uow, label)
        if (known := match.known_parcel) is not None:
            return ScanResult(known.parcel_id, known.claim_id, known.rma_number, True)
        claim = match.claim
        parcel = ParcelRecord(uuid4(), label.tracking_number, actor.label, act.at)
        if claim is None:
            await uow.remember_request(request, parcel.parcel_id)
            await _queue_unidentified(uow, parcel, label.rma_number, act)
            return ScanResult(parcel.parcel_id, None, label.rma_number, False)
        if await uow.parcels.attention_open_for(claim.claim_id):
            return ScanResult(parcel.parcel_id, claim.claim_id, claim.rma_number, True)
        events = claim.receive_parcel(act, parcel, check=check)
        if events:  # a repeated scan stores no parcel
            await uow.remember_request(request, parcel.parcel_id)
        await _save(uow, claim, events)
    received = next((e.data for e in events if isinstance(e, ParcelReceived)), None)
    return ScanResult(
        parcel.parcel_id,
        claim.claim_id,
        claim.rma_number,
        not events,
        received.attention if received else None,
        received.serial_mismatch if received else False,
        received.missing_items if received else (),
    )


async def parcel_scanned(ctx: ClaimsContext, parcel_id: UUID) -> ScanResult:
    """The receipt an earlier request with the same Idempotency-Key made before it died
    (shared/idempotency.py): rebuilt from the stored parcel and its claim's intake."""
    async with ctx.uow() as uow:
        parcel = await uow.parcels.get(parcel_id)
        claim = await uow.claims.get(parcel.claim_id) if parcel and parcel.claim_id else None
    if parcel is None:  # the key's request made it: it cannot be gone
        raise LookupError(f"parcel {parcel_id} not found")
    found = claim.intake if claim is not None else None
    return ScanResult(
        parcel.parcel_id,
        parcel.claim_id,
        parcel.rma_number,
        False,
        parcel.attention,
        found.serial_mismatch if found else False,
        found.missing_items if found else (),
    )


@dataclass(frozen=True)
class LabelLookup:
    """What the scanner page shows for a label before the receipt is confirmed."""

    label: intake.Label
    outlook: intake.LabelOutlook
    claim: Claim | None
    parcel_received_at: datetime | None = None


async def look_up_label(ctx: ClaimsContext, code: str) -> LabelLookup:
    label = intake.read_label(code)
    async with ctx.uow() as uow:
        match = await _match_label(uow, label)
        claim = match.claim
        if match.known_parcel is not None:
            return LabelLookup(label, "parcel_known", claim, match.known_parcel.received_at)
        if claim is None:
            return LabelLookup(label, "unknown", None)
        if await uow.parcels.attention_open_for(claim.claim_id):
            return LabelLookup(label, "already_queued", claim)
    return LabelLookup(label, claim.scan_outlook(), claim)


async def _queue_unidentified(
    uow: ClaimsUnitOfWork, parcel: ParcelRecord, rma: str | None, act: Act
) -> None:
    """A parcel that matches no claim waits in the unidentified queue (announced, no email)."""
    await uow.parcels.add_unidentified(parcel, rma)
    await uow.publish(
        ParcelReceived(
            producer=PRODUCER,
            key=str(parcel.parcel_id),
            correlation_id=act.correlation_id,
            data=ParcelReceivedData(
                parcel_id=parcel.parcel_id,
                rma_number=rma,
                tracking_number=parcel.tracking_number,
                received_at=parcel.received_at,
                scanned_by=parcel.scanned_by,
            ),
        ),
    )
    await uow.commit()


PARCEL_NOT_UNIDENTIFIED = Refusal("parcel_not_unidentified", "parcel_id", status_code=404)


async def attach_parcel(
    ctx: ClaimsContext, parcel_id: UUID, rma_number: str, actor: Actor, correlation_id: UUID
) -> UUID:
    """An operator identifies a parcel from the unidentified queue as a claim's."""
    act = _act(ctx, actor, correlation_id)
    async with ctx.uow() as uow:
        stored = await uow.parcels.unidentified(parcel_id)
        if stored is None:
            raise PARCEL_NOT_UNIDENTIFIED
        claim = await uow.claims.by_rma_number(rma_number.strip())
        if claim is None:
            raise CLAIM_NOT_FOUND
        await uow.parcels.assign(parcel_id, claim.claim_id, actor.label)
        parcel = ParcelRecord(
            parcel_id, stored.tracking_number, stored.scanned_by, stored.received_at
        )
        events = claim.receive_parcel(act, parcel)
        await _save(uow, claim, events)
    return claim.claim_id


async def resolve_attention_parcel(ctx: ClaimsContext, parcel_id: UUID, actor: Actor) -> None:
    async with ctx.uow() as uow:
        if not await uow.parcels.resolve_attention(parcel_id, actor.label):
            raise Refusal("parcel_not_waiting", "parcel_id", status_code=404)
        await uow.commit()


# --- queries ----------------------------------------------------------------------------------


async def load_claim(ctx: ClaimsContext, claim_id: UUID, account_id: UUID | None) -> Claim:
    """A claim to show; with `account_id`, only that customer's own."""
    async with ctx.uow() as uow:
        return await _visible_claim(uow, claim_id, account_id)


async def _visible_claim(uow: ClaimsUnitOfWork, claim_id: UUID, account_id: UUID | None) -> Claim:
    claim = await uow.claims.get(claim_id)
    if claim is None or (account_id is not None and claim.account_id != account_id):
        raise CLAIM_NOT_FOUND
    return claim


@dataclass(frozen=True)
class ClaimView:
    """A claim to show, with the warranty service's last verdict on it, as it published it."""

    claim: Claim
    assessment: dict[str, Any] | None


async def claim_view(ctx: ClaimsContext, claim_id: UUID, account_id: UUID | None) -> ClaimView:
    async with ctx.uow() as uow:
        claim = await _visible_claim(uow, claim_id, account_id)
        return ClaimView(claim, await uow.claims.assessment(claim_id))


@dataclass(frozen=True)
class OperatorClaimView(ClaimView):
    """What the operator's claim view shows beside the claim: the customer and the document."""

    contact: CustomerContact | None
    document: SalesDocument | None
    attachments: list[AttachmentInfo]


async def operator_claim_view(ctx: ClaimsContext, claim_id: UUID) -> OperatorClaimView:
    async with ctx.uow() as uow:
        claim = await _visible_claim(uow, claim_id, None)
        return OperatorClaimView(
            claim,
            await uow.claims.assessment(claim_id),
            await uow.sales.contact(claim.account_id),
            await uow.sales.document(claim.document_type, claim.document_number),
            await uow.claims.attachments(claim_id),
        )


ATTACHMENT_NOT_FOUND = Refusal("attachment_not_found", "attachment_id", status_code=404)


async def attachment_file(
    ctx: ClaimsContext, claim_id: UUID, attachment_id: UUID, account_id: UUID | None
) -> AttachmentFile:
    async with ctx.uow() as uow:
        claim = await _visible_claim(uow, claim_id, account_id)
        stored = await uow.claims.attachment_file(claim.claim_id, attachment_id)
    if stored is None:
        raise ATTACHMENT_NOT_FOUND
    return stored


# Lists read the claims as they stand (a read model): one query, no aggregate per row.


async def search_claims(ctx: ClaimsContext, account_id: UUID, query: str) -> list[ClaimListing]:
    async with ctx.uow() as uow:
        return await uow.listings.search(account_id, query)


@dataclass(frozen=True)
class ListedClaim:
    """A claim of the operators' list, with its deadlines as the claims domain judges them."""

    listing: ClaimListing
    deadline_standings: list[DeadlineStanding]


async def claims_by_status(
    ctx: ClaimsContext, statuses: list[str] | None, limit: int, oldest_first: bool
) -> list[ListedClaim]:
    async with ctx.uow() as uow:
        found = await uow.listings.by_status(statuses, limit, oldest_first)
    today = ctx.today()
    return [ListedClaim(listing, listing.deadline_facts.standings(today)) for listing in found]


async def count_claims_by_status(ctx: ClaimsContext) -> dict[str, int]:
    async with ctx.uow() as uow:
        return await uow.listings.count_by_status()


async def parcels_for_operators(ctx: ClaimsContext) -> list[StoredParcel]:
    async with ctx.uow() as uow:
        return await uow.parcels.needing_operator()


async def serial_known(ctx: ClaimsContext, serial: str) -> bool:
    async with ctx.uow() as uow:
        return await uow.sales.serial_sold(serial)


@dataclass(frozen=True)
class ClaimStatistics:
    since: date
    until: date
    daily: list[DailyCount]
    deadlines: list[DeadlinesOfWeek]
    decision_times: list[DecisionTime]


async def claim_statistics(ctx: ClaimsContext, days: int) -> ClaimStatistics:
    """The operators' figures of the last `days` days, today included."""
    today = ctx.today()
    since = today - timedelta(days=days - 1)
    async with ctx.uow() as uow:
        daily = await uow.listings.daily_counts(since, today)
        times = await uow.listings.decision_times(since, today)
        facts = await uow.listings.deadline_facts(since)
    return ClaimStatistics(since, today, daily, deadlines_kept_per_week(facts, since, today), times)


async def finance_export(ctx: ClaimsContext, month: str) -> str:
    """The month's refunds and paid charges as CSV (`finance.HEADER`), amounts in grosze."""
    since, until = finance.month_bounds(month)
    async with ctx.uow() as uow:
        movements = await uow.listings.money_movements(since, until)
    return csv_text(finance.HEADER, finance.movement_rows(movements))
