"""Service layer of the sending: take the due emails from the queue, hand them to the mailer,
record what the server answered. Works through the unit of work, on the injected clock."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

from opentelemetry import trace
from opentelemetry.trace import SpanKind, Tracer

from services.notifications.adapters.mime import OutgoingEmail, wire_email
from services.notifications.adapters.smtp import is_permanent
from services.notifications.handlers import NotificationsContext
from services.notifications.handoff import Handed
from services.notifications.retries import RetryPolicy
from services.notifications.unit_of_work import QueuedEmail, UnitOfWorkFactory
from shared.consumer import TRANSIENT_ERRORS
from shared.logging import get_logger
from shared.outage import OutageLog
from shared.tracing import span_from_stored_context

log = get_logger(__name__)

# Without a NOTIFY, the queue is looked at this often (retries falling due), as the sender's
# poll (shared/worker.py) comes round.
QUEUE_LOOK = timedelta(seconds=1)
# A run of marks keeps its connection while the next email is accepted within this: on a
# backlog one every few milliseconds, at 10 claims a second (two emails each) one every 50 ms
# or so; at fewer than a few emails a second each mark takes one anew.
MARKS_RUN_GRACE = 0.25
# Emails accepted are marked sent in groups: a mark waits for this many, or for this long after
# the first of them was accepted, unless the round of sends is over. On a backlog a mark per
# email or two was a sixth of the CPU per email (a statement, a commit, their round trip).
# Groups of 16 cost what groups of 64 did (in-process, 0.84-0.88 against 0.82-0.87 ms of CPU
# per email), and a crash of this process repeats at most 16 emails waiting for their mark,
# besides those in flight (RMA_SMTP_CONNECTIONS), where 64 would.
MARKS_GROUP = 16
MARKS_LINGER = 0.02
# Sending goes on without waiting for the marks while fewer emails than this wait for theirs;
# beyond it (the database slow or away) each send waits for its own mark.
MARKS_UNMARKED_LIMIT = MARKS_GROUP


class Mailer(Protocol):
    async def send(self, message: OutgoingEmail) -> None: ...


class MailDelivery:
    """Sends queued emails that are due, several at a time.

    What is guaranteed, and what is not (exactly-once across SMTP is impossible):
    - an email is claimed in one short unit of work, sent outside any, and marked sent in a
      short step soon after the server accepted it (`SentMarks`: with the others accepted
      within `MARKS_LINGER`, in one statement; a round of sends ends once its marks landed);
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
    - only a crash of this process between the server's acceptance and the mark (a few tens
      of milliseconds; at most `MARKS_UNMARKED_LIMIT` emails waiting for theirs) repeats an
      email, once, when its claim expires (`smtp_claim_seconds`).
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
        self._marks = SentMarks(ctx)
        # The marks of this round's emails, awaited when the round ends.
        self._landing: list[asyncio.Future[None]] = []
        self._refusing = OutageLog("SMTP server", clock=lambda: ctx.clock().timestamp())
        self._next_probe: datetime | None = None
        self._next_look: datetime | None = None
        self._tracer = tracer or trace.get_tracer(__name__)

    async def marks_landed(self, timeout: float) -> None:
        """A mark under way when stopping still lands, or the email would go out again."""
        await self._marks.landed(timeout)

    async def release_handed(self) -> None:
        """Stopping: no more hand-offs, and the emails handed and not sent back in the queue."""
        if self._ctx.handoff is not None:
            await self._release(self._ctx.handoff.close())

    async def _take_handed(self, limit: int) -> list[QueuedEmail]:
        """Up to `limit` emails handed over; one reached too late to be sent within a take's
        claim goes back to the queue instead (released, due at once)."""
        if self._ctx.handoff is None:
            return []
        handed = self._ctx.handoff.take(limit)
        now = self._ctx.clock()
        # As much claim left as a take gives: the send's conversation is bounded within it.
        claim = timedelta(seconds=self._ctx.settings.smtp_claim_seconds)
        late = [h for h in handed if h.claimed_until < now + claim]
        if late:
            await self._release(late)
        return [h.email for h in handed if h.claimed_until >= now + claim]

    async def _release(self, handed: list[Handed]) -> None:
        by_claim: dict[datetime, list[UUID]] = {}
        for each in handed:
            by_claim.setdefault(each.claimed_until, []).append(each.email.email_id)
        try:
            async with self._ctx.uow() as uow:
                released = sum(
                    [
                        await uow.emails.release(ids, claimed_until, self._ctx.clock())
                        for claimed_until, ids in by_claim.items()
                    ]
                )
                await uow.commit()
        except TRANSIENT_ERRORS as error:
            # Their claim expires, and any sender takes them then.
            log.warning("handed emails not released", emails=len(handed), error=repr(error))
            return
        log.info("handed emails released to the queue", emails=released)

    async def send_due(self, *, queue_announced: bool = True) -> int:
        """Send everything due now, `smtp_connections` at once; returns how many were sent.

        A window, not batches: more due emails are taken as soon as half the sends have ended,
        so a slow conversation (or a label being drawn) does not hold up the next ones. The
        emails handed over by this process's consumer go first (handoff.py); the queue is
        looked at when `queue_announced` (a NOTIFY, or the first round) and at least every
        `QUEUE_LOOK` besides (retries falling due), not for each hand-off."""
        slots = self._ctx.settings.smtp_connections
        sending: set[asyncio.Task[int]] = set()
        sent = await self._probe()
        now = self._ctx.clock()
        # A take that found fewer than it asked for emptied the queue: an email queued after it
        # wakes the sender again (NOTIFY), so no take is spent only to find the queue empty.
        drained = not (queue_announced or self._next_look is None or now >= self._next_look)
        if not drained:
            self._next_look = now + QUEUE_LOOK
        try:
            while True:
                if len(sending) <= slots // 2:
                    wanted = slots - len(sending)
                    taken = await self._take_handed(wanted)
                    if not drained and len(taken) < wanted:
                        from_queue = await self._take_due(wanted - len(taken))
                        drained = len(from_queue) < wanted - len(taken)
                        taken += from_queue
                    sending.update(asyncio.create_task(self._deliver(email)) for email in taken)
                if not sending:
                    await self._round_marked()
                    return sent
                done, sending = await asyncio.wait(sending, return_when=asyncio.FIRST_COMPLETED)
                sent += sum(task.result() for task in done)
        finally:
            # Stopping (or a failure) cancels the sends under way; an email the server
            # accepted is still marked (`_marks`).
            for task in sending:
                task.cancel()
            await asyncio.gather(*sending, return_exceptions=True)

    async def _round_marked(self) -> None:
        """The round's emails marked sent: what is still gathered is marked at once."""
        landing, self._landing = self._landing, []
        if landing:
            self._marks.hurry()
            await asyncio.shield(asyncio.gather(*landing))

    async def _probe(self) -> int:
        """While the server refuses: one waiting email, every `smtp_probe_seconds`."""
        now = self._ctx.clock()
        if not self._refusing.failures or (self._next_probe and now < self._next_probe):
            return 0
        settings = self._ctx.settings
        self._next_probe = now + timedelta(seconds=settings.smtp_probe_seconds)
        async with self._ctx.single_statement() as uow:
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
        if self._ctx.handoff is not None:
            self._ctx.handoff.refusing = False

    def _server_refused(self, error: Exception) -> None:
        if self._ctx.handoff is not None:
            self._ctx.handoff.refusing = True  # the queue's backoff and probes decide
        if not self._refusing.failures:
            probe = timedelta(seconds=self._ctx.settings.smtp_probe_seconds)
            self._next_probe = self._ctx.clock() + probe
        self._refusing.failed(error)

    async def _take_due(self, limit: int) -> list[QueuedEmail]:
        settings, now = self._ctx.settings, self._ctx.clock()
        async with self._ctx.single_statement() as uow:
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
                await self._mailer.send(wire_email(self._ctx.settings, email, self._ctx.clock()))
        except Exception as error:
            await self._record_refusal(email, error)
            return 0
        landed = self._marks.accept(email.email_id)
        self._landing.append(landed)
        if len(self._landing) > 2 * MARKS_UNMARKED_LIMIT:  # a long round: keep what is news
            self._landing = [f for f in self._landing if not f.done() or _failed(f)]
        if self._marks.unmarked > MARKS_UNMARKED_LIMIT:
            await asyncio.shield(landed)  # the database lags behind: sending waits for it
        log.info("email sent", email_id=str(email.email_id), event_id=str(email.event_id))
        await self._server_accepted()
        return 1

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
            async with self._ctx.single_statement() as uow:
                await uow.emails.mark_refused(email.email_id, repr(error), retry_at)
                await uow.commit()
        except TRANSIENT_ERRORS as db_error:
            # Not recorded: the claim expires and the email is tried again then.
            log.warning("email refusal not recorded", error=repr(db_error))


