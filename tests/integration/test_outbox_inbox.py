"""The messaging guarantees of DESIGN.md, against the real Kafka and PostgreSQL.

- an event written to the outbox is published after commit, and never after rollback;
- a redelivered event has one effect (inbox);
- a poison message goes to the dead-letter topic with its error, and the next one is handled;
- a consumer restarted mid-stream loses nothing.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

import asyncpg
import pytest

from shared import topics
from shared.consumer import handle_once
from shared.db import Conn, close_pool, create_pool, migrate
from shared.events import SaleRecorded
from shared.outbox import OutboxRelay, add_to_outbox, kafka_headers, new_producer
from shared.runtime import ServiceRuntime, ensure_topics
from shared.settings import ServiceSettings
from shared.worker import NotifiedWorker
from tests.support.consumers import sale
from tests.support.metrics import parse
from tools.support.kafka import TopicProbe, produce
from tools.support.stack import Stack

pytestmark = pytest.mark.integration


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database_url)
    await migrate(pool)
    yield pool
    await close_pool(pool)


@pytest.fixture
async def relay(stack: Stack, pool: asyncpg.Pool) -> AsyncIterator[OutboxRelay]:
    await ensure_topics(stack.kafka_bootstrap)
    producer = new_producer(stack.kafka_bootstrap, "test-relay")
    await producer.start()
    relay = OutboxRelay(pool, producer, poll_interval=0.2)
    await relay.start()
    yield relay
    await relay.stop()
    await producer.stop()


async def test_outbox_publishes_after_commit_and_never_after_rollback(
    stack: Stack, pool: asyncpg.Pool, relay: OutboxRelay
) -> None:
    committed, rolled_back = sale("C-1"), sale("R-1")
    async with TopicProbe(stack.kafka_bootstrap, topics.SALES) as probe:
        async with pool.acquire() as conn, conn.transaction():
            await add_to_outbox(conn, committed)
        with pytest.raises(RuntimeError):
            async with pool.acquire() as conn, conn.transaction():
                await add_to_outbox(conn, rolled_back)
                raise RuntimeError("the state change failed")

        [published] = await probe.wait_for(
            lambda body, _: body["event_id"] == str(committed.event_id)
        )
        await probe.settle(1.5)

    assert published["data"]["document_number"] == "C-1"
    seen = {json.loads(r.value)["event_id"] for r in probe.records if r.value}
    assert str(rolled_back.event_id) not in seen
    record = next(
        r for r in probe.records if json.loads(r.value)["event_id"] == str(committed.event_id)
    )
    assert record.key == b"PA/C-1"
    assert dict(record.headers)["correlation_id"] == str(committed.correlation_id).encode()
    published_at = await pool.fetchval(
        "SELECT published_at FROM outbox WHERE event_id = $1", committed.event_id
    )
    assert published_at is not None
    assert (
        await pool.fetchval("SELECT count(*) FROM outbox WHERE event_id = $1", rolled_back.event_id)
        == 0
    )


async def test_outbox_keeps_the_order_of_one_aggregate(
    stack: Stack, pool: asyncpg.Pool, relay: OutboxRelay
) -> None:
    key = f"PA/ORDER-{uuid.uuid4().hex[:6]}"
    events = [sale(f"ORDER-{i}").model_copy(update={"key": key}) for i in range(30)]
    async with TopicProbe(stack.kafka_bootstrap, topics.SALES) as probe:
        for event in events:
            async with pool.acquire() as conn, conn.transaction():
                await add_to_outbox(conn, event)
        received = await probe.wait_for(lambda body, _: body["key"] == key, count=30)
    assert [body["event_id"] for body in received] == [str(e.event_id) for e in events]


class RoundsSeen(OutboxRelay):
    """A relay that notes the events each of its rounds published."""

    rounds: list[set[str]]

    async def _publish_locked(self, conn: Conn) -> Sequence[asyncpg.Record]:
        rows = await super()._publish_locked(conn)
        self.rounds.append({str(row["event_id"]) for row in rows})
        return rows


async def _published_all(relay: RoundsSeen, ours: set[str]) -> bool:
    return ours <= set().union(*relay.rounds)


@pytest.mark.parametrize(("linger", "fewest", "most"), [(0.5, 1, 1), (0.0, 3, 5)])
async def test_a_lingering_relay_publishes_what_commits_meanwhile_in_one_round(
    stack: Stack, pool: asyncpg.Pool, linger: float, fewest: int, most: int
) -> None:
    """Five events committed 40 ms apart, each in its own transaction (its own NOTIFY). A relay
    that lingers 500 ms once woken publishes them in one round (a read, a send, a mark); one
    that does not, in about a round each. No poll: only the NOTIFYs wake it."""
    await ensure_topics(stack.kafka_bootstrap)
    producer = new_producer(stack.kafka_bootstrap, "test-relay-linger")
    await producer.start()
    relay = RoundsSeen(pool, producer, poll_interval=60.0, linger=linger)
    relay.rounds = []
    await relay.start()
    run = uuid.uuid4().hex[:8]
    events = [sale(f"LINGER-{run}-{n}") for n in range(5)]
    ours = {str(event.event_id) for event in events}
    try:
        async with TopicProbe(stack.kafka_bootstrap, topics.SALES) as probe:
            for event in events:
                async with pool.acquire() as conn, conn.transaction():
                    await add_to_outbox(conn, event)
                await asyncio.sleep(0.04)
            received = await probe.wait_for(
                lambda body, _: body["event_id"] in ours, count=len(events)
            )
        # A round notes its events once it has marked them, after Kafka has them.
        await wait_until(lambda: _published_all(relay, ours))
    finally:
        await relay.stop()
        await producer.stop()
    assert {body["event_id"] for body in received} == ours  # each once (keys differ: no order)
    rounds_with_ours = [seen & ours for seen in relay.rounds if seen & ours]
    assert set().union(*rounds_with_ours) == ours
    assert fewest <= len(rounds_with_ours) <= most, rounds_with_ours


async def test_after_a_round_of_a_backlog_the_relay_publishes_at_once(
    stack: Stack, pool: asyncpg.Pool
) -> None:
    """60 events committed at once go out in one round: a backlog. The three committed after
    it, 100 ms apart, go out in rounds of their own, where a relay lingering 500 ms (as it does
    while events come a few at a time) would have gathered them into one."""
    await ensure_topics(stack.kafka_bootstrap)
    producer = new_producer(stack.kafka_bootstrap, "test-relay-backlog")
    await producer.start()
    relay = RoundsSeen(pool, producer, poll_interval=60.0, linger=0.5)
    relay.rounds = []
    await relay.start()
    run = uuid.uuid4().hex[:8]
    backlog = [sale(f"BACKLOG-{run}-{n}") for n in range(60)]
    tail = [sale(f"TAIL-{run}-{n}") for n in range(3)]
    ours = {str(event.event_id) for event in tail}
    try:
        async with pool.acquire() as conn, conn.transaction():
            await add_to_outbox(conn, *backlog)
        await wait_until(lambda: _published_all(relay, {str(e.event_id) for e in backlog}))
        for event in tail:
            async with pool.acquire() as conn, conn.transaction():
                await add_to_outbox(conn, event)
            await asyncio.sleep(0.1)
        await wait_until(lambda: _published_all(relay, ours))
    finally:
        await relay.stop()
        await producer.stop()
    rounds_with_tail = [seen & ours for seen in relay.rounds if seen & ours]
    assert len(rounds_with_tail) >= 2, rounds_with_tail


async def test_a_relay_round_takes_three_round_trips(stack: Stack, database_url: str) -> None:
    """BEGIN with the relay's lock, the pending rows, their mark with COMMIT: the round trips of
    every relay round (issue 27), each a wait on every event a service publishes."""
    await ensure_topics(stack.kafka_bootstrap)
    pool = await create_pool(database_url, max_size=1)  # the relay gets the logged connection
    producer = new_producer(stack.kafka_bootstrap, "test-relay-round")
    await producer.start()
    try:
        await migrate(pool)
        run = uuid.uuid4().hex[:8]
        events = [sale(f"TRIP-{run}-{n}") for n in range(3)]
        async with pool.acquire() as conn, conn.transaction():
            await add_to_outbox(conn, *events)
        statements: list[str] = []
        async with pool.acquire() as conn:
            conn.add_query_logger(lambda query: statements.append(query.query))
        relay = OutboxRelay(pool, producer)  # not started: one round, by hand
        async with TopicProbe(stack.kafka_bootstrap, topics.SALES) as probe:
            assert await relay.publish_pending() == 3
            found = await probe.wait_for(
                lambda body, _: body["data"]["document_number"].startswith(f"TRIP-{run}"), count=3
            )
        assert await relay.publish_pending() == 0  # each marked published, and committed
        rounds = list(statements)
        unpublished = await pool.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")
    finally:
        await producer.stop()
        await close_pool(pool)
    assert len(rounds) == 3 + 3, "\n---\n".join(rounds)  # the empty round: 3 too
    assert {body["event_id"] for body in found} == {str(e.event_id) for e in events}
    assert unpublished == 0


class Recorder:
    """A consumer's effect: one row per handled sale, plus the inbox row."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def effect(self, conn: asyncpg.Connection, event: SaleRecorded) -> None:
        await conn.execute(
            "INSERT INTO effects (event_id, document_number) VALUES ($1, $2)",
            event.event_id,
            event.data.document_number,
        )

    async def count(self, document_number: str | None = None) -> int:
        if document_number is None:
            return int(await self.pool.fetchval("SELECT count(*) FROM effects"))
        return int(
            await self.pool.fetchval(
                "SELECT count(*) FROM effects WHERE document_number = $1", document_number
            )
        )


