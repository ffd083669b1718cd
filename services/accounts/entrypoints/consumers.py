"""Kafka entry points of accounts: translate events into service-layer calls."""

from __future__ import annotations

from collections.abc import Callable

from services.accounts import handlers
from services.accounts.unit_of_work import AccountsUnitOfWork
from shared import topics
from shared.consumer import handle_once
from shared.db import Conn
from shared.events import SaleRecorded
from shared.runtime import ServiceRuntime


def register_consumers(
    runtime: ServiceRuntime, unit_of_work_in: Callable[[Conn], AccountsUnitOfWork]
) -> None:
    """`unit_of_work_in` gives a unit of work inside the consumer's transaction, the one that
    holds its inbox row (bootstrap chooses it)."""

    # One Kafka consumer takes every partition of the sales topic, in order: a sale is a row
    # for the ledger, and each idle consumer more would cost its own fetch loop and heartbeats.
    @runtime.subscriber(
        topics.SALES,
        description="Builds the sales ledger used to prove purchases",
        partition_workers=1,
    )
    async def on_sale_recorded(event: SaleRecorded) -> None:
        async def effect(conn: Conn) -> None:
            async with unit_of_work_in(conn) as uow:
                await handlers.record_sale(uow, event)

        await handle_once(runtime.db, runtime.name, event, effect)