class SentMarks:
    """The emails the server accepted, marked sent together: one statement for a group (a group
    commit) instead of a transaction per email. A group is the emails accepted while the
    previous mark was under way, gathered up to `MARKS_GROUP` of them or for `MARKS_LINGER`
    after the first (`hurry` ends the gathering: the round of sends is over, or a stop). A run
    of marks, while emails keep being accepted (no more than `MARKS_RUN_GRACE` apart), goes on
    one connection (`NotificationsContext.statement_run`), not one taken from the pool and
    given back per mark.

    Accepted: from here on an email must never be sent again, so its mark is retried for as
    long as the database is away (its claim keeps other senders off meanwhile), and a send
    cancelled by a stop still has its mark land (`landed`)."""

    def __init__(self, ctx: NotificationsContext) -> None:
        self._ctx = ctx
        self._accepted: dict[UUID, asyncio.Future[None]] = {}
        self._first_accepted = 0.0  # the event loop's time when the first of them was
        self._in_flight = 0  # the emails of the mark under way
        self._hurry = False
        self._marking: asyncio.Task[None] | None = None
        self._more: asyncio.Future[None] | None = None  # the marks waiting for emails
        self._any_wakes = False  # ... for any email (a run's grace), or for a whole group
        self._outage = OutageLog("notifications database (marking emails sent)")

    def accept(self, email_id: UUID) -> asyncio.Future[None]:
        """The email accepted by the server; the future is done once it is marked sent
        (cancelling a wait for it, shielded, leaves the mark to land)."""
        loop = asyncio.get_running_loop()
        landed = loop.create_future()
        if not self._accepted:
            self._first_accepted = loop.time()
        self._accepted[email_id] = landed
        if self._any_wakes or len(self._accepted) >= MARKS_GROUP:
            self._wake()
        if self._marking is None or self._marking.done():
            self._marking = asyncio.create_task(self._mark_accepted())
        return landed

    @property
    def unmarked(self) -> int:
        """Emails accepted and not marked sent yet."""
        return len(self._accepted) + self._in_flight

    def hurry(self) -> None:
        """The emails accepted so far are marked without waiting for more."""
        if self._accepted:
            self._hurry = True
            self._wake()

    async def landed(self, timeout: float) -> None:
        """Stopping: the marks under way land, and the run gives its connection back at once."""
        self.hurry()
        self._wake()
        if self._marking is not None and not self._marking.done():
            await asyncio.wait({self._marking}, timeout=timeout)

    def _wake(self) -> None:
        if self._more is not None and not self._more.done():
            self._more.set_result(None)

    async def _mark_accepted(self) -> None:
        delay = 0.1
        while self._accepted:
            try:
                async with self._ctx.statement_run() as statement:
                    while self._accepted or await self._another_accepted():
                        await self._gathered()
                        batch, self._accepted, self._hurry = self._accepted, {}, False
                        await self._mark(statement, batch)
                        delay = 0.1  # the database answered: a later outage backs off anew
            except TRANSIENT_ERRORS as error:  # the batch is back in `_accepted`
                self._outage.failed(error)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)
            except Exception as error:  # not the database being away: each sender hears it
                batch, self._accepted = self._accepted, {}
                for landed in batch.values():
                    landed.set_exception(error)

    async def _mark(
        self, statement: UnitOfWorkFactory, batch: dict[UUID, asyncio.Future[None]]
    ) -> None:
        self._in_flight = len(batch)
        try:
            async with statement() as uow:
                await uow.emails.mark_sent(list(batch), self._ctx.clock())
                await uow.commit()
        except TRANSIENT_ERRORS:
            self._accepted = {**batch, **self._accepted}  # marked again, on a new connection
            raise
        except Exception as error:  # not the database being away: each sender hears it
            for landed in batch.values():
                landed.set_exception(error)
            return
        finally:
            self._in_flight = 0
        self._outage.recovered()
        for landed in batch.values():
            landed.set_result(None)

    async def _gathered(self) -> None:
        """Until a group is gathered, `MARKS_LINGER` after its first email, or hurried."""
        loop = asyncio.get_running_loop()
        while len(self._accepted) < MARKS_GROUP and not self._hurry:
            left = self._first_accepted + MARKS_LINGER - loop.time()
            if left <= 0:
                return
            await self._more_or_after(left, any_wakes=False)

    async def _another_accepted(self) -> bool:
        """Whether another email is accepted within `MARKS_RUN_GRACE` (the run goes on)."""
        await self._more_or_after(MARKS_RUN_GRACE, any_wakes=True)
        return bool(self._accepted)

    async def _more_or_after(self, seconds: float, *, any_wakes: bool) -> None:
        loop = asyncio.get_running_loop()
        self._more, self._any_wakes = loop.create_future(), any_wakes
        timer = loop.call_later(seconds, _settle, self._more)
        try:
            await self._more
        finally:
            timer.cancel()
            self._more, self._any_wakes = None, False


def _failed(future: asyncio.Future[None]) -> bool:
    return future.cancelled() or future.exception() is not None


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