@pytest.fixture
async def recorder(pool: asyncpg.Pool) -> Recorder:
    await pool.execute("CREATE TABLE effects (event_id uuid, document_number text)")
    return Recorder(pool)


def consumer_runtime(
    stack: Stack, database_url: str, topic: str, group: str, recorder: Recorder
) -> ServiceRuntime:
    settings = ServiceSettings(
        kafka_bootstrap_servers=stack.kafka_bootstrap,
        database_url=database_url,
        consumer_max_attempts=2,
    )
    runtime = ServiceRuntime(group, settings, "shared.migrations")

    @runtime.subscriber(topic, description="test consumer")
    async def on_sale(event: SaleRecorded) -> None:
        if event.data.document_number.startswith("POISON"):
            raise ValueError("this document cannot be handled")
        await handle_once(runtime.db, group, event, lambda conn: recorder.effect(conn, event))

    return runtime


async def wait_until(condition: Callable[[], Awaitable[bool]], timeout: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await condition():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.2)


async def send(stack: Stack, topic: str, event: SaleRecorded) -> None:
    """To a test topic: `publish` would use the event's own topic."""
    await produce(
        stack.kafka_bootstrap,
        topic,
        event.model_dump_json().encode(),
        key=event.key.encode(),
        headers=kafka_headers(event.type, str(event.event_id), str(event.correlation_id)),
    )


