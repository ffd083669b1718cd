"""Kafka entry points of warranty."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from services.warranty import handlers
from services.warranty.unit_of_work import WarrantyUnitOfWork, unit_serial
from shared import topics
from shared.auth import handle_credentials_change
from shared.consumer import handle_once
from shared.db import Conn
from shared.events import (
    AccountCredentialsChanged,
    AccountsEvent,
    ClaimCreated,
    ClaimDecided,
    ClaimReplacementIssued,
    ClaimsEvent,
    ClaimStatusChanged,
    DocumentLinked,
    Event,
    SaleRecorded,
    WarrantyVoidMarked,
)
from shared.runtime import ServiceRuntime

EventT = TypeVar("EventT", bound=Event)
Handler = Callable[[WarrantyUnitOfWork, EventT], Awaitable[None]]
# A unit of work on the consumer's connection; bootstrap.py chooses the adapter.
ConsumerUnitOfWork = Callable[[Conn], WarrantyUnitOfWork]
# A claim for the unit (EAN, serial number) is to be assessed in the batch (adapters/batch.py).
ExpectAssessment = Callable[[str, str | None], None]


def _nothing_to_expect(_ean: str, _serial: str | None) -> None:
    """An adapter that does not read ahead."""


def register_consumers(
    runtime: ServiceRuntime,
    unit_of_work: ConsumerUnitOfWork,
    expect_assessment: ExpectAssessment = _nothing_to_expect,
) -> None:
    """`expect_assessment` hears of each claim's unit as its ClaimCreated is collected for the
    batch, before the batch's effects run: the adapter may read their units at once."""

    def projection(handler: Handler[EventT], event: EventT) -> Callable[[Conn], Awaitable[None]]:
        """The handler's effect inside the consumer's transaction, the one that holds its inbox
        row (one per fetched batch, shared/inbox.py): its unit of work commits with the batch."""

        async def effect(conn: Conn) -> None:
            async with unit_of_work(conn) as uow:
                await handler(uow, event)

        return effect

    # Effects applied per fetched batch, in one transaction (shared/inbox.py).
    runtime.effects_per_batch = True

    # One consumer each for sales and account events: it takes a fetch's records as one batch
    # (hundreds a second), and an idle consumer costs a fetch loop and heartbeats of its own.
    @runtime.subscriber(
        topics.SALES,
        description="Product catalogue, last sale dates and the units sold",
        partition_workers=1,
    )
    async def on_sale_recorded(event: SaleRecorded) -> None:
        await handle_once(runtime.db, runtime.name, event, projection(handlers.record_sale, event))

    @runtime.subscriber(
        topics.ACCOUNTS,
        description="Which account each purchase document is linked to; tokens older than a "
        "credential change",
        partition_workers=1,
        gathers=False,  # rare, and a person may act on them at once
    )
    async def on_account_event(event: AccountsEvent) -> None:
        # Only these matter here; skipping the rest keeps the inbox to handled events.
        if isinstance(event, DocumentLinked):
            await handle_once(
                runtime.db,
                runtime.name,
                event,
                projection(handlers.record_document_owner, event),
            )
        elif isinstance(event, AccountCredentialsChanged):
            await handle_credentials_change(runtime.db, runtime.name, event, runtime.not_before)

    @runtime.subscriber(
        topics.CLAIMS,
        description="Assesses every new claim; repairs, decisions, replacements and void "
        "warranty marks for the product passport",
    )
    async def on_claim_event(event: ClaimsEvent) -> None:
        effect: Callable[[Conn], Awaitable[None]]
        if isinstance(event, ClaimCreated):
            expect_assessment(event.data.product.ean, unit_serial(event.data.serial_number))
            effect = projection(handlers.assess_claim, event)
        elif isinstance(event, ClaimStatusChanged):
            effect = projection(handlers.record_status_change, event)
        elif isinstance(event, ClaimDecided):
            effect = projection(handlers.record_decision, event)
        elif isinstance(event, ClaimReplacementIssued):
            effect = projection(handlers.record_replacement, event)
        elif isinstance(event, WarrantyVoidMarked):
            effect = projection(handlers.record_void_mark, event)
        else:
            return
        await handle_once(runtime.db, runtime.name, event, effect)
