"""Notifications' consumer on the real PostgreSQL, in the statements a fetched batch needs (issue
27, item 3): its events' emails are queued in one statement, in the batch's transaction with its
inbox rows, whatever the number of events; a poison record is still dead-lettered alone."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

import asyncpg
import pytest
from aiokafka import TopicPartition
from asyncpg.connection import LoggedQuery

from services.notifications import preview
from services.notifications.adapters.mime import OutgoingEmail
from services.notifications.adapters.postgres import PostgresEmailQueue, PostgresUnitOfWork
from services.notifications.bootstrap import postgres_context
from services.notifications.delivery import MARKS_LINGER, MailDelivery
from services.notifications.entrypoints.consumers import emails_of
from services.notifications.handlers import NotificationsContext
from services.notifications.settings import NotificationsSettings
from shared.commits import RecordEffects
from shared.consumer import EffectBatches
from shared.db import create_pool, migrate
from shared.events import Event
from shared.inbox import DeferredEffect, apply_in_one_transaction
from shared.outage import OutageLog

pytestmark = pytest.mark.integration
CONSUMER = "notifications"
PARTITION = TopicPartition("claims", 0)


@dataclass
class Consumer:
    """Notifications' effects on a pool of one connection, as its consumer applies them."""

    pool: asyncpg.Pool
    ctx: NotificationsContext

    def effect(self, event: Event) -> DeferredEffect:
        return DeferredEffect(self.pool, CONSUMER, event, emails_of(self.ctx, self.unit, event))

    @staticmethod
    def unit(conn: Any) -> PostgresUnitOfWork:
        return PostgresUnitOfWork(conn)

    async def emails_of(self, event: Event) -> int:
        count: int = await self.pool.fetchval(
            "SELECT count(*) FROM emails WHERE event_id = $1", event.event_id
        )
        return count


@pytest.fixture
async def consumer(database_url: str) -> AsyncIterator[Consumer]:
    pool = await create_pool(database_url, max_size=1)
    await migrate(pool, "shared.migrations", "services.notifications.migrations")
    # No seal key: an event with a sealed link cannot be opened, and is a poison record here.
    ctx = postgres_context(NotificationsSettings(), lambda: pool, seal_private_key=b"")
    ctx = replace(ctx, clock=lambda: preview.NOW + timedelta(minutes=1))
    yield Consumer(pool, ctx)
    await pool.close()


def status_changes(count: int) -> list[Event]:
    return [preview.status_changed("pl", "in_inspection") for _ in range(count)]


def activated() -> Event:
    """An account event that names the customer (and is emailed, without a sealed link)."""
    [event] = [e for e in preview.samples("pl") if e[1].type == "AccountActivated"]
    return event[1]


async def test_a_batchs_emails_are_queued_in_one_statement(consumer: Consumer) -> None:
    """BEGIN, the inbox rows, the emails, COMMIT: four statements for five events, where each
    email was an INSERT of its own (eight)."""
    # The first batch on a connection also asks PostgreSQL about its types, and reads the name.
    assert await apply_in_one_transaction([consumer.effect(activated())]) == 1
    events = status_changes(5)
    statements: list[str] = []

    def logged(query: LoggedQuery) -> None:
        statements.append(query.query)

    async with consumer.pool.acquire() as conn:
        conn.add_query_logger(logged)
    try:
        assert await apply_in_one_transaction([consumer.effect(e) for e in events]) == 5
    finally:
        async with consumer.pool.acquire() as conn:
            conn.remove_query_logger(logged)
    assert len(statements) == 4, "\n---\n".join(statements)
    assert [await consumer.emails_of(event) for event in events] == [1] * 5


class GivenUp:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    def __call__(self, message: Any, error: Exception, attempts: int) -> asyncio.Task[None]:
        self.messages.append(message)
        return asyncio.create_task(asyncio.sleep(0))


async def test_a_poison_record_is_dead_lettered_alone_and_the_others_queued_once(
    consumer: Consumer,
) -> None:
    """The batch's one statement fails with it: record by record, each in a transaction of its
    own, its emails queued once; an event handled before queues nothing."""
    handled_before, *fine = status_changes(3)
    assert await apply_in_one_transaction([consumer.effect(handled_before)]) == 1
    await consumer.pool.execute("DELETE FROM emails")  # sent and forgotten, say
    [poison] = [e for _, e in preview.samples("pl") if e.type == "AccountActivationLinkIssued"]
    batch = [handled_before, fine[0], poison, fine[1], fine[0]]
    records = [
        RecordEffects(PARTITION, offset, f"message@{offset}", [consumer.effect(event)])
        for offset, event in enumerate(batch)
    ]
    given_up = GivenUp()
    batches = EffectBatches(
        give_up=given_up, outage=OutageLog("test"), max_attempts=2, first_backoff=0.0
    )
    outcome = await batches.apply(records)
    assert given_up.messages == ["message@2"]
    assert [offset for _, offset, _ in outcome.dead_letters] == [2]
    assert outcome.read_again == {}
    counts = [await consumer.emails_of(event) for event in (handled_before, *fine, poison)]
    assert counts == [0, 1, 1, 0]


