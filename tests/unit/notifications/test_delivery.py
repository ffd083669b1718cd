"""The sending, on the in-memory unit of work, a fake mailer and an injected clock: due emails go
out and are marked sent; a temporary refusal waits for its backoff, a permanent one fails the
email at once, and a temporary one is given up once retrying would outlast its period."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import aiosmtplib
import pytest

from services.notifications.adapters.memory import MemoryDatabase, MemoryEmailQueue, StoredEmail
from services.notifications.adapters.mime import OutgoingEmail
from services.notifications.bootstrap import memory_context
from services.notifications.delivery import (
    MARKS_RUN_GRACE,
    MARKS_UNMARKED_LIMIT,
    MailDelivery,
    SentMarks,
)
from services.notifications.settings import NotificationsSettings
from tests.support.notifications_contract import NOW, new_email


@dataclass
class FakeMailer:
    """Accepts, or answers each send with the next of `refusals` while there are any."""

    clock: Any
    refusals: list[Exception] = field(default_factory=list)
    accepted: dict[str, datetime] = field(default_factory=dict)
    tried: list[str] = field(default_factory=list)

    async def send(self, message: OutgoingEmail) -> None:
        self.tried.append(message.message_id)
        if self.refusals:
            raise self.refusals.pop(0)
        self.accepted[message.message_id] = self.clock()


@dataclass
class Sending:
    database: MemoryDatabase
    mailer: FakeMailer
    delivery: MailDelivery
    now: list[datetime]

    async def queue(self, count: int) -> list[UUID]:
        ids = []
        for _ in range(count):
            email = new_email()
            async with self.database.unit_of_work() as uow:
                await uow.emails.add_all([email], self.now[0])
                await uow.commit()
            ids.append(email.email_id)
        return ids

    def at(self, seconds: float) -> None:
        self.now[0] = NOW + timedelta(seconds=seconds)

    def email(self, email_id: UUID) -> StoredEmail:
        return self.database.email(email_id)


def sending(mailer_type: type[FakeMailer] | None = None, **settings: Any) -> Sending:
    database, now = MemoryDatabase(), [NOW]
    ctx = memory_context(NotificationsSettings(**settings), database, clock=lambda: now[0])
    mailer = (mailer_type or FakeMailer)(clock=ctx.clock)
    return Sending(database, mailer, MailDelivery(ctx, mailer), now)


def temporary() -> Exception:
    return aiosmtplib.SMTPResponseException(451, "4.3.0 Try again later")


async def test_due_emails_go_out_and_are_marked_sent_at_the_clocks_time() -> None:
    run = sending(smtp_connections=2)
    ids = await run.queue(5)
    run.at(1)
    assert await run.delivery.send_due() == 5
    for email_id in ids:
        stored = run.email(email_id)
        assert (stored.status, stored.attempts, stored.sent_at) == (
            "sent",
            1,
            NOW + timedelta(seconds=1),
        )
    assert len(run.mailer.accepted) == 5
    assert await run.delivery.send_due() == 0  # nothing sent twice


async def test_a_temporary_refusal_waits_for_its_backoff_then_goes_out() -> None:
    run = sending(smtp_first_retry_seconds=2, smtp_max_retry_seconds=600)
    [email_id] = await run.queue(1)
    run.mailer.refusals = [temporary(), temporary()]
    assert await run.delivery.send_due() == 0
    stored = run.email(email_id)
    assert (stored.status, stored.next_attempt_at) == ("pending", NOW + timedelta(seconds=2))
    assert "451" in (stored.last_error or "")
    run.at(1.9)
    assert await run.delivery.send_due() == 0 and len(run.mailer.tried) == 1  # not due yet
    run.at(2)
    assert await run.delivery.send_due() == 0
    assert run.email(email_id).next_attempt_at == NOW + timedelta(seconds=6)  # doubled
    run.at(6)
    assert await run.delivery.send_due() == 1
    assert (run.email(email_id).status, run.email(email_id).attempts) == ("sent", 3)


async def test_a_permanent_refusal_fails_the_email_at_once() -> None:
    run = sending()
    [email_id] = await run.queue(1)
    run.mailer.refusals = [aiosmtplib.SMTPResponseException(550, "5.1.1 No such user")]
    assert await run.delivery.send_due() == 0
    stored = run.email(email_id)
    assert (stored.status, stored.attempts) == ("failed", 1)
    run.at(3600)
    assert await run.delivery.send_due() == 0 and len(run.mailer.tried) == 1


async def test_temporary_refusals_are_given_up_once_retrying_would_outlast_the_period() -> None:
    run = sending(smtp_first_retry_seconds=10, smtp_max_retry_seconds=10, smtp_retry_for_seconds=25)
    [email_id] = await run.queue(1)
    run.mailer.refusals = [temporary() for _ in range(5)]
    for second in (0, 10, 20):
        run.at(second)
        await run.delivery.send_due()
    stored = run.email(email_id)
    assert (stored.status, stored.attempts) == ("failed", 3)  # a 4th try would come at 30 s


async def test_an_email_being_sent_is_not_taken_again_until_its_claim_expires() -> None:
    run = sending(smtp_timeout_seconds=5)  # claimed for 2 x 5 + 5 s
    [email_id] = await run.queue(1)
    async with run.database.unit_of_work() as uow:  # a sender that died mid-send
        [taken] = await uow.emails.take_due(NOW, NOW + timedelta(seconds=15), 10)
        await uow.commit()
    run.at(14)
    assert await run.delivery.send_due() == 0
    run.at(15)
    assert await run.delivery.send_due() == 1
    assert taken.email_id == email_id and run.email(email_id).attempts == 2


@dataclass
class Statements:
    """Each take and mark the sending ran on the in-memory queue, with what it got."""

    taken: list[int] = field(default_factory=list)
    marked: list[list[UUID]] = field(default_factory=list)


def counted(run: Sending, monkeypatch: pytest.MonkeyPatch) -> Statements:
    statements = Statements()
    take_due, mark_sent = MemoryEmailQueue.take_due, MemoryEmailQueue.mark_sent

    async def take(queue: MemoryEmailQueue, *args: Any) -> Any:
        taken = await take_due(queue, *args)
        statements.taken.append(len(taken))
        return taken

    async def mark(queue: MemoryEmailQueue, email_ids: list[UUID], now: datetime) -> None:
        statements.marked.append(list(email_ids))
        await mark_sent(queue, email_ids, now)

    monkeypatch.setattr(MemoryEmailQueue, "take_due", take)
    monkeypatch.setattr(MemoryEmailQueue, "mark_sent", mark)
    return statements


async def test_emails_accepted_together_are_marked_sent_in_one_statement(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run = sending(smtp_connections=4)
    statements = counted(run, monkeypatch)
    ids = await run.queue(4)
    assert await run.delivery.send_due() == 4
    assert [sorted(marked) for marked in statements.marked] == [sorted(ids)]
    assert all(run.email(email_id).status == "sent" for email_id in ids)


@dataclass
class YieldingMailer(FakeMailer):
    """Accepts each email after a turn of the event loop, as a real conversation yields."""

    async def send(self, message: OutgoingEmail) -> None:
        await asyncio.sleep(0)
        await super().send(message)


async def test_emails_accepted_one_after_another_are_marked_sent_together(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One connection, twenty emails accepted one after another: the sends do not wait for
    each one's mark, and the marks gather them (one statement, where each email took its
    own while its send waited for it)."""
    run = sending(YieldingMailer, smtp_connections=1)
    statements = counted(run, monkeypatch)
    ids = await run.queue(20)
    assert await run.delivery.send_due() == 20
    assert all(run.email(email_id).status == "sent" for email_id in ids)  # landed by the end
    assert len(statements.marked) <= 2, statements.marked
    assert sorted(i for marked in statements.marked for i in marked) == sorted(ids)


