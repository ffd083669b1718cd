"""The claims service layer on its in-memory unit of work: a desk that records other services'
facts through the projection handlers and files claims through `handlers`, with a clock the
test moves. Nothing here touches a server."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest

from services.claims import handlers
from services.claims.adapters.memory import MemoryDatabase
from services.claims.bootstrap import memory_context
from services.claims.demo import DemoPlan
from services.claims.domain.claim import Claim
from services.claims.domain.refusals import Refusal
from shared.events import (
    AccountContactChanged,
    AccountContactChangedData,
    Buyer,
    ClaimCreated,
    Deadline,
    DocumentLinked,
    DocumentLinkedData,
    Event,
    PostalAddress,
    ProductCatalogued,
    ProductCataloguedData,
    SaleLine,
    SaleRecorded,
    SaleRecordedData,
    WarrantyAssessed,
    WarrantyAssessedData,
)
from tools.demo_claims import claims_plan, customer_documents

# Monday 2 March 2026, 9:00 UTC.
MONDAY = datetime(2026, 3, 2, 9, tzinfo=UTC)
PDF = handlers.Attachment("paragon.pdf", b"%PDF-1.4\n% a receipt\n")
ADDRESS = PostalAddress(
    recipient="Jan Kowalski", street="ul. Zielona 5", postal_code="44-200", city="Rybnik"
)
DRONE_EAN, BAND_EAN = "5901234123457", "5901234123464"


@dataclass
class Clock:
    now: datetime = MONDAY

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def sale_lines(serial: str) -> tuple[SaleLine, ...]:
    return (
        SaleLine(
            line_no=1,
            ean=DRONE_EAN,
            sku="DJI-MINI4PRO",
            name="DJI Mini 4 Pro",
            brand="DJI",
            category="drone",
            quantity=1,
            unit_price=Decimal("4299.00"),
            serial_numbers=(serial,),
        ),
        SaleLine(
            line_no=2,
            ean=BAND_EAN,
            sku="XIAOMI-BAND9",
            name="Xiaomi Smart Band 9",
            brand="Xiaomi",
            category="other",
            quantity=1,
            unit_price=Decimal("200.00"),
        ),
        SaleLine(
            line_no=3,
            ean="5901234123471",
            sku="MS-OFFICE-2024",
            name="Microsoft Office 2024 (pudełko)",
            brand="Microsoft",
            category="software",
            quantity=1,
            unit_price=Decimal("600.00"),
        ),
        SaleLine(
            line_no=4,
            ean="5901234123488",
            sku="GRAWER-ETUI",
            name="Etui z grawerem na zamówienie",
            brand="INNPRO",
            category="custom_made",
            quantity=1,
            unit_price=Decimal("150.00"),
        ),
    )


def customer_events(
    account_id: UUID,
    number: str,
    account_type: str,
    sold_on: date,
    lines: tuple[SaleLine, ...],
) -> tuple[SaleRecorded, DocumentLinked]:
    """A customer's purchase as the ERP records it and the link of its document to the
    account, with the email claims' emails go to (`k.<account>@example.com`)."""
    sale = SaleRecorded(
        producer="erp",
        key=f"PA/{number}",
        data=SaleRecordedData(
            document_type="PA",
            document_number=number,
            issued_on=sold_on,
            delivered_on=sold_on,
            buyer=Buyer(type="consumer" if account_type == "private" else "business"),
            total=Decimal("4499.00"),
            lines=lines,
        ),
    )
    link = DocumentLinked(
        producer="accounts",
        key=str(account_id),
        data=DocumentLinkedData(
            account_id=account_id,
            account_type=account_type,  # type: ignore[arg-type]
            email=f"k.{account_id.hex[:8]}@example.com",
            document_type="PA",
            document_number=number,
        ),
    )
    return sale, link


@dataclass
class Customer:
    desk: Desk
    account_id: UUID
    document_number: str
    serial: str

    def claim_form(self, **changes: Any) -> handlers.NewClaim:
        form: dict[str, Any] = {
            "account_id": self.account_id,
            "document_type": "PA",
            "document_number": self.document_number,
            "line_no": 1,
            "claim_type": "warranty",
            "problem_description": "Dron nie łączy się z aparaturą.",
            "package_contents": "Dron, aparatura",
            "attachment": PDF,
            "serial_number": self.serial,
            "return_address": ADDRESS,
            **changes,
        }
        return handlers.NewClaim(**form)

    async def file(self, **changes: Any) -> ClaimCreated:
        return await handlers.create_claim(self.desk.ctx, self.claim_form(**changes), uuid4())

    @property
    def actor(self) -> handlers.Actor:
        return handlers.Actor("customer", self.account_id)

    @property
    def email(self) -> str:
        """The address the account linked its document with (claims' emails go there)."""
        return f"k.{self.account_id.hex[:8]}@example.com"


