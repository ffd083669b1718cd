"""Service layer of notifications: turn an event into a queued email, and the operators'
commands on the queue. Every handler works through a unit of work (unit_of_work.py) and never
sees the database; the sending itself is delivery.py's."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid5

from services.notifications import domain
from services.notifications.adapters.templates import RenderedEmail, TemplateRenderer
from services.notifications.attachments import parcel_label, shipment_label
from services.notifications.handoff import WINDOW, Handoff
from services.notifications.names import KnownNames
from services.notifications.settings import NotificationsSettings
from services.notifications.unit_of_work import (
    EmailListing,
    EmailStatus,
    NewEmail,
    NotificationsUnitOfWork,
    QueuedEmail,
    UnitOfWorkFactory,
)
from shared.errors import BusinessRuleError, Message
from shared.events import Event
from shared.logging import get_logger
from shared.sealing import unseal
from shared.tracing import current_trace_context

log = get_logger(__name__)


@dataclass
class NotificationsContext:
    settings: NotificationsSettings
    renderer: TemplateRenderer
    seal_private_key: bytes
    uow: UnitOfWorkFactory
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    # For the sender's steps of one statement each (take, mark sent, mark refused): on
    # PostgreSQL a unit of work without BEGIN and COMMIT around that statement; `uow` if None.
    single_statement_uow: UnitOfWorkFactory | None = None
    # The customers' names this process read or recorded (names.py).
    names: KnownNames = field(default_factory=lambda: KnownNames(max_age_seconds=0))
    # Emails the consumer queued, handed to this process's sender (handoff.py); None: no sender.
    handoff: Handoff | None = None
    # A run of such steps on one connection (the marks while emails keep being accepted): on
    # PostgreSQL a pool connection held for the run, each step's unit of work on it;
    # `single_statement` for each step if None.
    statement_runs: Callable[[], AbstractAsyncContextManager[UnitOfWorkFactory]] | None = None

    def single_statement(self) -> NotificationsUnitOfWork:
        return (self.single_statement_uow or self.uow)()

    def statement_run(self) -> AbstractAsyncContextManager[UnitOfWorkFactory]:
        if self.statement_runs is not None:
            return self.statement_runs()
        return nullcontext(self.single_statement)

    def message_id(self, event: Event) -> str:
        # Derived from the event: one event, one Message-ID, whatever happens to the process.
        return f"<{event.event_id}@{self.settings.message_id_domain}>"


@dataclass(frozen=True)
class ComposedEmail:
    rendered: RenderedEmail
    # As stored in emails.attachments (services/notifications/attachments.py).
    attachments: list[dict[str, Any]]


def compose(
    renderer: TemplateRenderer,
    draft: domain.EmailDraft,
    *,
    customer_name: str | None = None,
    secrets: dict[str, str] | None = None,
    panel_url: str | None = None,
) -> ComposedEmail:
    """The email's parts and attachments; `secrets` are the draft's sealed facts, opened.
    `panel_url`: the web panel, whose claim page a claim's email links to (where the customer
    answers a quote or follows the parcel back)."""
    claim_page = (
        f"{panel_url.rstrip('/')}/claims/{draft.claim_id}" if panel_url and draft.claim_id else None
    )
    context: dict[str, Any] = {
        "full_name": customer_name,
        "claim_page": claim_page,
        **draft.context,
        **(secrets or {}),
    }
    attachments = []
    if draft.label and draft.rma_number:
        attachments.append(parcel_label(draft.rma_number, customer_name))
    if draft.shipment_label is not None:
        attachments.append(shipment_label(*draft.shipment_label, customer_name))
    return ComposedEmail(renderer.render(draft.template, draft.language, context), attachments)


async def record_email(
    ctx: NotificationsContext, uow: NotificationsUnitOfWork, event: Event
) -> None:
    """The event's emails (to the customer, to the service centre), queued once; and the
    customer's name, when the event tells it. Committed with the event's inbox row."""
    await queue_emails(ctx, uow, await emails_for(ctx, uow, event))
    await uow.commit()


async def emails_for(
    ctx: NotificationsContext, uow: NotificationsUnitOfWork, event: Event
) -> list[NewEmail]:
    """The event's emails, composed, for `queue_emails` (a consumer's batch queues its events'
    together); the customer's name remembered when the event tells it."""
    if (named := domain.named_account(event)) is not None:
        await uow.customers.remember(*named)
        ctx.names.learned(*named, ctx.clock())
    draft = domain.draft_for(event)
    settings = ctx.settings
    staff = domain.staff_draft_for(event, settings.service_desk_email, settings.public_base_url)
    if draft is None and staff is None:
        return []
    max_age = timedelta(days=ctx.settings.email_max_event_age_days)
    if domain.too_old_to_email(event.occurred_at, ctx.clock(), max_age):
        log.warning(
            "email not sent: the event is too old",
            event_type=event.type,
            occurred_at=event.occurred_at.isoformat(),
        )
        return []
    # The event's trace, which the emails' sends join (the sender sends them later).
    trace = current_trace_context()
    emails = []
    if draft is not None:
        customer_name = None
        if draft.account_id is not None:
            customer_name = await _customer_name(ctx, uow, draft.account_id)
        sealed = draft.sealed.items()
        secrets = {name: unseal(ctx.seal_private_key, text) for name, text in sealed}
        emails.append(_new_email(ctx, event, draft, "email", trace, customer_name, secrets))
    if staff is not None:
        emails.append(_new_email(ctx, event, staff, "staff-email", trace))
    return emails


