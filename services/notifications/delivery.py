"""Service layer of the sending: take the due emails from the queue, hand them to the mailer,
record what the server answered. Works through the unit of work, on the injected clock."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from email.message import Message
from typing import Protocol

from opentelemetry import trace
from opentelemetry.trace import SpanKind, Tracer

from services.notifications.adapters.smtp import build_message, is_permanent
from services.notifications.handlers import NotificationsContext
from services.notifications.retries import RetryPolicy
from services.notifications.unit_of_work import QueuedEmail
from shared.consumer import TRANSIENT_ERRORS
from shared.logging import get_logger
from shared.outage import OutageLog
from shared.tracing import span_from_stored_context

log = get_logger(__name__)


class Mailer(Protocol):
    async def send(self, message: Message) -> None: ...


class MailDelivery:
    """Sends queued emails that are due, several at a time.

    What is guaranteed, and what is not (exactly-once across SMTP is impossible):
    - an email is claimed in one short unit of work, sent outside any, and marked sent in its
      own short step right after the server accepted it;
    - when the database is away at that moment, the mark is retried until it lands: the email
      is never sent again for that;
    - a temporary refusal (4xx, timeout, lost connection) is retried with capped exponential
      backoff for `smtp_retry_for_seconds`; only a permanent one (5xx) fails the email at once;
    - once the server refused, it is probed: every `smtp_probe_seconds` one waiting email is
      tried before its retry is due, and when any email is accepted, every email waiting for
      its backoff is sent at once; so the queue follows the server's return within seconds,
      however long the outage and the backoff. The outage is logged when it starts and when
      it ends (with the refusals and the emails released), each refusal in it only at info;
    - every copy of an email carries the same Message-ID (derived from its event), so mail
      clients fold a repeat;
    - only a crash of this process between the server's acceptance and the mark (a few
      milliseconds) repeats an email, once, when its claim expires (`smtp_claim_seconds`).
    """

    def __init__(
        self, ctx: NotificationsContext, mailer: Mailer, tracer: Tracer | None = None
    ) -> None:
        settings = ctx.settings
        self._ctx = ctx
        self._mailer = mailer
        self._retries = RetryPolicy(
            first_delay=timedelta(seconds=settings.smtp_first_retry_seconds),
            max_delay=timedelta(seconds=settings.smtp_max_retry_seconds),
            retry_for=timedelta(seconds=settings.smtp_retry_for_seconds),
        )
        self._marking = OutageLog("notifications database (marking emails sent)")
        self._refusing = OutageLog("SMTP server", clock=lambda: ctx.clock().timestamp())
        self._next_probe: datetime | None = None
        self._marks: set[asyncio.Future[None]] = set()
        self._tracer = tracer or trace.get_tracer(__name__)

    async def marks_landed(self, timeout: float) -> None:
        """A mark under way when stopping still lands, or the email would go out again."""
        if self._marks:
            await asyncio.wait(self._marks, timeout=timeout)

    async def send_due(self) -> int:
        """Send everything due now, `smtp_connections` at once; returns how many were sent.

        A window, not batches: more due emails are taken as soon as half the sends have ended,
        so a slow conversation (or a label being drawn) does not hold up the next ones."""
        slots = self._ctx.settings.smtp_connections
        sending: set[asyncio.Task[int]] = set()
        sent = await self._probe()
        try:
            while True:
                if len(sending) <= slots // 2:
                    for email in await self._take_due(slots - len(sending)):
                        sending.add(asyncio.create_task(self._deliver(email)))
                if not sending:
                    return sent
                done, sending = await asyncio.wait(sending, return_when=asyncio.FIRST_COMPLETED)
                sent += sum(task.result() for task in done)
        finally:
            # Stopping (or a failure) cancels the sends under way; an email the server
            # accepted is still marked (`_marks`).
            for task in sending:
                task.cancel()
            await asyncio.gather(*sending, return_exceptions=True)

    async def _probe(self) -> int:
        """While the server refuses: one waiting email, every `smtp_probe_seconds`."""
        now = self._ctx.clock()
        if not self._refusing.failures or (self._next_probe and now < self._next_probe):
            return 0
        settings = self._ctx.settings
        self._next_probe = now + timedelta(seconds=settings.smtp_probe_seconds)
        async with self._ctx.uow() as uow:
            probe = await uow.emails.take_probe(
                now, now + timedelta(seconds=settings.smtp_claim_seconds)
            )
            await uow.commit()
        if probe is None:
            return 0
        log.info("probing the SMTP server", email_id=str(probe.email_id))
        return await self._deliver(probe)

    async def _server_accepted(self) -> None:
        """The outage, if any, is over: what waits for its backoff goes now."""
        if not self._refusing.failures:
            return
        now = self._ctx.clock()
        try:
            async with self._ctx.uow() as uow:
                released = await uow.emails.release_waiting(now)
                await uow.commit()
        except TRANSIENT_ERRORS as error:
            # The database is away: the next email accepted releases them.
            log.info("emails not released yet", error=repr(error))
            return
        self._next_probe = None
        self._refusing.recovered(released=released)

    def _server_refused(self, error: Exception) -> None:
        if not self._refusing.failures:
            probe = timedelta(seconds=self._ctx.settings.smtp_probe_seconds)
            self._next_probe = self._ctx.clock() + probe
        self._refusing.failed(error)

    async def _take_due(self, limit: int) -> list[QueuedEmail]:
        settings, now = self._ctx.settings, self._ctx.clock()
        async with self._ctx.uow() as uow:
            taken = await uow.emails.take_due(
                now, now + timedelta(seconds=settings.smtp_claim_seconds), limit
            )
            await uow.commit()
        return taken

    async def _deliver(self, email: QueuedEmail) -> int:
        """1 if the server accepted the email, 0 if it refused (the refusal is recorded)."""
        try:
            with span_from_stored_context(
                self._tracer, "smtp send", email.trace_context, kind=SpanKind.CLIENT
            ):
                await self._mailer.send(build_message(self._ctx.settings, email))
        except Exception as error:
            await self._record_refusal(email, error)
            return 0
        mark = asyncio.ensure_future(self._mark_sent(email))
        self._marks.add(mark)
        mark.add_done_callback(self._marks.discard)
        await asyncio.shield(mark)
        log.info("email sent", email_id=str(email.email_id), event_id=str(email.event_id))
        await self._server_accepted()
        return 1

    async def _mark_sent(self, email: QueuedEmail) -> None:
        # Accepted: from here on the email must never be sent again, so the mark is retried for
        # as long as the database is away (the claim keeps other senders off meanwhile).
        delay = 0.1
        while True:
            try:
                async with self._ctx.uow() as uow:
                    await uow.emails.mark_sent(email.email_id, self._ctx.clock())
                    await uow.commit()
            except TRANSIENT_ERRORS as error:
                self._marking.failed(error)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)
                continue
            self._marking.recovered()
            return

    async def _record_refusal(self, email: QueuedEmail, error: Exception) -> None:
        permanent = is_permanent(error)
        retry_at = self._retries.next_attempt(
            attempts=email.attempts,
            retry_from=email.retry_from,
            now=self._ctx.clock(),
            permanent=permanent,
        )
        if not permanent:
            self._server_refused(error)
        # In an outage, its two lines tell it; a refusal that ends an email's tries is news.
        level = log.warning if permanent or retry_at is None else log.info
        level(
            "email not sent",
            email_id=str(email.email_id),
            event_id=str(email.event_id),
            attempts=email.attempts,
            permanent=permanent,
            gave_up=retry_at is None,
            error=repr(error),
        )
        try:
            async with self._ctx.uow() as uow:
                await uow.emails.mark_refused(email.email_id, repr(error), retry_at)
                await uow.commit()
        except TRANSIENT_ERRORS as db_error:
            # Not recorded: the claim expires and the email is tried again then.
            log.warning("email refusal not recorded", error=repr(db_error))