@pytest.fixture
async def topic(stack: Stack) -> str:
    name = f"rma.test.{uuid.uuid4().hex[:8]}"
    await ensure_topics(stack.kafka_bootstrap, [name], partitions=1)
    return name


async def test_redelivered_event_has_one_effect(
    stack: Stack, database_url: str, recorder: Recorder, topic: str
) -> None:
    event = sale("DUP-1")
    runtime = consumer_runtime(stack, database_url, topic, f"g-{uuid.uuid4().hex[:6]}", recorder)
    async with runtime.running():
        for _ in range(3):  # the relay may publish again after a crash; Kafka may redeliver
            await send(stack, topic, event)
        await send(stack, topic, sale("AFTER-DUP"))
        await wait_until(lambda: _has(recorder, "AFTER-DUP"))
    assert await recorder.count("DUP-1") == 1
    inbox_rows = await recorder.pool.fetchval(
        "SELECT count(*) FROM inbox WHERE event_id = $1", event.event_id
    )
    assert inbox_rows == 1


async def _has(recorder: Recorder, number: str) -> bool:
    return await recorder.count(number) > 0


async def test_poison_message_goes_to_dead_letter_and_the_next_is_handled(
    stack: Stack, database_url: str, recorder: Recorder, topic: str
) -> None:
    runtime = consumer_runtime(stack, database_url, topic, f"g-{uuid.uuid4().hex[:6]}", recorder)
    poison = sale("POISON-1")
    await ensure_topics(stack.kafka_bootstrap, [runtime.dead_letter_topic])
    async with (
        TopicProbe(stack.kafka_bootstrap, runtime.dead_letter_topic) as dead_letters,
        runtime.running(),
    ):
        await produce(stack.kafka_bootstrap, topic, b"{not json", key=b"garbage")
        await send(stack, topic, poison)
        await send(stack, topic, sale("HEALTHY-1"))
        await wait_until(lambda: _has(recorder, "HEALTHY-1"))
        letters = await dead_letters.wait_for(
            lambda _, record: (
                dict(record.headers).get("dead_letter_source_topic") == topic.encode()
            ),
            count=1,
        )
        await dead_letters.settle(1.0)
    by_source = [
        record
        for record in dead_letters.records
        if dict(record.headers).get("dead_letter_source_topic") == topic.encode()
    ]
    assert len(letters) == 1  # the JSON one; the garbage one is not a dict body
    assert len(by_source) == 2
    errors = {
        record.value: dict(record.headers)["dead_letter_error"].decode() for record in by_source
    }
    assert "cannot be handled" in errors[poison.model_dump_json().encode()]
    assert b"{not json" in errors
    assert await recorder.count("POISON-1") == 0
    assert await recorder.count("HEALTHY-1") == 1
    metrics = parse(runtime.metrics.render().decode())
    assert metrics.total("rma_dead_lettered_messages_total", source_topic=topic) == 2
    # Every failed attempt is an error of the subscriber: the poison one is tried
    # `consumer_max_attempts` times (its error might pass), the undecodable one once (it never
    # can); the healthy message is acknowledged.
    attempts = runtime.settings.consumer_max_attempts
    failures = metrics.total("rma_consumer_attempt_exceptions_total", handler=topic)
    assert failures == attempts + 1
    handled = "rma_consumer_attempts_total"
    assert metrics.total(handled, handler=topic, status="error") == attempts + 1
    assert metrics.total(handled, handler=topic, status="handled") == 1


