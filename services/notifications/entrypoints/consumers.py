"""Kafka entry points of notifications: every customer-facing event becomes an email."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from services.notifications import handlers
from services.notifications.unit_of_work import NewEmail, NotificationsUnitOfWork
from shared import inbox, topics
from shared.auth import handle_credentials_change
from shared.consumer import handle_once
from shared.db import Conn
from shared.events import (
    AccountCredentialsChanged,
    AccountsEvent,
    ClaimsEvent,
    Event,
    WarrantyEvent,
)
from shared.runtime import ServiceRuntime

# A unit of work on the consumer's connection; bootstrap.py chooses the adapter.
ConsumerUnitOfWork = Callable[[Conn], NotificationsUnitOfWork]


@dataclass
class EmailsToQueue:
    """The emails of a transaction's events (a fetched batch's, or one event's), queued in one
    statement before it commits (shared/inbox.py, `staged`)."""

    ctx: handlers.NotificationsContext
    unit_of_work: ConsumerUnitOfWork
    emails: list[NewEmail] = field(default_factory=list)
    handing: handlers.Handing | None = None

    async def flush(self, conn: Conn) -> None:
        async with self.unit_of_work(conn) as uow:
            self.handing = await handlers.queue_emails(self.ctx, uow, self.emails, hand_off=True)
            await uow.commit()

    def committed(self) -> None:
        """The batch committed: the emails taken for this process's sender are its to send."""
        if self.handing is not None:
            self.handing.committed()


def emails_of(
    ctx: handlers.NotificationsContext, unit_of_work: ConsumerUnitOfWork, event: Event
) -> Callable[[Conn], Awaitable[None]]:
    """The handler's effect inside the consumer's transaction: the batch's, with its inbox rows
    (shared/inbox.py), so the emails are queued, and the batch committed, together."""

    async def effect(conn: Conn) -> None:
        staged = inbox.staged(EmailsToQueue, lambda: EmailsToQueue(ctx, unit_of_work))
        async with unit_of_work(conn) as uow:
            emails = await handlers.emails_for(ctx, uow, event)
            if staged is None:  # not run by the inbox: queued at once
                await handlers.queue_emails(ctx, uow, emails)
            await uow.commit()  # in the transaction that decides alone
        if staged is not None:
            staged.emails.extend(emails)

    return effect


def register_consumers(
    runtime: ServiceRuntime, ctx: handlers.NotificationsContext, unit_of_work: ConsumerUnitOfWork
) -> None:
    # Effects applied per fetched batch, in one transaction (shared/inbox.py).
    runtime.effects_per_batch = True

    # One Kafka consumer for the accounts topic, every partition in order: an account's emails
    # are few beside its claims', and each idle consumer more is a fetch loop and heartbeats.
    @runtime.subscriber(
        topics.ACCOUNTS,
        description="Activation and account emails",
        partition_workers=1,
        gathers=False,  # rare, and a person waits for the email
    )
    async def on_account_event(event: AccountsEvent) -> None:
        if isinstance(event, AccountCredentialsChanged):
            await handle_credentials_change(runtime.db, runtime.name, event, runtime.not_before)
            return
        await handle_once(runtime.db, runtime.name, event, emails_of(ctx, unit_of_work, event))

    # The claims and warranty topics too: an event's work here is composing its emails and a
    # row in the batch's one INSERT, so one consumer keeps up with a backlog (a fetch takes the
    # records of every partition, in order per partition, in one transaction), and each idle
    # consumer more is a fetch every 500 ms and heartbeats of its own at a few claims a second.
    @runtime.subscriber(
        topics.CLAIMS,
        description="Claim emails: new claim with its parcel label, parcel received, status "
        "changes and decisions",
        partition_workers=1,
    )
    async def on_claim_event(event: ClaimsEvent) -> None:
        await handle_once(runtime.db, runtime.name, event, emails_of(ctx, unit_of_work, event))

    @runtime.subscriber(
        topics.WARRANTY, description="The warranty verdict on a claim", partition_workers=1
    )
    async def on_warranty_event(event: WarrantyEvent) -> None:
        # ProductRegistered has no email; skipping it keeps the inbox to handled events.
        if event.type != "WarrantyAssessed":
            return
        await handle_once(runtime.db, runtime.name, event, emails_of(ctx, unit_of_work, event))
