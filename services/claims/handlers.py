"""Service layer of claims: one small function per command or event."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import asyncpg

from services.claims import domain
from services.claims.adapters import repository
from shared.db import Conn
from shared.errors import BusinessRuleError, Message
from shared.events import (
    AccountEmailChanged,
    BuyerType,
    ClaimCreated,
    ClaimCreatedData,
    ClaimDecided,
    ClaimDecidedData,
    ClaimedProduct,
    ClaimStatus,
    ClaimStatusChanged,
    ClaimStatusChangedData,
    ClaimType,
    DecisionKind,
    Deduction,
    DocumentLinked,
    DocumentType,
    ParcelReceived,
    ParcelReceivedData,
    ProductCatalogued,
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


# --- projections --------------------------------------------------------------------------


async def record_sale(conn: Conn, event: SaleRecorded) -> None:
    await repository.upsert_sales_document(conn, event.data)


async def record_document_owner(conn: Conn, event: DocumentLinked) -> None:
    await repository.upsert_document_owner(conn, event.data)


async def record_email_change(conn: Conn, event: AccountEmailChanged) -> None:
    await repository.change_account_email(conn, event.data.account_id, event.data.email)


async def record_product(conn: Conn, event: ProductCatalogued) -> None:
    await repository.upsert_product_problems(conn, event.data.ean, list(event.data.problems))


async def record_assessment(conn: Conn, event: WarrantyAssessed) -> None:
    data = event.data.model_dump(mode="json")
    await repository.store_assessment(conn, event.data.claim_id, data)
    await repository.store_deadlines(conn, event.data.claim_id, data["deadlines"])


# --- events of a claim --------------------------------------------------------------------


def _product(claim: Any) -> ClaimedProduct:
    return ClaimedProduct.model_validate(claim["product"])


async def _change_status(
    conn: Conn,
    claim: Any,
    target: ClaimStatus,
    actor: Actor,
    correlation_id: UUID,
    now: datetime,
    *,
    note: str | None = None,
    tracking_number: str | None = None,
    columns: dict[str, Any] | None = None,
) -> ClaimStatusChanged:
    """Check the transition, store it with its timeline entry, and announce it (outbox)."""
    domain.check_transition(claim["status"], target, actor.role)
    await repository.set_status(conn, claim["claim_id"], target, **(columns or {}))
    await repository.add_timeline_entry(conn, claim["claim_id"], target, actor.label, note)
    event = ClaimStatusChanged(
        producer=PRODUCER,
        key=str(claim["claim_id"]),
        correlation_id=correlation_id,
        data=ClaimStatusChangedData(
            claim_id=claim["claim_id"],
            rma_number=claim["rma_number"],
            account_id=claim["account_id"],
            email=claim["email"],
            language=claim["language"],
            claim_type=claim["claim_type"],
            product=_product(claim),
            from_status=claim["status"],
            to_status=target,
            changed_at=now,
            actor=actor.label,
            note=note,
            tracking_number=tracking_number,
            serial_number=claim["serial_number"],
        ),
    )
    await add_to_outbox(conn, event)
    log.info("claim status changed", claim_id=str(claim["claim_id"]), to_status=target)
    return event


# --- customers -----------------------------------------------------------------------------


async def _owned_line(
    conn: Conn, account_id: UUID, document_type: str, document_number: str, line_no: int
) -> tuple[asyncpg.Record, domain.ClaimedLine]:
    """The document linked to the account and its line; refused when either is not there."""
    document = await repository.find_owned_document(
        conn, account_id, document_type, document_number.upper()
    )
    if document is None:
        raise PRODUCT_NOT_CLAIMABLE
    lines = {int(line["line_no"]): line for line in document["lines"]}
    if line_no not in lines:
        raise PRODUCT_NOT_CLAIMABLE
    return document, domain.ClaimedLine.from_ledger(lines[line_no])


def _buyer_type(document: asyncpg.Record) -> BuyerType:
    return "business" if document["account_type"] == "company" else "consumer"


@dataclass(frozen=True)
class ClaimOptions:
    """What the claim form offers for one product: the claim types (each with the rule that
    refuses it, or None) and the problems to choose from (empty: a free description will do)."""

    claim_types: dict[ClaimType, BusinessRuleError | None]
    problems: list[str]


async def claim_options(
    ctx: ClaimsContext, account_id: UUID, document_type: str, document_number: str, line_no: int
) -> ClaimOptions:
    async with ctx.pool.acquire() as conn:
        document, line = await _owned_line(
            conn, account_id, document_type, document_number, line_no
        )
        problems = await repository.product_problems(conn, line.ean)
    claim_types = domain.claim_type_options(
        _buyer_type(document),
        line,
        document["delivered_on"] or document["issued_on"],
        ctx.clock().date(),
    )
    return ClaimOptions(claim_types, problems)


async def create_claim(ctx: ClaimsContext, command: NewClaim, correlation_id: UUID) -> ClaimCreated:
    content_type = domain.attachment_type(command.attachment.content)
    now = ctx.clock()
    async with ctx.pool.acquire() as conn, conn.transaction():
        document, line = await _owned_line(
            conn,
            command.account_id,
            command.document_type,
            command.document_number,
            command.line_no,
        )
        buyer_type = _buyer_type(document)
        domain.check_claim_type_allowed(
            command.claim_type,
            buyer_type,
            line,
            document["delivered_on"] or document["issued_on"],
            now.date(),
        )
        serial = domain.check_serial_number(line, command.serial_number)
        problem = domain.check_problem(
            await repository.product_problems(conn, line.ean), command.problem_code
        )

        claim_id = uuid4()
        rma_number = domain.format_rma_number(
            await repository.next_rma_sequence(conn, now.year), now.year
        )
        product = ClaimedProduct(
            ean=line.ean,
            sku=line.sku,
            name=line.name,
            brand=line.brand,
            category=line.category,
            outlet=line.outlet,
        )
        details = {
            "problem_description": command.problem_description.strip(),
            "problem_code": problem,
            "tracking_number": (command.tracking_number or "").strip().upper() or None,
            "package_contents": command.package_contents.strip(),
            "customer_reference": (command.customer_reference or "").strip() or None,
        }
        await repository.insert_claim(
            conn,
            {
                "claim_id": claim_id,
                "rma_number": rma_number,
                "account_id": command.account_id,
                "email": document["email"],
                "language": document["language"],
                "buyer_type": buyer_type,
                "claim_type": command.claim_type,
                "status": domain.INITIAL_STATUS,
                "document_type": command.document_type,
                "document_number": document["document_number"],
                "line_no": command.line_no,
                "product": product.model_dump(mode="json"),
                "serial_number": serial,
                "unit_price": line.unit_price,
                "created_at": now,
                "updated_at": now,
                **details,
            },
        )
        await repository.insert_attachment(
            conn,
            {
                "attachment_id": uuid4(),
                "claim_id": claim_id,
                "filename": command.attachment.filename[:200] or "dokument",
                "content_type": content_type,
                "size_bytes": len(command.attachment.content),
                "sha256": hashlib.sha256(command.attachment.content).hexdigest(),
                "content": command.attachment.content,
            },
        )
        await repository.add_timeline_entry(
            conn, claim_id, domain.INITIAL_STATUS, f"customer:{command.account_id}"
        )
        event = ClaimCreated(
            producer=PRODUCER,
            key=str(claim_id),
            correlation_id=correlation_id,
            occurred_at=now,
            data=ClaimCreatedData(
                claim_id=claim_id,
                rma_number=rma_number,
                account_id=command.account_id,
                email=document["email"],
                language=document["language"],
                buyer_type=buyer_type,
                claim_type=command.claim_type,
                document_type=command.document_type,
                document_number=document["document_number"],
                sold_on=document["issued_on"],
                delivered_on=document["delivered_on"],
                product=product,
                serial_number=serial,
                **details,
            ),
        )
        await add_to_outbox(conn, event)
    log.info("claim created", claim_id=str(claim_id), rma_number=rma_number)
    return event


async def _own_claim(conn: Conn, claim_id: UUID, account_id: UUID) -> Any:
    claim = await repository.lock_claim(conn, claim_id)
    # Someone else's claim is "not found": its existence is not confirmed.
    if claim is None or claim["account_id"] != account_id:
        raise CLAIM_NOT_FOUND
    return claim


async def cancel_claim(
    ctx: ClaimsContext, claim_id: UUID, actor: Actor, correlation_id: UUID
) -> None:
    async with ctx.pool.acquire() as conn, conn.transaction():
        claim = await _own_claim(conn, claim_id, actor.subject)
        await _change_status(conn, claim, "cancelled", actor, correlation_id, ctx.clock())


async def answer_request(
    ctx: ClaimsContext, claim_id: UUID, actor: Actor, message: str, correlation_id: UUID
) -> None:
    """The customer's answer to a request for information sends the claim back to inspection."""
    async with ctx.pool.acquire() as conn, conn.transaction():
        claim = await _own_claim(conn, claim_id, actor.subject)
        if claim["status"] != "awaiting_customer":
            raise BusinessRuleError(
                "not_awaiting_customer",
                Message(
                    "To zgłoszenie nie czeka na informacje od Ciebie.",
                    "This claim is not waiting for information from you.",
                ),
                field="message",
                status_code=409,
            )
        await _change_status(
            conn, claim, "in_inspection", actor, correlation_id, ctx.clock(), note=message
        )