async def test_consumer_restarted_mid_stream_loses_nothing(
    stack: Stack, database_url: str, recorder: Recorder, topic: str
) -> None:
    group = f"g-{uuid.uuid4().hex[:6]}"
    events = [sale(f"STREAM-{i}") for i in range(200)]
    producing = asyncio.create_task(_produce_all(stack, topic, events))
    first = consumer_runtime(stack, database_url, topic, group, recorder)
    async with first.running():
        await wait_until(lambda: _at_least(recorder, 20))
    # Stopped mid-stream; a new instance of the same group picks up from the committed offset.
    second = consumer_runtime(stack, database_url, topic, group, recorder)
    async with second.running():
        await producing
        await wait_until(lambda: _at_least(recorder, len(events)), timeout=60)
        await asyncio.sleep(1)
    assert await recorder.count() == len(events)
    distinct = await recorder.pool.fetchval("SELECT count(DISTINCT event_id) FROM effects")
    assert distinct == len(events)


async def _at_least(recorder: Recorder, count: int) -> bool:
    return await recorder.count() >= count


async def _produce_all(stack: Stack, topic: str, events: list[SaleRecorded]) -> None:
    for event in events:
        await send(stack, topic, event)


async def test_a_pool_with_a_connection_never_given_back_still_closes(database_url: str) -> None:
    pool = await create_pool(database_url)
    forgotten = await pool.acquire()  # as a task cancelled mid-query would leave it
    loop = asyncio.get_running_loop()
    started = loop.time()
    await close_pool(pool, timeout=1.0)
    assert loop.time() - started < 5
    assert pool.is_closing()
    with pytest.raises(asyncpg.InterfaceError):
        await forgotten.fetchval("SELECT 1")  # its connection was terminated


class CountingWorker(NotifiedWorker):
    def __init__(self, pool: asyncpg.Pool) -> None:
        super().__init__(pool, channel="test_worker", name="counting-worker", poll_interval=0.01)
        self.rounds = 0

    async def work(self) -> None:
        self.rounds += 1


async def test_a_worker_woken_as_it_is_stopped_still_stops(pool: asyncpg.Pool) -> None:
    # A wake-up that lands in the same loop turn as the cancellation once let the worker's
    # loop swallow the cancellation and run on, so that stop() never returned.
    for _ in range(100):
        worker = CountingWorker(pool)
        await worker.start()
        await asyncio.sleep(0.005)
        worker._on_notify()
        await asyncio.wait_for(worker.stop(), timeout=5)
        assert worker.rounds >= 1