async def test_a_long_round_keeps_only_the_marks_still_to_land(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A round goes on as long as emails keep coming (a backlog's hours): what it keeps of its
    emails' marks, to await at its end, stays bounded."""
    run = sending(YieldingMailer, smtp_connections=4)
    kept: list[int] = []
    accept = SentMarks.accept

    def accepted(marks: SentMarks, email_id: UUID) -> asyncio.Future[None]:
        kept.append(len(run.delivery._landing))
        return accept(marks, email_id)

    monkeypatch.setattr(SentMarks, "accept", accepted)
    ids = await run.queue(6 * MARKS_UNMARKED_LIMIT)
    assert await run.delivery.send_due() == len(ids)
    assert max(kept) <= 2 * MARKS_UNMARKED_LIMIT
    assert all(run.email(email_id).status == "sent" for email_id in ids)


async def test_sending_waits_for_its_marks_beyond_the_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The database away while marking: sending goes on until `MARKS_UNMARKED_LIMIT` emails
    wait for their marks, then waits; once the database is back, every email is marked."""
    run = sending(smtp_connections=1)
    away = [True]
    mark_sent = MemoryEmailQueue.mark_sent

    async def mark(queue: MemoryEmailQueue, email_ids: list[UUID], now: datetime) -> None:
        if away[0]:
            raise OSError("away")
        await mark_sent(queue, email_ids, now)

    monkeypatch.setattr(MemoryEmailQueue, "mark_sent", mark)
    ids = await run.queue(MARKS_UNMARKED_LIMIT + 10)
    round_ = asyncio.create_task(run.delivery.send_due())
    await asyncio.sleep(0.3)
    assert len(run.mailer.accepted) == MARKS_UNMARKED_LIMIT + 1
    away[0] = False
    assert await round_ == MARKS_UNMARKED_LIMIT + 10
    assert all(run.email(email_id).status == "sent" for email_id in ids)


async def test_a_take_that_empties_the_queue_is_the_rounds_last(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run = sending(smtp_connections=4)
    statements = counted(run, monkeypatch)
    await run.queue(3)
    assert await run.delivery.send_due() == 3
    assert statements.taken == [3]  # not a second take only to find the queue empty
    await run.queue(9)
    assert await run.delivery.send_due() == 9
    assert statements.taken[1:] == [4, 4, 1]  # the fake accepts at once: whole windows


async def test_stopping_ends_a_run_of_marks_at_once() -> None:
    """A run of marks waits a little for the next email accepted (delivery.MARKS_RUN_GRACE),
    holding its connection; a stop does not wait that out."""
    run = sending()
    [email_id] = await run.queue(1)
    assert await run.delivery.send_due() == 1
    assert run.email(email_id).status == "sent"
    started = asyncio.get_running_loop().time()
    await run.delivery.marks_landed(timeout=5)
    assert asyncio.get_running_loop().time() - started < MARKS_RUN_GRACE * 0.8


async def test_a_marks_retries_back_off_anew_in_each_outage(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The database away while marking: retried after 0.1, 0.2, 0.4 s...; once a mark landed,
    the next outage starts again from 0.1 s, even within one run of marks (two rounds of one
    email each: a round's marks land before it ends, each round's mark on the run's one)."""
    run = sending(smtp_connections=1)
    answers = iter([OSError("away")] * 3 + [None, OSError("away again")])
    mark_sent = MemoryEmailQueue.mark_sent

    async def mark(queue: MemoryEmailQueue, email_ids: list[UUID], now: datetime) -> None:
        if (away := next(answers, None)) is not None:
            raise away
        await mark_sent(queue, email_ids, now)

    delays: list[float] = []
    sleep = asyncio.sleep

    async def recorded(delay: float, *args: Any) -> Any:
        delays.append(delay)
        return await sleep(0, *args)

    monkeypatch.setattr(MemoryEmailQueue, "mark_sent", mark)
    monkeypatch.setattr(asyncio, "sleep", recorded)
    ids = await run.queue(1)
    assert await run.delivery.send_due() == 1
    ids += await run.queue(1)
    assert await run.delivery.send_due() == 1
    assert delays == [0.1, 0.2, 0.4, 0.1]
    assert all(run.email(email_id).status == "sent" for email_id in ids)