async def respond_to_price_reduction(
    ctx: ClaimsContext, claim_id: UUID, actor: Actor, accept: bool, correlation_id: UUID
) -> None:
    async with ctx.pool.acquire() as conn, conn.transaction():
        claim = await _own_claim(conn, claim_id, actor.subject)
        if not await repository.record_customer_response(
            conn, claim_id, "accepted" if accept else "refused"
        ):
            raise BusinessRuleError(
                "no_offer_to_answer",
                Message(
                    "To zgłoszenie nie ma oferty obniżki ceny czekającej na odpowiedź.",
                    "This claim has no price reduction offer awaiting an answer.",
                ),
                field="accept",
                status_code=409,
            )
        note = "Klient przyjął obniżkę ceny." if accept else "Klient odrzucił obniżkę ceny."
        if accept:
            await repository.add_timeline_entry(conn, claim_id, claim["status"], actor.label, note)
        else:
            # A refused reduction reopens the inspection: the seller must offer another remedy.
            await _change_status(
                conn, claim, "in_inspection", actor, correlation_id, ctx.clock(), note=note
            )


# --- scanners and parcels --------------------------------------------------------------------


@dataclass(frozen=True)
class ScanResult:
    parcel_id: UUID
    claim_id: UUID | None
    rma_number: str | None
    duplicate: bool