async def queue_emails(
    ctx: NotificationsContext,
    uow: NotificationsUnitOfWork,
    emails: Sequence[NewEmail],
    *,
    hand_off: bool = False,
) -> Handing | None:
    """The emails queued for the sender in one statement, each once: an email whose Message-ID
    is known (a redelivery's) is not queued again. `hand_off`: for a caller that hands them
    over once the transaction commits (handoff.py), taken already for this process's sender
    when it has room; what to hand, or None (queued for any sender)."""
    if not emails:
        return None
    now, handoff = ctx.clock(), ctx.handoff
    if hand_off and handoff is not None and handoff.has_room(len(emails)):
        claim = timedelta(seconds=ctx.settings.smtp_claim_seconds)
        handing = Handing(handoff, [], now + claim + WINDOW)
        handing.emails = await uow.emails.add_claimed(emails, now, handing.claimed_until)
        queued = len(handing.emails)
        log.info("emails recorded", emails=queued, known_before=len(emails) - queued, handed=True)
        return handing
    queued = await uow.emails.add_all(emails, now)
    log.info("emails recorded", emails=queued, known_before=len(emails) - queued)
    return None


@dataclass
class Handing:
    """Emails queued taken for this process's sender, to hand over once committed."""

    handoff: Handoff
    emails: list[QueuedEmail]
    claimed_until: datetime

    def committed(self) -> None:
        self.handoff.hand(self.emails, self.claimed_until)


async def _customer_name(
    ctx: NotificationsContext, uow: NotificationsUnitOfWork, account_id: UUID
) -> str | None:
    now = ctx.clock()
    if (known := ctx.names.name(account_id, now)) is not None:
        return known
    found = await uow.customers.name(account_id)
    if found is not None:
        ctx.names.learned(account_id, found, now)
    return found


def _new_email(
    ctx: NotificationsContext,
    event: Event,
    draft: domain.EmailDraft,
    copy: str,
    trace_context: dict[str, str],
    customer_name: str | None = None,
    secrets: dict[str, str] | None = None,
) -> NewEmail:
    """One email of `event`, composed. `copy` tells the event's emails apart: each has its own
    id and Message-ID, both derived from the event, so a redelivery repeats none."""
    email = compose(
        ctx.renderer,
        draft,
        customer_name=customer_name,
        secrets=secrets,
        panel_url=ctx.settings.public_base_url,
    )
    message_id = ctx.message_id(event)
    if copy != "email":
        message_id = message_id.replace("@", f".{copy}@", 1)
    return NewEmail(
        email_id=uuid5(event.event_id, copy),
        event_id=event.event_id,
        event_type=event.type,
        message_id=message_id,
        recipient=draft.recipient,
        subject=email.rendered.subject,
        text_body=email.rendered.text,
        html_body=email.rendered.html,
        attachments=email.attachments,
        account_id=draft.account_id,
        claim_id=draft.claim_id,
        rma_number=draft.rma_number,
        trace_context=trace_context,
    )


# --- the operators' commands and queries ---------------------------------------------------


async def list_emails(
    ctx: NotificationsContext,
    *,
    account_id: UUID | None = None,
    claim_id: UUID | None = None,
    status: EmailStatus | None = None,
    limit: int = 100,
) -> list[EmailListing]:
    async with ctx.uow() as uow:
        return await uow.emails.listing(
            account_id=account_id, claim_id=claim_id, status=status, limit=limit
        )


async def count_failed(ctx: NotificationsContext) -> int:
    async with ctx.uow() as uow:
        return await uow.emails.count_failed()


async def resend_failed(ctx: NotificationsContext, email_id: UUID | None = None) -> list[UUID]:
    """Failed emails (one, or all) back in the sending queue with a new retry period; they keep
    their Message-ID, so a mail client folds a copy already received. Resending one email that
    does not exist, or has not failed, is refused (a sent one would arrive twice)."""
    async with ctx.uow() as uow:
        resent = await uow.emails.resend_failed(email_id, ctx.clock())
        if email_id is not None and not resent:
            status = await uow.emails.status(email_id)
            if status is None:
                raise BusinessRuleError(
                    "email_not_found",
                    Message(f"Nie ma wiadomości {email_id}.", f"No email {email_id}."),
                    status_code=404,
                )
            raise BusinessRuleError(
                "email_not_failed",
                Message(
                    f"Wiadomość {email_id} ma stan {status}, nie failed: nie wysłano jej ponownie.",
                    f"Email {email_id} is {status}, not failed: not resent.",
                ),
                status_code=409,
            )
        await uow.commit()
    if resent:
        log.info("failed emails queued again", emails=len(resent))
    return resent
