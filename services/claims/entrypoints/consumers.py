"""Kafka entry points of claims."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from services.claims import handlers
from services.claims.unit_of_work import ClaimsUnitOfWork
from shared import topics
from shared.auth import handle_credentials_change
from shared.consumer import handle_once
from shared.db import Conn
from shared.events import (
    AccountContactChanged,
    AccountCredentialsChanged,
    AccountEmailChanged,
    AccountsEvent,
    DocumentLinked,
    Event,
    ProductCatalogued,
    ProductRegistered,
    SaleRecorded,
    WarrantyAssessed,
    WarrantyEvent,
)
from shared.runtime import ServiceRuntime

EventT = TypeVar("EventT", bound=Event)
# A unit of work on the consumer's connection; bootstrap.py chooses the adapter.
ConsumerUnitOfWork = Callable[[Conn], ClaimsUnitOfWork]


def register_consumers(runtime: ServiceRuntime, unit_of_work: ConsumerUnitOfWork) -> None:
    def projection(
        handler: Callable[[ClaimsUnitOfWork, EventT], Awaitable[None]], event: EventT
    ) -> Callable[[Conn], Awaitable[None]]:
        """The handler's effect inside the consumer's transaction, the one that holds its
        inbox row."""

        async def effect(conn: Conn) -> None:
            async with unit_of_work(conn) as uow:
                await handler(uow, event)

        return effect

    @runtime.subscriber(topics.SALES, description="Sales ledger: which products a document holds")
    async def on_sale_recorded(event: SaleRecorded) -> None:
        await handle_once(runtime.db, runtime.name, event, projection(handlers.record_sale, event))

    @runtime.subscriber(
        topics.ACCOUNTS,
        description="Which account owns which document, the customer's contact and address, "
        "and tokens older than a credential change",
        # A customer links a document and files a claim on it next: rare events, read at once.
        gathers=False,
    )
    async def on_account_event(event: AccountsEvent) -> None:
        if isinstance(event, DocumentLinked):
            await handle_once(
                runtime.db,
                runtime.name,
                event,
                projection(handlers.record_document_owner, event),
            )
        elif isinstance(event, AccountEmailChanged):
            await handle_once(
                runtime.db,
                runtime.name,
                event,
                projection(handlers.record_email_change, event),
            )
        elif isinstance(event, AccountContactChanged):
            await handle_once(
                runtime.db, runtime.name, event, projection(handlers.record_contact, event)
            )
        elif isinstance(event, AccountCredentialsChanged):
            await handle_credentials_change(runtime.db, runtime.name, event, runtime.not_before)

    @runtime.subscriber(
        topics.WARRANTY,
        description="Warranty verdicts and deadlines per claim; products' problem lists; "
        "registered units (which cannot be returned)",
    )
    async def on_warranty_event(event: WarrantyEvent) -> None:
        if isinstance(event, WarrantyAssessed):
            await handle_once(
                runtime.db,
                runtime.name,
                event,
                projection(handlers.record_assessment, event),
            )
        elif isinstance(event, ProductCatalogued):
            await handle_once(
                runtime.db, runtime.name, event, projection(handlers.record_product, event)
            )
        elif isinstance(event, ProductRegistered):
            await handle_once(
                runtime.db, runtime.name, event, projection(handlers.record_registration, event)
            )