async def test_an_effect_run_outside_the_inbox_queues_its_emails_at_once(
    consumer: Consumer,
) -> None:
    """A consumer that runs the effect in a transaction of its own, not through shared/inbox.py,
    still gets the emails queued, in that transaction."""
    [event] = status_changes(1)
    async with consumer.pool.acquire() as conn, conn.transaction():
        await consumer.effect(event).effect(conn)
    assert await consumer.emails_of(event) == 1


async def test_a_batchs_emails_go_to_the_sender_without_a_take(consumer: Consumer) -> None:
    """With this process's sender running, the batch's one INSERT queues its emails taken for
    it already (no NOTIFY), and the commit hands them over: the sender sends them with one
    statement, the mark, where it took a take (the bodies read back) and a mark."""
    assert await apply_in_one_transaction([consumer.effect(activated())]) == 1
    mailer = AcceptingMailer()
    sender = MailDelivery(consumer.ctx, mailer)
    # Its first round looks at the queue (and the connection learns the statements' types).
    assert await sender.send_due() == 1
    handoff = consumer.ctx.handoff
    assert handoff is not None
    handoff.open(wake=lambda: None)
    events = status_changes(4)
    async with logged_statements(consumer.pool) as statements:
        assert await apply_in_one_transaction([consumer.effect(e) for e in events]) == 4
    assert len(statements) == 4, "\n---\n".join(statements)  # BEGIN, inbox, emails, COMMIT
    assert "pg_notify" not in statements[2]
    assert len(handoff) == 4
    async with logged_statements(consumer.pool) as statements:
        assert await sender.send_due(queue_announced=False) == 4
    assert all(s.lstrip().startswith("UPDATE emails SET status = 'sent'") for s in statements)
    assert 1 <= len(statements) <= 2, "\n---\n".join(statements)  # the marks, grouped
    assert sorted(mailer.accepted[1:]) == sorted(consumer.ctx.message_id(e) for e in events)
    assert await consumer.pool.fetchval("SELECT count(*) FROM emails WHERE status <> 'sent'") == 0


async def test_a_batch_rolled_back_hands_nothing_and_its_records_hand_each_once(
    consumer: Consumer,
) -> None:
    """The batch's one statement fails with a poison record: the batch rolls back and hands
    nothing; record by record, each committed record hands its email once."""
    handoff = consumer.ctx.handoff
    assert handoff is not None
    handoff.open(wake=lambda: None)
    fine = status_changes(2)
    [poison] = [e for _, e in preview.samples("pl") if e.type == "AccountActivationLinkIssued"]
    records = [
        RecordEffects(PARTITION, offset, f"message@{offset}", [consumer.effect(event)])
        for offset, event in enumerate([fine[0], poison, fine[1]])
    ]
    batches = EffectBatches(
        give_up=GivenUp(), outage=OutageLog("test"), max_attempts=2, first_backoff=0.0
    )
    await batches.apply(records)
    handed = handoff.take(10)
    assert sorted(h.email.message_id for h in handed) == sorted(
        consumer.ctx.message_id(e) for e in fine
    )
    rows = await consumer.pool.fetch("SELECT attempts, claimed_until FROM emails")
    assert [(r["attempts"], r["claimed_until"]) for r in rows] == [(1, handed[0].claimed_until)] * 2


@contextlib.asynccontextmanager
async def logged_statements(pool: asyncpg.Pool) -> AsyncIterator[list[str]]:
    """The statements run meanwhile on the pool's one connection."""
    statements: list[str] = []

    def logged(query: LoggedQuery) -> None:
        statements.append(query.query)

    async with pool.acquire() as conn:
        conn.add_query_logger(logged)
    try:
        yield statements
    finally:
        async with pool.acquire() as conn:
            conn.remove_query_logger(logged)


@dataclass
class AcceptingMailer:
    accepted: list[str] = field(default_factory=list)

    async def send(self, message: OutgoingEmail) -> None:
        self.accepted.append(message.message_id)


@dataclass
class OneByOneMailer:
    """Accepts each email `seconds` after it was given, and may do something on one of them."""

    seconds: float
    on_send: dict[int, Callable[[], Awaitable[None]]] = field(default_factory=dict)
    accepted: list[str] = field(default_factory=list)

    async def send(self, message: OutgoingEmail) -> None:
        await asyncio.sleep(self.seconds)
        if (then := self.on_send.get(len(self.accepted))) is not None:
            await then()
        self.accepted.append(message.message_id)


