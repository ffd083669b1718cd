"""Service layer of claims: each command loads the Claim, calls one of its methods, and saves the
claim with the events it returned (outbox) in one transaction; queries read what pages show."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import asyncpg

from services.claims.adapters import repository, statistics
from services.claims.adapters.claim_repository import ClaimRepository, deadline_facts_of
from services.claims.domain import eligibility, form, intake
from services.claims.domain.claim import (
    Act,
    Claim,
    Filing,
    NewAttachment,
    ParcelRecord,
)
from services.claims.domain.deadlines import DeadlineStanding
from services.claims.domain.statistics import DeadlinesOfWeek, deadlines_kept_per_week
from shared.db import Conn
from shared.errors import BusinessRuleError, Message
from shared.events import (
    AccountContactChanged,
    AccountEmailChanged,
    BuyerType,
    ClaimCreated,
    ClaimedProduct,
    ClaimType,
    DocumentLinked,
    DocumentType,
    Event,
    ParcelReceived,
    ParcelReceivedData,
    PostalAddress,
    ProductCatalogued,
    SaleLine,
    SaleRecorded,
    WarrantyAssessed,
)
from shared.logging import get_logger
from shared.outbox import add_to_outbox

log = get_logger(__name__)
PRODUCER = "claims"

PRODUCT_NOT_CLAIMABLE = BusinessRuleError(
    "product_not_on_linked_document",
    Message(
        "Ten produkt nie znajduje się na dokumencie zakupu powiązanym z Twoim kontem. "
        "Najpierw powiąż dokument zakupu.",
        "This product is not on a purchase document linked to your account. Link it first.",
    ),
    field="line_no",
)
CLAIM_NOT_FOUND = BusinessRuleError(
    "claim_not_found",
    Message("Nie znaleziono zgłoszenia.", "Claim not found."),
    field="claim_id",
    status_code=404,
)
RETURN_ADDRESS_REQUIRED = BusinessRuleError(
    "return_address_required",
    Message(
        "Podaj adres zwrotny (albo zapisz adres na swoim koncie): bez adresu nie odeślemy "
        "produktu.",
        "Give a return address (or keep one on your account): nothing is shipped without it.",
    ),
    field="return_address",
)


@dataclass
class ClaimsContext:
    pool: asyncpg.Pool
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)


@dataclass(frozen=True)
class Actor:
    role: str  # customer | operator | scanner
    subject: UUID
    # What people recognise (an operator's email, a scanner's name); unique like the id.
    readable_name: str | None = None

    @property
    def label(self) -> str:
        return f"{self.role}:{self.readable_name or self.subject}"


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes


def checked_attachment(attachment: Attachment, purpose: str) -> NewAttachment:
    """A file kept with a claim; its type is read from its content, whatever its name says."""
    return NewAttachment(
        uuid4(),
        purpose,
        attachment.filename,
        form.attachment_type(attachment.content),
        attachment.content,
    )


# --- projections --------------------------------------------------------------------------


async def record_sale(conn: Conn, event: SaleRecorded) -> None:
    await repository.upsert_sales_document(conn, event.data)


async def record_document_owner(conn: Conn, event: DocumentLinked) -> None:
    await repository.upsert_document_owner(conn, event.data)


async def record_email_change(conn: Conn, event: AccountEmailChanged) -> None:
    await repository.change_account_email(conn, event.data.account_id, event.data.email)


async def record_contact(conn: Conn, event: AccountContactChanged) -> None:
    await repository.upsert_customer_contact(conn, event.data)


async def record_product(conn: Conn, event: ProductCatalogued) -> None:
    await repository.upsert_product_problems(conn, event.data.ean, list(event.data.problems))


async def record_assessment(conn: Conn, event: WarrantyAssessed) -> None:
    data = event.data.model_dump(mode="json")
    await repository.store_assessment(conn, event.data.claim_id, data)
    await repository.store_deadlines(conn, event.data.claim_id, data["deadlines"])


# --- commands on one claim --------------------------------------------------------------------


def _act(ctx: ClaimsContext, actor: Actor, correlation_id: UUID) -> Act:
    return Act(actor.role, actor.label, ctx.clock(), correlation_id)


async def _save(conn: Conn, repo: ClaimRepository, claim: Claim, events: list[Event]) -> None:
    await repo.save(claim)
    for event in events:
        await add_to_outbox(conn, event)
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
    async with ctx.pool.acquire() as conn, conn.transaction():
        repo = ClaimRepository(conn)
        claim = await repo.get(claim_id, lock=True)
        if claim is None or (actor.role == "customer" and claim.account_id != actor.subject):
            raise CLAIM_NOT_FOUND
        events = command(claim, _act(ctx, actor, correlation_id))
        await _save(conn, repo, claim, events)
    return events


# --- filing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewClaim:
    account_id: UUID
    document_type: DocumentType
    document_number: str
    line_no: int
    claim_type: ClaimType
    problem_description: str
    package_contents: str
    attachment: Attachment
    serial_number: str | None = None
    problem_code: str | None = None
    tracking_number: str | None = None
    customer_reference: str | None = None
    return_address: PostalAddress | None = None  # another address than the account's
    unit_details: form.UnitDetails = field(default_factory=form.UnitDetails)


async def _owned_line(
    conn: Conn, account_id: UUID, document_type: str, document_number: str, line_no: int
) -> tuple[asyncpg.Record, form.ClaimedLine]:
    """The document linked to the account and its line; refused when either is not there."""
    document = await repository.find_owned_document(
        conn, account_id, document_type, document_number.upper()
    )
    if document is None:
        raise PRODUCT_NOT_CLAIMABLE
    lines = {int(line["line_no"]): line for line in document["lines"]}
    if line_no not in lines:
        raise PRODUCT_NOT_CLAIMABLE
    return document, form.ClaimedLine.from_sale_line(SaleLine.model_validate(lines[line_no]))


def _buyer_type(document: asyncpg.Record) -> BuyerType:
    """From the purchase document (the ERP's buyer), not from what the account declares."""
    buyer: BuyerType = document["buyer_type"]
    return buyer


@dataclass(frozen=True)
class ClaimOptions:
    """What the claim form offers for one product: each claim type with its verdict, and the
    problems to choose from (empty: a free description will do)."""

    claim_types: list[eligibility.ClaimTypeVerdict]
    problems: list[str]


async def claim_options(
    ctx: ClaimsContext, account_id: UUID, document_type: str, document_number: str, line_no: int
) -> ClaimOptions:
    async with ctx.pool.acquire() as conn:
        document, line = await _owned_line(
            conn, account_id, document_type, document_number, line_no
        )
        problems = await repository.product_problems(conn, line.ean)
    verdicts = eligibility.claim_type_options(
        _buyer_type(document),
        line.brand,
        line.category,
        document["delivered_on"] or document["issued_on"],
        ctx.clock().date(),
    )
    return ClaimOptions(verdicts, problems)


async def _return_address(conn: Conn, command: NewClaim) -> PostalAddress:
    if command.return_address is not None:
        return command.return_address
    contact = await repository.customer_contact(conn, command.account_id)
    if contact is None or contact["address"] is None:
        raise RETURN_ADDRESS_REQUIRED
    return PostalAddress.model_validate(contact["address"])


def _second_open_claim(rma_number: str) -> BusinessRuleError:
    return BusinessRuleError(
        "open_claim_for_serial",
        Message(
            f"Dla tego numeru seryjnego jest już otwarte zgłoszenie {rma_number}. Śledź je "
            "albo dopisz informacje do niego.",
            f"This serial number already has an open claim: {rma_number}.",
        ),
        field="serial_number",
        status_code=409,
        extra={"rma_number": rma_number},
    )


async def create_claim(ctx: ClaimsContext, command: NewClaim, correlation_id: UUID) -> ClaimCreated:
    sales_document = checked_attachment(command.attachment, "sales_document")
    act = Act("customer", f"customer:{command.account_id}", ctx.clock(), correlation_id)
    async with ctx.pool.acquire() as conn, conn.transaction():
        document, line = await _owned_line(
            conn,
            command.account_id,
            command.document_type,
            command.document_number,
            command.line_no,
        )
        verdict = eligibility.check_claim_type_allowed(
            eligibility.ClaimTypeFacts(
                command.claim_type,
                _buyer_type(document),
                line.brand,
                line.category,
                document["delivered_on"] or document["issued_on"],
                act.at.date(),
            )
        )
        serial = form.check_serial_number(line, command.serial_number)
        if serial is not None and (
            open_rma := await repository.open_claim_for_serial(conn, serial)
        ):
            raise _second_open_claim(open_rma)
        problem = form.check_problem(
            await repository.product_problems(conn, line.ean), command.problem_code
        )
        return_address = await _return_address(conn, command)
        sequence = await repository.next_rma_sequence(conn, act.at.year)
        claim, events = Claim.file(
            Filing(
                claim_id=uuid4(),
                rma_number=form.format_rma_number(sequence, act.at.year),
                account_id=command.account_id,
                email=document["email"],
                language=document["language"],
                buyer_type=_buyer_type(document),
                verdict=verdict,
                document_type=command.document_type,
                document_number=document["document_number"],
                sold_on=document["issued_on"],
                delivered_on=document["delivered_on"],
                line_no=command.line_no,
                product=ClaimedProduct(
                    ean=line.ean,
                    sku=line.sku,
                    name=line.name,
                    brand=line.brand,
                    category=line.category,
                    outlet=line.outlet,
                ),
                unit_price=line.unit_price,
                serial_number=serial,
                problem_description=command.problem_description.strip(),
                problem_code=problem,
                tracking_number=(command.tracking_number or "").strip().upper() or None,
                package_contents=command.package_contents.strip(),
                customer_reference=(command.customer_reference or "").strip() or None,
                return_address=return_address,
                sales_document=sales_document,
                unit_details=form.check_unit_details(
                    command.unit_details, document["issued_on"], act.at.date()
                ),
            ),
            act,
        )
        repo = ClaimRepository(conn)
        await repo.add(claim)
        for event in events:
            await add_to_outbox(conn, event)
    log.info("claim created", claim_id=str(claim.claim_id), rma_number=claim.rma_number)
    created = events[0]
    assert isinstance(created, ClaimCreated)
    return created


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


PARCEL_UNREADABLE = BusinessRuleError(
    "parcel_unreadable",
    Message(
        "Podaj numer RMA albo numer przesyłki z etykiety.",
        "Give the RMA number or the tracking number from the label.",
    ),
    field="rma_number",
)


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

    known_parcel: asyncpg.Record | None
    claim: Claim | None


async def _match_label(conn: Conn, repo: ClaimRepository, label: intake.Label) -> LabelMatch:
    tracking = label.tracking_number
    if tracking is not None and (known := await repository.find_parcel_by_tracking(conn, tracking)):
        claim = await repo.get(known["claim_id"]) if known["claim_id"] else None
        return LabelMatch(known, claim)
    claim = await repo.by_rma_number(label.rma_number) if label.rma_number else None
    if claim is None and tracking is not None:
        claim = await repo.by_inbound_tracking(tracking) or await repo.by_outbound_tracking(
            tracking
        )
    return LabelMatch(None, claim)


async def receive_parcel(
    ctx: ClaimsContext,
    actor: Actor,
    label: intake.Label,
    correlation_id: UUID,
    check: intake.IntakeCheck | None = None,
) -> ScanResult:
    act = _act(ctx, actor, correlation_id)
    async with ctx.pool.acquire() as conn, conn.transaction():
        repo = ClaimRepository(conn)
        match = await _match_label(conn, repo, label)
        if (known := match.known_parcel) is not None:
            return ScanResult(known["parcel_id"], known["claim_id"], known["rma_number"], True)
        claim = match.claim
        parcel = ParcelRecord(uuid4(), label.tracking_number, actor.label, act.at)
        if claim is None:
            await _queue_unidentified(conn, parcel, label.rma_number, act)
            return ScanResult(parcel.parcel_id, None, label.rma_number, False)
        if await repository.open_attention_parcel(conn, claim.claim_id):
            return ScanResult(parcel.parcel_id, claim.claim_id, claim.rma_number, True)
        events = claim.receive_parcel(act, parcel, check=check)
        await _save(conn, repo, claim, events)
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


@dataclass(frozen=True)
class LabelLookup:
    """What the scanner page shows for a label before the receipt is confirmed."""

    label: intake.Label
    outlook: intake.LabelOutlook
    claim: Claim | None
    parcel_received_at: datetime | None = None


async def look_up_label(ctx: ClaimsContext, code: str) -> LabelLookup:
    label = intake.read_label(code)
    async with ctx.pool.acquire() as conn, conn.transaction():
        match = await _match_label(conn, ClaimRepository(conn), label)
        claim = match.claim
        if match.known_parcel is not None:
            received_at: datetime = match.known_parcel["received_at"]
            return LabelLookup(label, "parcel_known", claim, received_at)
        if claim is None:
            return LabelLookup(label, "unknown", None)
        if await repository.open_attention_parcel(conn, claim.claim_id):
            return LabelLookup(label, "already_queued", claim)
    return LabelLookup(label, claim.scan_outlook(), claim)


async def _queue_unidentified(conn: Conn, parcel: ParcelRecord, rma: str | None, act: Act) -> None:
    """A parcel that matches no claim waits in the unidentified queue (announced, no email)."""
    await repository.insert_unidentified_parcel(
        conn, parcel.parcel_id, rma, parcel.tracking_number, parcel.scanned_by, parcel.received_at
    )
    await add_to_outbox(
        conn,
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


async def attach_parcel(
    ctx: ClaimsContext, parcel_id: UUID, rma_number: str, actor: Actor, correlation_id: UUID
) -> UUID:
    """An operator identifies a parcel from the unidentified queue as a claim's."""
    act = _act(ctx, actor, correlation_id)
    async with ctx.pool.acquire() as conn, conn.transaction():
        stored = await repository.lock_unidentified_parcel(conn, parcel_id)
        if stored is None:
            raise BusinessRuleError(
                "parcel_not_unidentified",
                Message(
                    "Tej przesyłki nie ma w kolejce niezidentyfikowanych.",
                    "This parcel is not in the unidentified queue.",
                ),
                field="parcel_id",
                status_code=404,
            )
        repo = ClaimRepository(conn)
        claim = await repo.by_rma_number(rma_number.strip())
        if claim is None:
            raise CLAIM_NOT_FOUND
        await repository.resolve_parcel(conn, parcel_id, claim.claim_id, actor.label)
        parcel = ParcelRecord(
            parcel_id, stored["tracking_number"], stored["scanned_by"], stored["received_at"]
        )
        events = claim.receive_parcel(act, parcel, known=True)
        await _save(conn, repo, claim, events)
    return claim.claim_id


async def resolve_attention_parcel(ctx: ClaimsContext, parcel_id: UUID, actor: Actor) -> None:
    async with ctx.pool.acquire() as conn:
        if not await repository.resolve_attention_parcel(conn, parcel_id, actor.label):
            raise BusinessRuleError(
                "parcel_not_waiting",
                Message("Ta przesyłka nie czeka na operatora.", "This parcel is not waiting."),
                field="parcel_id",
                status_code=404,
            )


# --- queries ----------------------------------------------------------------------------------


async def load_claim(ctx: ClaimsContext, claim_id: UUID, account_id: UUID | None) -> Claim:
    """A claim to show; with `account_id`, only that customer's own."""
    async with ctx.pool.acquire() as conn:
        claim = await ClaimRepository(conn).get(claim_id)
    if claim is None or (account_id is not None and claim.account_id != account_id):
        raise CLAIM_NOT_FOUND
    return claim


async def assessment(ctx: ClaimsContext, claim_id: UUID) -> dict[str, object] | None:
    """The warranty service's last verdict on the claim, as it published it."""
    async with ctx.pool.acquire() as conn:
        return await repository.assessment(conn, claim_id)


@dataclass(frozen=True)
class OperatorExtras:
    """What the operator's claim view shows beside the claim: the customer and the document."""

    contact: asyncpg.Record | None
    document: asyncpg.Record | None
    attachments: list[asyncpg.Record]


async def operator_extras(ctx: ClaimsContext, claim: Claim) -> OperatorExtras:
    async with ctx.pool.acquire() as conn:
        return OperatorExtras(
            await repository.customer_contact(conn, claim.account_id),
            await repository.sales_document(conn, claim.document_type, claim.document_number),
            await repository.attachments(conn, claim.claim_id),
        )


async def attachment_list(ctx: ClaimsContext, claim_id: UUID) -> list[asyncpg.Record]:
    async with ctx.pool.acquire() as conn:
        return await repository.attachments(conn, claim_id)


async def attachment_file(
    ctx: ClaimsContext, claim_id: UUID, attachment_id: UUID, account_id: UUID | None
) -> asyncpg.Record:
    claim = await load_claim(ctx, claim_id, account_id)
    async with ctx.pool.acquire() as conn:
        stored = await repository.attachment_content(conn, claim.claim_id, attachment_id)
    if stored is None:
        raise BusinessRuleError(
            "attachment_not_found",
            Message("Nie znaleziono załącznika.", "Attachment not found."),
            field="attachment_id",
            status_code=404,
        )
    return stored


# Lists read the claims table as it stands (a read model): one query, no aggregate per row.


async def search_claims(ctx: ClaimsContext, account_id: UUID, query: str) -> list[asyncpg.Record]:
    async with ctx.pool.acquire() as conn:
        return await repository.search_claims(conn, account_id, query)


@dataclass(frozen=True)
class ListedClaim:
    """A claim of the operators' list, with its deadlines as the claims domain judges them."""

    row: asyncpg.Record
    deadline_standings: list[DeadlineStanding]


async def claims_by_status(
    ctx: ClaimsContext, statuses: list[str] | None, limit: int, oldest_first: bool
) -> list[ListedClaim]:
    async with ctx.pool.acquire() as conn:
        rows = await repository.claims_by_status(conn, statuses, limit, oldest_first)
    today = ctx.clock().date()
    return [ListedClaim(row, deadline_facts_of(row).standings(today)) for row in rows]


async def count_claims_by_status(ctx: ClaimsContext) -> dict[str, int]:
    async with ctx.pool.acquire() as conn:
        return await repository.count_claims_by_status(conn)


async def parcels_for_operators(ctx: ClaimsContext) -> list[asyncpg.Record]:
    async with ctx.pool.acquire() as conn:
        return await repository.unidentified_parcels(conn)


async def serial_known(ctx: ClaimsContext, serial: str) -> bool:
    async with ctx.pool.acquire() as conn:
        return await repository.serial_known(conn, serial)


@dataclass(frozen=True)
class ClaimStatistics:
    since: date
    until: date
    daily: list[statistics.DailyCount]
    deadlines: list[DeadlinesOfWeek]
    decision_times: list[statistics.DecisionTime]


async def claim_statistics(ctx: ClaimsContext, days: int) -> ClaimStatistics:
    """The operators' figures of the last `days` days, today included."""
    today = ctx.clock().date()
    since = today - timedelta(days=days - 1)
    async with ctx.pool.acquire() as conn:
        daily = await statistics.daily_counts(conn, since, today)
        times = await statistics.decision_times(conn, since, today)
        facts = await statistics.deadline_facts(conn, since)
    return ClaimStatistics(since, today, daily, deadlines_kept_per_week(facts, since, today), times)
