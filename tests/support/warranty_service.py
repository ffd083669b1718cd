"""The events warranty follows, as other services publish them (used by the service-layer tests
on the fake and by the integration tests over Kafka), and the warranty service layer on its
in-memory unit of work: a desk that takes events through the projection handlers and commands
through `handlers`, on a calendar the test moves. Nothing here touches a server."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any, TypeVar

from stdnum import ean as gtin

from services.warranty import handlers
from services.warranty.adapters.memory import MemoryDatabase
from services.warranty.bootstrap import memory_context
from services.warranty.unit_of_work import WarrantyUnitOfWork
from shared.events import (
    ClaimCreated,
    ClaimCreatedData,
    ClaimDecided,
    ClaimDecidedData,
    ClaimedProduct,
    ClaimReplacementIssued,
    ClaimReplacementIssuedData,
    ClaimStatus,
    ClaimStatusChanged,
    ClaimStatusChangedData,
    DecisionKind,
    DocumentLinked,
    DocumentLinkedData,
    Event,
    SaleLine,
    SaleRecorded,
    WarrantyAssessedData,
    WarrantyVoidMarked,
    WarrantyVoidMarkedData,
)
from tools.support import sales

EventT = TypeVar("EventT", bound=Event)


def random_ean() -> str:
    body = "59" + str(uuid.uuid4().int)[:10]
    return body + gtin.calc_check_digit(body)


def sale(ean: str, brand: str, category: str, sold_on: date, *serial_numbers: str) -> SaleRecorded:
    """A receipt of a new number for `serial_numbers` (one unit when none) of one product."""
    line = SaleLine(
        line_no=1,
        ean=ean,
        sku="SKU",
        name=f"{brand} product",
        brand=brand,
        category=category,
        quantity=max(1, len(serial_numbers)),
        unit_price=Decimal("100.00"),
        serial_numbers=serial_numbers,
    )
    return sales.sale(uuid.uuid4().hex[:8], line, sold_on=sold_on)


def linked(document: SaleRecorded, account: uuid.UUID) -> DocumentLinked:
    """The accounts service's fact: `account` linked the sales document."""
    return DocumentLinked(
        producer="accounts",
        key=str(account),
        data=DocumentLinkedData(
            account_id=account,
            account_type="private",
            email="klient@example.com",
            document_type=document.data.document_type,
            document_number=document.data.document_number,
        ),
    )


def claim(ean: str, brand: str, category: str, sold_on: date, **more: Any) -> ClaimCreated:
    claim_id = uuid.uuid4()
    data: dict[str, Any] = {
        "claim_id": claim_id,
        "rma_number": f"RMA/{uuid.uuid4().int % 100000}/SR/2026",
        "account_id": uuid.uuid4(),
        "email": "klient@example.com",
        "buyer_type": "consumer",
        "claim_type": "warranty",
        "document_type": "PA",
        "document_number": "1",
        "sold_on": sold_on,
        "product": ClaimedProduct(ean=ean, sku="S", name="n", brand=brand, category=category),
        "serial_number": "SN-1",
        "problem_description": "Nie działa po tygodniu.",
        "package_contents": "produkt",
        **more,
    }
    return ClaimCreated(producer="claims", key=str(claim_id), data=ClaimCreatedData(**data))


def facts(created: ClaimCreated) -> dict[str, Any]:
    """What every later event of the claim repeats of it (shared.events.ClaimFacts)."""
    return created.data.model_dump(
        include={"claim_id", "rma_number", "account_id", "email", "claim_type", "product"}
    )


def status(created: ClaimCreated, to_status: ClaimStatus, at: datetime) -> ClaimStatusChanged:
    data = created.data
    return ClaimStatusChanged(
        producer="claims",
        key=str(data.claim_id),
        data=ClaimStatusChangedData(
            **facts(created),
            from_status=None,
            to_status=to_status,
            changed_at=at,
            actor="operator",
            serial_number=data.serial_number,
        ),
    )


def decided(created: ClaimCreated, decision: DecisionKind, at: datetime) -> ClaimDecided:
    data = created.data
    return ClaimDecided(
        producer="claims",
        key=str(data.claim_id),
        data=ClaimDecidedData(
            **facts(created),
            decision=decision,
            justification="Decyzja serwisu.",
            decided_at=at,
            decided_by="Ola Operator",
        ),
    )


def replaced(created: ClaimCreated, new_serial: str, issued_on: date) -> ClaimReplacementIssued:
    data = created.data
    return ClaimReplacementIssued(
        producer="claims",
        key=str(data.claim_id),
        data=ClaimReplacementIssuedData(
            **facts(created),
            old_ean=data.product.ean,
            old_serial_number=data.serial_number,
            new_ean=data.product.ean,
            new_serial_number=new_serial,
            issued_at=datetime.combine(issued_on, time(12), UTC),
            issued_by="operator@innpro.example",
        ),
    )


def voided(created: ClaimCreated, reason: str, at: datetime, **more: Any) -> WarrantyVoidMarked:
    """An operator's finding, on the claim, that its unit's warranty is void."""
    unit = {"ean": created.data.product.ean, "serial_number": created.data.serial_number or ""}
    mark = {"reason": reason, "marked_at": at, "marked_by": "operator:anna@serwis.example"}
    payload = WarrantyVoidMarkedData(**facts(created), **unit, **mark, **more)
    return WarrantyVoidMarked(producer="claims", key=str(created.data.claim_id), data=payload)


def on(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), UTC)


@dataclass
class Desk:
    """The warranty service layer on the in-memory store, on the day `today`."""

    today: date
    database: MemoryDatabase = field(default_factory=MemoryDatabase)

    def __post_init__(self) -> None:
        self.ctx = memory_context(self.database, lambda: self.today)

    async def project(
        self, handler: Callable[[WarrantyUnitOfWork, EventT], Awaitable[None]], event: EventT
    ) -> None:
        async with self.ctx.uow() as uow:
            await handler(uow, event)

    async def sold(self, receipt: SaleRecorded, owner: uuid.UUID | None = None) -> None:
        await self.project(handlers.record_sale, receipt)
        if owner is not None:
            await self.project(handlers.record_document_owner, linked(receipt, owner))

    async def assessed(
        self, created: ClaimCreated, at: datetime | None = None
    ) -> WarrantyAssessedData:
        """The claim filed `at` (today by default), assessed: the verdict it published."""
        filed = created.model_copy(update={"occurred_at": at or on(self.today)})
        await self.project(handlers.assess_claim, filed)
        return self.verdicts(created)[-1]

    def verdicts(self, created: ClaimCreated) -> list[WarrantyAssessedData]:
        """Every WarrantyAssessed published for the claim, in order."""
        return [
            event.data
            for event in self.database.published
            if isinstance(event.data, WarrantyAssessedData)
            and event.data.claim_id == created.data.claim_id
        ]