async def receive_parcel(
    ctx: ClaimsContext,
    actor: Actor,
    rma_number: str | None,
    tracking_number: str | None,
    correlation_id: UUID,
) -> ScanResult:
    rma = (rma_number or "").strip().upper() or None
    tracking = (tracking_number or "").strip().upper() or None
    if rma is None and tracking is None:
        raise BusinessRuleError(
            "parcel_unreadable",
            Message(
                "Podaj numer RMA albo numer przesyłki z etykiety.",
                "Give the RMA number or the tracking number from the label.",
            ),
            field="rma_number",
        )
    now = ctx.clock()
    async with ctx.pool.acquire() as conn, conn.transaction():
        if tracking is not None and (
            known := await repository.find_parcel_by_tracking(conn, tracking)
        ):
            return ScanResult(known["parcel_id"], known["claim_id"], known["rma_number"], True)
        claim = None
        if rma is not None:
            claim = await repository.lock_claim_by_rma(conn, rma)
        if claim is None and tracking is not None:
            claim = await repository.lock_claim_by_tracking(conn, tracking)
        if claim is not None and claim["status"] != "submitted":
            # The same parcel scanned again: nothing changes.
            parcel = await repository.parcel_of_claim(conn, claim["claim_id"])
            return ScanResult(
                parcel["parcel_id"] if parcel else claim["claim_id"],
                claim["claim_id"],
                claim["rma_number"],
                True,
            )
        parcel_id = uuid4()
        await repository.insert_parcel(
            conn,
            {
                "parcel_id": parcel_id,
                "claim_id": claim["claim_id"] if claim else None,
                "rma_number": claim["rma_number"] if claim else rma,
                "tracking_number": tracking,
                "scanned_by": actor.label,
                "received_at": now,
            },
        )
        await add_to_outbox(
            conn, _parcel_received(parcel_id, claim, rma, tracking, actor, now, correlation_id)
        )
        if claim is not None:
            await _change_status(
                conn, claim, "received", actor, correlation_id, now, columns={"received_at": now}
            )
    return ScanResult(parcel_id, claim["claim_id"] if claim else None, rma, False)


def _parcel_received(
    parcel_id: UUID,
    claim: Any,
    rma: str | None,
    tracking: str | None,
    actor: Actor,
    now: datetime,
    correlation_id: UUID,
) -> ParcelReceived:
    return ParcelReceived(
        producer=PRODUCER,
        key=str(claim["claim_id"] if claim else parcel_id),
        correlation_id=correlation_id,
        data=ParcelReceivedData(
            parcel_id=parcel_id,
            claim_id=claim["claim_id"] if claim else None,
            rma_number=claim["rma_number"] if claim else rma,
            account_id=claim["account_id"] if claim else None,
            email=claim["email"] if claim else None,
            language=claim["language"] if claim else "pl",
            tracking_number=tracking,
            received_at=now,
            scanned_by=actor.label,
        ),
    )