@contextlib.asynccontextmanager
async def sender_handed(
    database_url: str, pool_size: int, count: int
) -> AsyncIterator[tuple[Consumer, list[Event]]]:
    """`count` emails handed over, on a pool of `pool_size`, to a sender of one SMTP connection:
    it sends them one after another, each marked sent by a statement of its own."""
    pool = await create_pool(database_url, max_size=pool_size)
    try:
        await migrate(pool, "shared.migrations", "services.notifications.migrations")
        settings = NotificationsSettings(smtp_connections=1)
        ctx = postgres_context(settings, lambda: pool, seal_private_key=b"")
        consumer = Consumer(pool, replace(ctx, clock=lambda: preview.NOW + timedelta(minutes=1)))
        handoff = consumer.ctx.handoff
        assert handoff is not None
        handoff.open(wake=lambda: None)
        events = status_changes(count)
        assert await apply_in_one_transaction([consumer.effect(e) for e in events]) == count
        assert len(handoff) == count
        yield consumer, events
    finally:
        await pool.close()


# Emails accepted this far apart are marked sent one by one (a mark gathers for MARKS_LINGER).
APART = MARKS_LINGER * 2.5


@dataclass
class Acquisitions:
    """Connections taken from a pool, and the marks and takes made meanwhile."""

    taken: int = 0
    marks: int = 0
    takes: int = 0

    def counted(self, monkeypatch: pytest.MonkeyPatch) -> Acquisitions:
        acquire = asyncpg.Pool.acquire
        mark_sent, take_due = PostgresEmailQueue.mark_sent, PostgresEmailQueue.take_due

        def acquired(pool: asyncpg.Pool, *args: Any, **kwargs: Any) -> Any:
            self.taken += 1
            return acquire(pool, *args, **kwargs)

        async def marked(queue: PostgresEmailQueue, *args: Any) -> None:
            self.marks += 1
            await mark_sent(queue, *args)

        async def took(queue: PostgresEmailQueue, *args: Any) -> Any:
            self.takes += 1
            return await take_due(queue, *args)

        monkeypatch.setattr(asyncpg.Pool, "acquire", acquired)
        monkeypatch.setattr(PostgresEmailQueue, "mark_sent", marked)
        monkeypatch.setattr(PostgresEmailQueue, "take_due", took)
        return self


async def test_a_run_of_marks_takes_one_connection_from_the_pool(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Emails accepted one by one, further apart than a mark gathers them, each marked sent by a
    statement of its own: all on one connection taken from the pool once, where each took one
    and gave it back (asyncpg's pool costs twice the CPU of the mark itself)."""
    async with sender_handed(database_url, pool_size=4, count=6) as (consumer, events):
        mailer = OneByOneMailer(APART)
        sender = MailDelivery(consumer.ctx, mailer)
        counts = Acquisitions().counted(monkeypatch)
        assert await sender.send_due(queue_announced=False) == 6
        await sender.marks_landed(timeout=5)
        monkeypatch.undo()
        assert counts.marks == 6
        # The round's first look at the queue (a take) takes one for itself.
        assert counts.taken == counts.takes + 1
        assert sorted(mailer.accepted) == sorted(consumer.ctx.message_id(e) for e in events)
        assert not await consumer.pool.fetchval(
            "SELECT count(*) FROM emails WHERE status <> 'sent'"
        )


async def test_from_a_pool_of_few_connections_each_mark_takes_its_own(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pool too small to hold one for the marks beside the listener and the consumer's."""
    async with sender_handed(database_url, pool_size=2, count=3) as (consumer, _events):
        sender = MailDelivery(consumer.ctx, OneByOneMailer(APART))
        counts = Acquisitions().counted(monkeypatch)
        assert await sender.send_due(queue_announced=False) == 3
        await sender.marks_landed(timeout=5)
        monkeypatch.undo()
        assert counts.marks == 3
        assert counts.taken == counts.takes + 3


async def test_a_run_whose_connection_is_lost_marks_on_a_new_one_and_sends_nothing_twice(
    database_url: str,
) -> None:
    """The server ends the connection the marks hold (a restart, a failover): the mark under
    way is retried on a new connection, every email is marked sent, none is sent again."""

    async def connections_ended() -> None:
        conn = await asyncpg.connect(database_url)
        try:
            await conn.execute(
                """SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                   WHERE datname = current_database() AND pid <> pg_backend_pid()"""
            )
        finally:
            await conn.close()

    async with sender_handed(database_url, pool_size=4, count=6) as (consumer, events):
        mailer = OneByOneMailer(0.01, on_send={3: connections_ended})
        sender = MailDelivery(consumer.ctx, mailer)
        assert await sender.send_due(queue_announced=False) == 6
        await sender.marks_landed(timeout=5)
        assert sorted(mailer.accepted) == sorted(consumer.ctx.message_id(e) for e in events)
        assert not await consumer.pool.fetchval(
            "SELECT count(*) FROM emails WHERE status <> 'sent'"
        )
