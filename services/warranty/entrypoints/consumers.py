"""Kafka entry points of warranty."""

from __future__ import annotations

from services.warranty import handlers
from shared import topics
from shared.auth import handle_credentials_change
from shared.consumer import handle_once
from shared.events import (
    AccountCredentialsChanged,
    AccountsEvent,
    ClaimCreated,
    ClaimDecided,
    ClaimReplacementIssued,
    ClaimsEvent,
    ClaimStatusChanged,
    DocumentLinked,
    SaleRecorded,
)
from shared.runtime import ServiceRuntime


def register_consumers(runtime: ServiceRuntime) -> None:
    # Effects applied per fetched batch, in one transaction (shared/inbox.py).
    runtime.effects_per_batch = True

    @runtime.subscriber(
        topics.SALES, description="Product catalogue, last sale dates and the units sold"
    )
    async def on_sale_recorded(event: SaleRecorded) -> None:
        await handle_once(
            runtime.db, runtime.name, event, lambda conn: handlers.record_sale(conn, event)
        )

    @runtime.subscriber(
        topics.ACCOUNTS,
        description="Which account each purchase document is linked to; tokens older than a "
        "credential change",
    )
    async def on_account_event(event: AccountsEvent) -> None:
        # Only these matter here; skipping the rest keeps the inbox to handled events.
        if isinstance(event, DocumentLinked):
            await handle_once(
                runtime.db,
                runtime.name,
                event,
                lambda conn: handlers.record_document_owner(conn, event),
            )
        elif isinstance(event, AccountCredentialsChanged):
            await handle_credentials_change(runtime.db, runtime.name, event)

    @runtime.subscriber(
        topics.CLAIMS,
        description="Assesses every new claim; repairs, decisions and replacements for the "
        "product passport",
    )
    async def on_claim_event(event: ClaimsEvent) -> None:
        if isinstance(event, ClaimCreated):
            await handle_once(
                runtime.db, runtime.name, event, lambda conn: handlers.assess_claim(conn, event)
            )
        elif isinstance(event, ClaimStatusChanged):
            await handle_once(
                runtime.db,
                runtime.name,
                event,
                lambda conn: handlers.record_status_change(conn, event),
            )
        elif isinstance(event, ClaimDecided):
            await handle_once(
                runtime.db, runtime.name, event, lambda conn: handlers.record_decision(conn, event)
            )
        elif isinstance(event, ClaimReplacementIssued):
            await handle_once(
                runtime.db,
                runtime.name,
                event,
                lambda conn: handlers.record_replacement(conn, event),
            )
