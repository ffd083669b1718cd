"""Kafka entry points of accounts: translate events into service-layer calls."""

from __future__ import annotations

from services.accounts import handlers
from shared import topics
from shared.consumer import handle_once
from shared.events import SaleRecorded
from shared.runtime import ServiceRuntime


def register_consumers(runtime: ServiceRuntime) -> None:
    @runtime.subscriber(topics.SALES, description="Builds the sales ledger used to prove purchases")
    async def on_sale_recorded(event: SaleRecorded) -> None:
        await handle_once(
            runtime.db, runtime.name, event, lambda conn: handlers.record_sale(conn, event)
        )
