"""Service layer of notifications: turn an event into a recorded email, then send what is due."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any, Protocol
from uuid import uuid5

import asyncpg
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Tracer

from services.notifications import domain
from services.notifications.adapters import repository
from services.notifications.adapters.smtp import build_message
from services.notifications.adapters.templates import RenderedEmail, TemplateRenderer
from services.notifications.settings import NotificationsSettings
from shared.db import Conn
from shared.events import Event
from shared.labels import render_label
from shared.logging import get_logger
from shared.sealing import unseal
from shared.tracing import span_from_stored_context
from shared.worker import NotifiedWorker

log = get_logger(__name__)


class Mailer(Protocol):
    async def send(self, message: EmailMessage) -> None: ...


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
    # As stored in emails.attachments: [{filename, content_type, content_base64}].
    attachments: list[dict[str, str]]


def _label_filename(rma_number: str) -> str:
    return f"etykieta-{rma_number.replace('/', '-')}.pdf"


def compose(
    renderer: TemplateRenderer,
    draft: domain.EmailDraft,
    *,
    customer_name: str | None = None,
    secrets: dict[str, str] | None = None,
) -> ComposedEmail:
    """The email's parts and attachments; `secrets` are the draft's sealed facts, opened."""
    context: dict[str, Any] = {"full_name": customer_name, **draft.context, **(secrets or {})}
    attachments = []
    if draft.label and draft.rma_number:
        pdf = render_label(draft.rma_number, customer_name)
        attachments.append(
            {
                "filename": _label_filename(draft.rma_number),
                "content_type": "application/pdf",
                "content_base64": base64.b64encode(pdf).decode("ascii"),
            }
        )
    return ComposedEmail(renderer.render(draft.template, draft.language, context), attachments)


async def record_email(ctx: NotificationsContext, conn: Conn, event: Event) -> None:
    if (named := domain.named_account(event)) is not None:
        await repository.remember_customer(conn, *named)
    draft = domain.draft_for(event)
    if draft is None:
        return
    max_age = timedelta(days=ctx.settings.email_max_event_age_days)
    if domain.too_old_to_email(event.occurred_at, ctx.clock(), max_age):
        log.warning(
            "email not sent: the event is too old",
            event_type=event.type,
            occurred_at=event.occurred_at.isoformat(),
        )
        return
    customer_name = None
    if draft.account_id is not None:
        customer_name = await repository.customer_name(conn, draft.account_id)
    secrets = {name: unseal(ctx.seal_private_key, sealed) for name, sealed in draft.sealed.items()}
    email = compose(ctx.renderer, draft, customer_name=customer_name, secrets=secrets)
    await repository.insert_email(
        conn,
        email_id=uuid5(event.event_id, "email"),
        event_id=event.event_id,
        event_type=event.type,
        message_id=ctx.message_id(event),
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
    """Sends recorded emails that are due; retries SMTP failures with backoff, then gives up."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        ctx: NotificationsContext,
        mailer: Mailer,
        tracer: Tracer | None = None,
    ) -> None:
        super().__init__(pool, channel="emails", name="mail-sender")
        self._ctx = ctx
        self._mailer = mailer
        self._tracer = tracer or trace.get_tracer(__name__)

    async def work(self) -> None:
        await self.send_due()

    async def send_due(self) -> int:
        sent = 0
        while (outcome := await self._send_next()) is not None:
            sent += outcome
        return sent

    async def _send_next(self) -> int | None:
        """Send the oldest due email in its own transaction: 1 sent, 0 failed, None if none due."""
        settings = self._ctx.settings
        async with self._pool.acquire() as conn, conn.transaction():
            # The row stays locked while sending, so a second sender never picks the same email.
            due = await repository.lock_due_emails(conn, self._ctx.clock(), limit=1)
            if not due:
                return None
            email = due[0]
            try:
                with span_from_stored_context(
                    self._tracer, "smtp send", email["trace_context"], kind=SpanKind.CLIENT
                ):
                    await self._mailer.send(build_message(settings, email))
            except Exception as error:
                attempts = email["attempts"] + 1
                retry_at = None
                if attempts < settings.smtp_max_attempts:
                    delay = settings.smtp_first_retry_seconds * 2 ** (attempts - 1)
                    retry_at = self._ctx.clock() + timedelta(seconds=delay)
                await repository.mark_attempt_failed(conn, email["email_id"], repr(error), retry_at)
                log.warning(
                    "email not sent",
                    email_id=str(email["email_id"]),
                    attempts=attempts,
                    gave_up=retry_at is None,
                    error=repr(error),
                )
                return 0
            await repository.mark_sent(conn, email["email_id"], self._ctx.clock())
        log.info("email sent", email_id=str(email["email_id"]), event_id=str(email["event_id"]))
        return 1
