"""Kafka entry points of claims."""

from __future__ import annotations

from services.claims import handlers
from shared import topics
from shared.auth import handle_credentials_change
from shared.consumer import handle_once
from shared.events import (
    AccountContactChanged,
    AccountCredentialsChanged,
    AccountEmailChanged,
    AccountsEvent,
    DocumentLinked,
    ProductCatalogued,
    SaleRecorded,
    WarrantyAssessed,
    WarrantyEvent,
)
from shared.runtime import ServiceRuntime


def register_consumers(runtime: ServiceRuntime) -> None:
    @runtime.subscriber(topics.SALES, description="Sales ledger: which products a document holds")
    async def on_sale_recorded(event: SaleRecorded) -> None:
        await handle_once(
            runtime.db, runtime.name, event, lambda conn: handlers.record_sale(conn, event)
        )

    @runtime.subscriber(
        topics.ACCOUNTS,
        description="Which account owns which document, the customer's contact and address, "
        "and tokens older than a credential change",
    )
    async def on_account_event(event: AccountsEvent) -> None:
        if isinstance(event, DocumentLinked):
            await handle_once(
                runtime.db,
                runtime.name,
                event,
                lambda conn: handlers.record_document_owner(conn, event),
            )
        elif isinstance(event, AccountEmailChanged):
            await handle_once(
                runtime.db,
                runtime.name,
                event,
                lambda conn: handlers.record_email_change(conn, event),
            )
        elif isinstance(event, AccountContactChanged):
            await handle_once(
                runtime.db, runtime.name, event, lambda conn: handlers.record_contact(conn, event)
            )
        elif isinstance(event, AccountCredentialsChanged):
            await handle_credentials_change(runtime.db, runtime.name, event)

    @runtime.subscriber(
        topics.WARRANTY,
        description="Warranty verdicts and deadlines per claim; products' problem lists",
    )
    async def on_warranty_event(event: WarrantyEvent) -> None:
        if isinstance(event, WarrantyAssessed):
            await handle_once(
                runtime.db,
                runtime.name,
                event,
                lambda conn: handlers.record_assessment(conn, event),
            )
        elif isinstance(event, ProductCatalogued):
            await handle_once(
                runtime.db, runtime.name, event, lambda conn: handlers.record_product(conn, event)
            )
