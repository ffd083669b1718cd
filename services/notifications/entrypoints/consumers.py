"""Kafka entry points of notifications: every customer-facing event becomes an email."""

from __future__ import annotations

from services.notifications import handlers
from shared import topics
from shared.consumer import handle_once
from shared.events import AccountsEvent
from shared.runtime import ServiceRuntime


def register_consumers(runtime: ServiceRuntime, ctx: handlers.NotificationsContext) -> None:
    @runtime.subscriber(topics.ACCOUNTS, description="Activation and account emails")
    async def on_account_event(event: AccountsEvent) -> None:
        await handle_once(
            runtime.db, runtime.name, event, lambda conn: handlers.record_email(ctx, conn, event)
        )
