"""Service layer of notifications: turn an event into a recorded email, then send what is due."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import Message
from typing import Any, Protocol
from uuid import uuid5

import asyncpg
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Tracer

from services.notifications import domain
from services.notifications.adapters import repository
from services.notifications.adapters.smtp import build_message, is_permanent
from services.notifications.adapters.templates import RenderedEmail, TemplateRenderer
from services.notifications.attachments import parcel_label
from services.notifications.retries import RetryPolicy
from services.notifications.settings import NotificationsSettings
from shared.consumer import TRANSIENT_ERRORS
from shared.db import Conn
from shared.events import Event
from shared.logging import get_logger
from shared.outage import OutageLog
from shared.sealing import unseal
from shared.tracing import span_from_stored_context
from shared.worker import NotifiedWorker

log = get_logger(__name__)


class Mailer(Protocol):
    async def send(self, message: Message) -> None: ...


@dataclass
class NotificationsContext:
    settings: NotificationsSettings
    renderer: TemplateRenderer
    seal_private_key: bytes
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

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
    return ComposedEmail(renderer.render(draft.template, draft.language, context), attachments)


async def record_email(ctx: NotificationsContext, conn: Conn, event: Event) -> None:
    if (named := domain.named_account(event)) is not None:
        await repository.remember_customer(conn, *named)
    draft = domain.draft_for(event)
    settings = ctx.settings
    staff = domain.staff_draft_for(event, settings.service_desk_email, settings.public_base_url)
    if draft is None and staff is None:
        return
    max_age = timedelta(days=ctx.settings.email_max_event_age_days)
    if domain.too_old_to_email(event.occurred_at, ctx.clock(), max_age):
        log.warning(
            "email not sent: the event is too old",
            event_type=event.type,
            occurred_at=event.occurred_at.isoformat(),
        )
        return
    if draft is not None:
        customer_name = None
        if draft.account_id is not None:
            customer_name = await repository.customer_name(conn, draft.account_id)
        sealed = draft.sealed.items()
        secrets = {name: unseal(ctx.seal_private_key, text) for name, text in sealed}
        await _store_email(ctx, conn, event, draft, "email", customer_name, secrets)
    if staff is not None:
        await _store_email(ctx, conn, event, staff, "staff-email")


async def _store_email(
    ctx: NotificationsContext,
    conn: Conn,
    event: Event,
    draft: domain.EmailDraft,
    copy: str,
    customer_name: str | None = None,
    secrets: dict[str, str] | None = None,
) -> None:
    """One email of `event`, queued for the sender. `copy` tells the event's emails apart: each
    has its own id and Message-ID, both derived from the event, so a redelivery repeats none."""
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
    await repository.insert_email(
        conn,
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
    )
    log.info("email recorded", template=draft.template)


class MailSender(NotifiedWorker):
    """Sends recorded emails that are due, several at a time.

    What is guaranteed, and what is not (exactly-once across SMTP is impossible):
    - an email is claimed in one short transaction, sent outside any transaction, and marked
      sent in its own short step right after the server accepted it;
    - when the database is away at that moment, the mark is retried until it lands: the email
      is never sent again for that;
    - a temporary refusal (4xx, timeout, lost connection) is retried with capped exponential
      backoff for `smtp_retry_for_seconds`; only a permanent one (5xx) fails the email at once;
    - every copy of an email carries the same Message-ID (derived from its event), so mail
      clients fold a repeat;
    - only a crash of this process between the server's acceptance and the mark (a few
      milliseconds) repeats an email, once, when its claim expires (`smtp_claim_seconds`).
    """

    def __init__(
        self,
        pool: asyncpg.Pool,
        ctx: NotificationsContext,
        mailer: Mailer,
        tracer: Tracer | None = None,
    ) -> None:
        super().__init__(pool, channel="emails", name="mail-sender")
        settings = ctx.settings
        self._ctx = ctx
        self._mailer = mailer
        self._retries = RetryPolicy(
            first_delay=timedelta(seconds=settings.smtp_first_retry_seconds),
            max_delay=timedelta(seconds=settings.smtp_max_retry_seconds),
            retry_for=timedelta(seconds=settings.smtp_retry_for_seconds),
        )
        self._marking = OutageLog("notifications database (marking emails sent)")
        self._marks: set[asyncio.Future[None]] = set()
        self._tracer = tracer or trace.get_tracer(__name__)

    async def stop(self) -> None:
        await super().stop()
        # A mark under way when stopping still lands, or the email would go out again.
        if self._marks:
            await asyncio.wait(self._marks, timeout=10)

    async def work(self) -> None:
        await self.send_due()

    async def send_due(self) -> int:
        """Send everything due now, `smtp_connections` at once; returns how many were sent.

        A window, not batches: more due emails are taken as soon as half the sends have ended,
        so a slow conversation (or a label being drawn) does not hold up the next ones."""
        slots = self._ctx.settings.smtp_connections
        sending: set[asyncio.Task[int]] = set()
        sent = 0
        try:
            while True:
                if len(sending) <= slots // 2:
                    for email in await self._claim_due(slots - len(sending)):
                        sending.add(asyncio.create_task(self._deliver(email)))
                if not sending:
                    return sent
                done, sending = await asyncio.wait(sending, return_when=asyncio.FIRST_COMPLETED)
                sent += sum(task.result() for task in done)
        finally:
            # Stopping (or a failure) cancels the sends under way, as cancelling the batch's
            # gather did before; an email the server accepted is still marked (`_marks`).
            for task in sending:
                task.cancel()
            await asyncio.gather(*sending, return_exceptions=True)

    async def _claim_due(self, limit: int) -> list[asyncpg.Record]:
        settings, now = self._ctx.settings, self._ctx.clock()
        async with self._pool.acquire() as conn:
            return await repository.claim_due_emails(
                conn, now, now + timedelta(seconds=settings.smtp_claim_seconds), limit=limit
            )

    async def _deliver(self, email: asyncpg.Record) -> int:
        """1 if the server accepted the email, 0 if it refused (the refusal is recorded)."""
        try:
            with span_from_stored_context(
                self._tracer, "smtp send", email["trace_context"], kind=SpanKind.CLIENT
            ):
                await self._mailer.send(build_message(self._ctx.settings, email))
        except Exception as error:
            await self._record_refusal(email, error)
            return 0
        mark = asyncio.ensure_future(self._mark_sent(email))
        self._marks.add(mark)
        mark.add_done_callback(self._marks.discard)
        await asyncio.shield(mark)
        log.info("email sent", email_id=str(email["email_id"]), event_id=str(email["event_id"]))
        return 1

    async def _mark_sent(self, email: asyncpg.Record) -> None:
        # Accepted: from here on the email must never be sent again, so the mark is retried for
        # as long as the database is away (the claim keeps other senders off meanwhile).
        delay = 0.1
        while True:
            try:
                async with self._pool.acquire(timeout=5) as conn:
                    await repository.mark_sent(conn, email["email_id"], self._ctx.clock())
            except TRANSIENT_ERRORS as error:
                self._marking.failed(error)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)
                continue
            self._marking.recovered()
            return

    async def _record_refusal(self, email: asyncpg.Record, error: Exception) -> None:
        permanent = is_permanent(error)
        retry_at = self._retries.next_attempt(
            attempts=email["attempts"],
            retry_from=email["retry_from"],
            now=self._ctx.clock(),
            permanent=permanent,
        )
        log.warning(
            "email not sent",
            email_id=str(email["email_id"]),
            event_id=str(email["event_id"]),
            attempts=email["attempts"],
            permanent=permanent,
            gave_up=retry_at is None,
            error=repr(error),
        )
        try:
            async with self._pool.acquire(timeout=5) as conn:
                await repository.mark_attempt_failed(conn, email["email_id"], repr(error), retry_at)
        except TRANSIENT_ERRORS as db_error:
            # Not recorded: the claim expires and the email is tried again then.
            log.warning("email refusal not recorded", error=repr(db_error))
