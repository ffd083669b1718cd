"""Service layer of claims: one small function per command or event."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
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
    ClaimedProduct,
    ClaimType,
    DocumentLinked,
    DocumentType,
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


@dataclass
class ClaimsContext:
    pool: asyncpg.Pool
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)


@dataclass(frozen=True)
class NewClaim:
    account_id: UUID
    document_type: DocumentType
    document_number: str
    line_no: int
    claim_type: ClaimType
    problem_description: str
    package_contents: str
    serial_number: str | None = None
    problem_code: str | None = None
    tracking_number: str | None = None
    customer_reference: str | None = None


async def record_sale(conn: Conn, event: SaleRecorded) -> None:
    await repository.upsert_sales_document(conn, event.data)


async def record_document_owner(conn: Conn, event: DocumentLinked) -> None:
    await repository.upsert_document_owner(conn, event.data)


async def record_email_change(conn: Conn, event: AccountEmailChanged) -> None:
    await repository.change_account_email(conn, event.data.account_id, event.data.email)


async def record_assessment(conn: Conn, event: WarrantyAssessed) -> None:
    await repository.store_assessment(conn, event.data.claim_id, event.data.model_dump(mode="json"))


async def create_claim(ctx: ClaimsContext, command: NewClaim, correlation_id: UUID) -> ClaimCreated:
    now = ctx.clock()
    async with ctx.pool.acquire() as conn, conn.transaction():
        document = await repository.find_owned_document(
            conn, command.account_id, command.document_type, command.document_number.upper()
        )
        if document is None:
            raise PRODUCT_NOT_CLAIMABLE
        lines = {int(line["line_no"]): line for line in document["lines"]}
        if command.line_no not in lines:
            raise PRODUCT_NOT_CLAIMABLE
        line = domain.ClaimedLine.from_ledger(lines[command.line_no])
        buyer_type: BuyerType = "business" if document["account_type"] == "company" else "consumer"
        domain.check_claim_type(command.claim_type, buyer_type, line)
        serial = domain.check_serial_number(line, command.serial_number)

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
                "problem_description": command.problem_description.strip(),
                "problem_code": command.problem_code,
                "tracking_number": command.tracking_number,
                "package_contents": command.package_contents.strip(),
                "customer_reference": command.customer_reference,
                "created_at": now,
                "updated_at": now,
            },
        )
        await repository.add_timeline_entry(conn, claim_id, domain.INITIAL_STATUS, "customer")
        event = ClaimCreated(
            producer=PRODUCER,
            key=str(claim_id),
            correlation_id=correlation_id,
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
                problem_description=command.problem_description.strip(),
                problem_code=command.problem_code,
                tracking_number=command.tracking_number,
                package_contents=command.package_contents.strip(),
                customer_reference=command.customer_reference,
            ),
        )
        await add_to_outbox(conn, event)
    log.info("claim created", claim_id=str(claim_id), rma_number=rma_number)
    return event