async def attach_parcel(
    ctx: ClaimsContext, parcel_id: UUID, rma_number: str, actor: Actor, correlation_id: UUID
) -> UUID:
    """An operator identifies a parcel from the unidentified queue as a claim's."""
    now = ctx.clock()
    async with ctx.pool.acquire() as conn, conn.transaction():
        parcel = await repository.lock_unidentified_parcel(conn, parcel_id)
        if parcel is None:
            raise BusinessRuleError(
                "parcel_not_unidentified",
                Message(
                    "Tej przesyłki nie ma w kolejce niezidentyfikowanych.",
                    "This parcel is not in the unidentified queue.",
                ),
                field="parcel_id",
                status_code=404,
            )
        claim = await repository.lock_claim_by_rma(conn, rma_number.strip())
        if claim is None:
            raise CLAIM_NOT_FOUND
        await repository.resolve_parcel(conn, parcel_id, claim["claim_id"], actor.label)
        await add_to_outbox(
            conn,
            _parcel_received(
                parcel_id,
                claim,
                claim["rma_number"],
                parcel["tracking_number"],
                actor,
                parcel["received_at"],
                correlation_id,
            ),
        )
        await _change_status(
            conn,
            claim,
            "received",
            actor,
            correlation_id,
            now,
            note="Przesyłka zidentyfikowana przez operatora.",
            columns={"received_at": parcel["received_at"]},
        )
    return claim["claim_id"]  # type: ignore[no-any-return]


# --- operators ------------------------------------------------------------------------------


async def move_claim(
    ctx: ClaimsContext,
    claim_id: UUID,
    target: ClaimStatus,
    actor: Actor,
    correlation_id: UUID,
    *,
    note: str | None = None,
    tracking_number: str | None = None,
) -> None:
    async with ctx.pool.acquire() as conn, conn.transaction():
        claim = await repository.lock_claim(conn, claim_id)
        if claim is None:
            raise CLAIM_NOT_FOUND
        if target == "refunded":
            decision = await repository.get_decision(conn, claim_id)
            if decision is None or decision["decision"] not in ("refund", "price_reduction"):
                raise BusinessRuleError(
                    "nothing_to_refund",
                    Message("Decyzja nie przewiduje zwrotu pieniędzy.", "No refund was decided."),
                    field="status",
                    status_code=409,
                )
        extra = {"tracking_number": tracking_number} if target == "shipped_back" else {}
        await _change_status(
            conn,
            claim,
            target,
            actor,
            correlation_id,
            ctx.clock(),
            note=note,
            tracking_number=tracking_number,
            columns=extra,
        )


@dataclass(frozen=True)
class Decision:
    decision: DecisionKind
    justification: str
    amount: Decimal | None = None
    rejection_reason: str | None = None
    deduction_percents: dict[str, int] = field(default_factory=dict)
    missing_accessories_value: Decimal = Decimal(0)


async def decide(
    ctx: ClaimsContext, claim_id: UUID, command: Decision, actor: Actor, correlation_id: UUID
) -> ClaimDecided:
    now = ctx.clock()
    async with ctx.pool.acquire() as conn, conn.transaction():
        claim = await repository.lock_claim(conn, claim_id)
        if claim is None:
            raise CLAIM_NOT_FOUND
        amount = command.amount
        deductions: list[domain.DeductionLine] = []
        if command.decision == "rejection":
            domain.check_rejection_reason(
                claim["claim_type"], command.rejection_reason, command.justification
            )
        elif command.decision == "refund" and claim["claim_type"] == "return":
            price = claim["unit_price"] or Decimal(0)
            deductions, amount = domain.compute_deductions(
                price, command.deduction_percents, command.missing_accessories_value
            )
        elif command.decision in ("price_reduction", "paid_repair") and not amount:
            raise BusinessRuleError(
                "amount_required",
                Message("Podaj kwotę.", "Enter the amount."),
                field="amount",
            )
        await _change_status(conn, claim, "decided", actor, correlation_id, now)
        await repository.insert_decision(
            conn,
            {
                "claim_id": claim_id,
                "decision": command.decision,
                "amount": amount,
                "rejection_reason": command.rejection_reason,
                "justification": command.justification.strip(),
                "deductions": [
                    {
                        "reason": d.reason,
                        "percent": str(d.percent) if d.percent else None,
                        "amount": str(d.amount),
                    }
                    for d in deductions
                ],
                "decided_by": actor.label,
                "decided_at": now,
            },
        )
        event = ClaimDecided(
            producer=PRODUCER,
            key=str(claim_id),
            correlation_id=correlation_id,
            data=ClaimDecidedData(
                claim_id=claim_id,
                rma_number=claim["rma_number"],
                account_id=claim["account_id"],
                email=claim["email"],
                language=claim["language"],
                claim_type=claim["claim_type"],
                product=_product(claim),
                decision=command.decision,
                rejection_reason=command.rejection_reason,
                justification=command.justification.strip(),
                amount=amount,
                deductions=tuple(
                    Deduction(reason=d.reason, percent=d.percent, amount=d.amount)
                    for d in deductions
                ),
                decided_at=now,
                decided_by=actor.label,
            ),
        )
        await add_to_outbox(conn, event)
    return event