@dataclass
class Desk:
    """The service layer on the in-memory store; with `ctx`, on whatever store it holds (the
    integration tests give PostgreSQL's)."""

    clock: Clock = field(default_factory=Clock)
    database: MemoryDatabase = field(default_factory=MemoryDatabase)
    ctx: handlers.ClaimsContext | None = None

    def __post_init__(self) -> None:
        if self.ctx is None:
            self.ctx = memory_context(self.database, self.clock)

    operator = handlers.Actor("operator", uuid4(), "anna@serwis.example")
    scanner = handlers.Actor("scanner", uuid4(), "magazyn-1")

    async def project(self, handler: Any, event: Event) -> None:
        async with self.ctx.uow() as uow:
            await handler(uow, event)

    async def customer(
        self,
        *,
        account_type: str = "private",
        sold_days_ago: int = 60,
        contact_address: PostalAddress | None = None,
    ) -> Customer:
        account_id, number = uuid4(), f"2026/{uuid4().hex[:8].upper()}"
        serial = f"1581F{number[-8:]}"
        sold_on: date = self.clock().date() - timedelta(days=sold_days_ago)
        sale, link = customer_events(account_id, number, account_type, sold_on, sale_lines(serial))
        await self.project(handlers.record_sale, sale)
        await self.project(handlers.record_document_owner, link)
        if contact_address is not None:
            await self.project(
                handlers.record_contact,
                AccountContactChanged(
                    producer="accounts",
                    key=str(account_id),
                    data=AccountContactChangedData(
                        account_id=account_id,
                        full_name="Jan Kowalski",
                        email=f"k.{account_id.hex[:8]}@example.com",
                        phone="+48 600 100 200",
                        address=contact_address,
                    ),
                ),
            )
        return Customer(self, account_id, number, serial)

    async def catalogue_problems(self, ean: str, problems: list[str]) -> None:
        await self.project(
            handlers.record_product,
            ProductCatalogued(
                producer="warranty",
                key=ean,
                data=ProductCataloguedData(
                    ean=ean,
                    sku="DJI-MINI4PRO",
                    name="DJI Mini 4 Pro",
                    brand="DJI",
                    category="drone",
                    problems=tuple(problems),
                ),
            ),
        )

    async def assess(self, claim_id: UUID, **due: date) -> None:
        """The warranty service's verdict on the claim: covered, with these deadlines
        (kind=due day)."""
        claim = await self.claim(claim_id)
        await self.project(
            handlers.record_assessment,
            covered_verdict(
                claim_id,
                rma_number=claim.rma_number,
                account_id=claim.account_id,
                email=claim.email,
                deadlines=tuple(
                    Deadline(kind=kind, due_on=day, description=kind) for kind, day in due.items()
                ),
            ),
        )

    async def claim(self, claim_id: UUID) -> Claim:
        return await handlers.load_claim(self.ctx, claim_id, None)

    async def run(self, claim_id: UUID, actor: handlers.Actor, command: Any) -> list[Event]:
        return await handlers.run_command(self.ctx, claim_id, actor, uuid4(), command)

    @property
    def published(self) -> list[Event]:
        return self.database.published

    def published_types(self) -> list[str]:
        return [event.type for event in self.published]


async def refused(desk: Desk, code: str, call: Any) -> Refusal:
    """`call` is refused with `code`, and the store is as it was (nothing saved, nothing
    published)."""
    before = copy.deepcopy(desk.database.state)
    with pytest.raises(Refusal) as refusal:
        await call
    assert refusal.value.code == code
    assert desk.database.state == before
    return refusal.value


async def demo_customer(desk: Desk, today: date) -> DemoPlan:
    """`make run`'s demo customer on the desk: its documents sold and linked to a new account,
    and the plan of its claims (tools/demo_claims.py)."""
    account_id = uuid4()
    for document in customer_documents(today):
        sale = SaleRecordedData.model_validate(document)
        await desk.project(
            handlers.record_sale,
            SaleRecorded(producer="erp", key=f"PA/{sale.document_number}", data=sale),
        )
        link = DocumentLinkedData(
            account_id=account_id,
            account_type="private",
            email="klient.demo@innpro.example",
            document_type="PA",
            document_number=sale.document_number,
        )
        await desk.project(
            handlers.record_document_owner,
            DocumentLinked(producer="accounts", key=str(account_id), data=link),
        )
    return DemoPlan.model_validate(claims_plan(today, str(account_id)))


def covered_verdict(
    claim_id: UUID,
    *,
    rma_number: str,
    account_id: UUID,
    email: str,
    deadlines: tuple[Deadline, ...],
) -> WarrantyAssessed:
    """Warranty's verdict on a claim, as its event says it: covered until 2030, these deadlines."""
    return WarrantyAssessed(
        producer="warranty",
        key=str(claim_id),
        data=WarrantyAssessedData(
            claim_id=claim_id,
            rma_number=rma_number,
            account_id=account_id,
            email=email,
            covered=True,
            warranty_until=date(2030, 1, 1),
            rule="test",
            reason="Gwarancja",
            claim_type_allowed=True,
            claim_type_reason="",
            deadlines=deadlines,
        ),
    )
