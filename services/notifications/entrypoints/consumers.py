"""Kafka entry points of notifications: every customer-facing event becomes an email."""

from __future__ import annotations

from services.notifications import handlers
from shared import topics
from shared.auth import handle_credentials_change
from shared.consumer import handle_once
from shared.events import AccountCredentialsChanged, AccountsEvent, ClaimsEvent, WarrantyEvent
from shared.runtime import ServiceRuntime


def register_consumers(runtime: ServiceRuntime, ctx: handlers.NotificationsContext) -> None:
    # Effects applied per fetched batch, in one transaction (shared/inbox.py).
    runtime.effects_per_batch = True

    @runtime.subscriber(topics.ACCOUNTS, description="Activation and account emails")
    async def on_account_event(event: AccountsEvent) -> None:
        if isinstance(event, AccountCredentialsChanged):
            await handle_credentials_change(runtime.db, runtime.name, event)
            return
        await handle_once(
            runtime.db, runtime.name, event, lambda conn: handlers.record_email(ctx, conn, event)
        )

    @runtime.subscriber(
        topics.CLAIMS,
        description="Claim emails: new claim with its parcel label, parcel received, status "
        "changes and decisions",
    )
    async def on_claim_event(event: ClaimsEvent) -> None:
        await handle_once(
            runtime.db, runtime.name, event, lambda conn: handlers.record_email(ctx, conn, event)
        )

    @runtime.subscriber(topics.WARRANTY, description="The warranty verdict on a claim")
    async def on_warranty_event(event: WarrantyEvent) -> None:
        # ProductRegistered has no email; skipping it keeps the inbox to handled events.
        if event.type != "WarrantyAssessed":
            return
        await handle_once(
            runtime.db, runtime.name, event, lambda conn: handlers.record_email(ctx, conn, event)
        )
