"""Effects applied per batch (shared/inbox.py), against the real Kafka and PostgreSQL.

A consumer as warranty's and notifications' are (`effects_per_batch`): its handlers' effects
wait for one transaction per batch, and the offsets are committed after it. Here:
- a batch with a poison record (refused by the database itself) applies the good ones once and
  dead-letters the bad one;
- a crash between the batch's transaction and its offset commit (the commit never comes, the
  consumer is abandoned) and the redelivery that follows change nothing;
- the same event delivered several times within one batch has one effect;
- a consumer keeping up with a few events a second commits its offsets once an interval, not
  once an event, and its effects do not wait for that.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from shared.commits import BatchOutcome, RecordEffects
from shared.consumer import handle_once
from shared.db import close_pool, create_pool, migrate
from shared.events import SaleRecorded
from shared.kafka import client_options
from shared.runtime import ServiceRuntime, ensure_topics
from shared.settings import ServiceSettings
from tests.integration.test_outbox_inbox import Recorder, sale, wait_until
from tools.support.kafka import TopicProbe, produce_many
from tools.support.stack import Stack

pytestmark = pytest.mark.integration


@pytest.fixture
async def recorder(database_url: str) -> AsyncIterator[Recorder]:
    pool = await create_pool(database_url)
    await migrate(pool)
    # The database itself refuses a poison document: the failure comes inside the batch.
    await pool.execute(
        """CREATE TABLE effects (event_id uuid, document_number text
           CHECK (document_number NOT LIKE 'POISON%'))"""
    )
    yield Recorder(pool)
    await close_pool(pool)


@pytest.fixture
async def topic(stack: Stack) -> str:
    name = f"rma.test.batch.{uuid.uuid4().hex[:8]}"
    await ensure_topics(stack.kafka_bootstrap)
    await ensure_topics(stack.kafka_bootstrap, [name], partitions=1)
    return name


def batched_runtime(
    stack: Stack,
    database_url: str,
    topic: str,
    group: str,
    recorder: Recorder,
    **settings_: Any,
) -> tuple[ServiceRuntime, list[str]]:
    """The consumer, and the document numbers its handler was given, in order."""
    settings = ServiceSettings(
        kafka_bootstrap_servers=stack.kafka_bootstrap,
        database_url=database_url,
        consumer_max_attempts=2,
        **settings_,
    )
    runtime = ServiceRuntime(group, settings, "shared.migrations")
    runtime.effects_per_batch = True
    delivered: list[str] = []

    @runtime.subscriber(topic, description="batched test consumer")
    async def on_sale(event: SaleRecorded) -> None:
        delivered.append(event.data.document_number)
        await handle_once(runtime.db, group, event, lambda conn: recorder.effect(conn, event))

    return runtime, delivered


async def put(stack: Stack, topic: str, numbers: list[str]) -> None:
    events = [sale(number) for number in numbers]
    records: list[tuple[bytes | None, bytes]] = [
        (e.key.encode(), e.model_dump_json().encode()) for e in events
    ]
    await produce_many(stack.kafka_bootstrap, topic, records)


async def put_apart(stack: Stack, topic: str, numbers: list[str], *, seconds: float) -> None:
    """One event after another, each acknowledged, `seconds` apart."""
    producer = AIOKafkaProducer(**client_options(stack.kafka_bootstrap), acks="all")
    await producer.start()
    try:
        for number in numbers:
            event = sale(number)
            await producer.send_and_wait(
                topic, value=event.model_dump_json().encode(), key=event.key.encode()
            )
            await asyncio.sleep(seconds)
    finally:
        await producer.stop()


def watch_batches(runtime: ServiceRuntime) -> list[list[int]]:
    """The offsets of each batch whose effects the runtime applies, as it applies them."""
    batches: list[list[int]] = []
    apply = runtime.commits.apply_batch

    async def watched(records: list[RecordEffects]) -> BatchOutcome:
        batches.append([record.offset for record in records])
        return await apply(records)

    runtime.commits.apply_batch = watched
    return batches


async def committed_offset(stack: Stack, group: str, topic: str) -> int | None:
    admin = AIOKafkaAdminClient(**client_options(stack.kafka_bootstrap))
    await admin.start()
    try:
        tp = TopicPartition(topic, 0)
        offsets = await admin.list_consumer_group_offsets(group, partitions=[tp])
    finally:
        await admin.close()
    return offsets[tp].offset if tp in offsets and offsets[tp].offset >= 0 else None


async def test_a_poison_record_in_a_batch_is_dead_lettered_and_the_good_ones_applied_once(
    stack: Stack, database_url: str, recorder: Recorder, topic: str
) -> None:
    group = f"g-{uuid.uuid4().hex[:6]}"
    numbers = ["B-1", "B-2", "POISON-1", "B-3", "B-4"]
    # On the topic before the consumer starts: its first fetch returns them together.
    await put(stack, topic, numbers)
    runtime, delivered = batched_runtime(stack, database_url, topic, group, recorder)
    batches = watch_batches(runtime)
    await ensure_topics(stack.kafka_bootstrap, [runtime.dead_letter_topic])
    async with (
        TopicProbe(stack.kafka_bootstrap, runtime.dead_letter_topic) as dead_letters,
        runtime.running(),
    ):
        [letter] = await dead_letters.wait_for_records(
            lambda record: dict(record.headers).get("dead_letter_source_topic") == topic.encode()
        )
        await wait_until(lambda: _offset_is(stack, group, topic, len(numbers)))
    for number in ("B-1", "B-2", "B-3", "B-4"):
        assert await recorder.count(number) == 1, number
    assert await recorder.count("POISON-1") == 0
    assert delivered == numbers  # each handled once, in order: the retries were the batch's
    headers = dict(letter.headers)
    assert b"check constraint" in headers["dead_letter_error"]
    assert headers["dead_letter_attempts"] == b"2"
    assert b"POISON-1" in letter.value
    inbox = await recorder.pool.fetchval("SELECT count(*) FROM inbox WHERE consumer = $1", group)
    assert inbox == 4
    # The poison record (offset 2) came in one batch with good ones, which still landed.
    [with_poison] = [batch for batch in batches if 2 in batch]
    assert len(with_poison) >= 2, batches


async def _offset_is(stack: Stack, group: str, topic: str, offset: int) -> bool:
    return await committed_offset(stack, group, topic) == offset


async def test_a_crash_between_the_batch_transaction_and_its_commit_changes_nothing(
    stack: Stack,
    database_url: str,
    recorder: Recorder,
    topic: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    group = f"g-{uuid.uuid4().hex[:6]}"
    numbers = [f"C-{n}" for n in range(20)]
    await put(stack, topic, numbers)
    first, _ = batched_runtime(stack, database_url, topic, group, recorder)
    crashed = asyncio.Event()
    offsets_never_committed: dict[TopicPartition, int] = {}

    async def crash_before_the_commit(_consumer: Any, offsets: Any, _pending: Any) -> None:
        # The batch's transaction committed; the process dies before its offsets do.
        offsets_never_committed.update(offsets)
        crashed.set()
        await asyncio.Event().wait()  # never returns: the consumer is abandoned here

    monkeypatch.setattr(first.commits, "_commit_offsets", crash_before_the_commit)
    async with asyncio.timeout(120):
        async with first.running():
            await asyncio.wait_for(crashed.wait(), 60)
            applied_at_crash = await recorder.count()
    batch_size = offsets_never_committed[TopicPartition(topic, 0)]
    assert applied_at_crash == batch_size > 0  # the whole batch applied, nothing committed
    assert await committed_offset(stack, group, topic) is None

    second, redelivered = batched_runtime(stack, database_url, topic, group, recorder)
    async with second.running():
        await wait_until(lambda: _offset_is(stack, group, topic, len(numbers)), timeout=60)
    assert redelivered[:batch_size] == numbers[:batch_size]  # read again from the start
    assert await recorder.count() == len(numbers)
    for number in numbers:
        assert await recorder.count(number) == 1, number
    inbox = await recorder.pool.fetchval("SELECT count(*) FROM inbox WHERE consumer = $1", group)
    assert inbox == len(numbers)


async def test_one_event_delivered_several_times_in_one_batch_has_one_effect(
    stack: Stack, database_url: str, recorder: Recorder, topic: str
) -> None:
    group = f"g-{uuid.uuid4().hex[:6]}"
    event = sale("DUP-1")
    copy: tuple[bytes | None, bytes] = (event.key.encode(), event.model_dump_json().encode())
    await produce_many(stack.kafka_bootstrap, topic, [copy, copy, copy])
    await put(stack, topic, ["AFTER-DUP"])
    runtime, delivered = batched_runtime(stack, database_url, topic, group, recorder)
    async with runtime.running():
        await wait_until(lambda: _offset_is(stack, group, topic, 4))
    assert delivered == ["DUP-1", "DUP-1", "DUP-1", "AFTER-DUP"]
    assert await recorder.count("DUP-1") == 1
    assert await recorder.count("AFTER-DUP") == 1


async def test_bench_sessions_commit_durably_whatever_the_servers_default(
    database_url: str,
) -> None:
    """The bench's database URLs end in ?synchronous_commit=on (tools/bench/cli.py): asyncpg
    makes it the session's setting, over the test cluster's default of off."""
    conn = await asyncpg.connect(database_url)
    try:
        assert await conn.fetchval("SHOW synchronous_commit") == "off"
    finally:
        await conn.close()
    for setting in ("on", "off"):
        conn = await asyncpg.connect(f"{database_url}?synchronous_commit={setting}")
        try:
            assert await conn.fetchval("SHOW synchronous_commit") == setting
        finally:
            await conn.close()


async def test_a_consumer_keeping_up_commits_once_an_interval_and_applies_at_once(
    stack: Stack, database_url: str, recorder: Recorder, topic: str, monkeypatch: Any
) -> None:
    """Twelve events a tenth of a second apart, each a batch of one for a consumer that keeps
    up: each applied once, in order, and their offsets sent to Kafka in a few commits (a commit
    an event before: twelve)."""
    kafka_commits: list[Any] = []
    commit = AIOKafkaConsumer.commit

    async def counted(self: AIOKafkaConsumer, offsets: Any = None) -> None:
        kafka_commits.append(offsets)
        await commit(self, offsets)

    monkeypatch.setattr(AIOKafkaConsumer, "commit", counted)
    group = f"g-{uuid.uuid4().hex[:6]}"
    runtime, delivered = batched_runtime(
        stack, database_url, topic, group, recorder, consumer_commit_interval_seconds=1.0
    )
    numbers = [f"S-{index}" for index in range(12)]
    async with runtime.running():
        await put(stack, topic, ["WARM-0"])  # the group has joined once this is applied
        await wait_until(lambda: _count_is(recorder, "WARM-0", 1))
        await wait_until(lambda: _offset_is(stack, group, topic, 1))
        kafka_commits.clear()
        await put_apart(stack, topic, numbers, seconds=0.1)
        await wait_until(lambda: _offset_is(stack, group, topic, 13))
    assert delivered == ["WARM-0", *numbers]
    for number in numbers:
        assert await recorder.count(number) == 1, number
    # About 1.3 s of events at one commit a second at most: two or three commits, and one more
    # at the stop at most.
    assert 1 <= len(kafka_commits) <= 4, kafka_commits


async def _count_is(recorder: Recorder, number: str, count: int) -> bool:
    return await recorder.count(number) == count


async def test_a_rebalance_commits_what_the_consumer_held_before_its_partition_goes(
    stack: Stack, database_url: str, recorder: Recorder, topic: str
) -> None:
    """Offsets held for a minute are committed when a second member joins the group and the
    partition is taken away, so whichever member gets it starts past what was handled."""
    group = f"g-{uuid.uuid4().hex[:6]}"
    runtime, delivered = batched_runtime(
        stack,
        database_url,
        topic,
        group,
        recorder,
        consumer_commit_interval_seconds=60.0,
        consumer_partition_workers=1,
    )
    numbers = [f"R-{index}" for index in range(5)]
    async with runtime.running():
        await put(stack, topic, numbers)
        await wait_until(lambda: _count_is(recorder, "R-4", 1))
        assert await committed_offset(stack, group, topic) is None  # held, for a minute
        newcomer = AIOKafkaConsumer(
            topic, group_id=group, enable_auto_commit=False, **client_options(stack.kafka_bootstrap)
        )
        await newcomer.start()  # returns once the group has rebalanced, with the newcomer in it
        try:
            assert await committed_offset(stack, group, topic) == len(numbers)
        finally:
            await newcomer.stop()
    assert delivered == numbers


@pytest.mark.parametrize(("min_bytes", "fewest", "most"), [(64 * 1024, 1, 4), (1, 8, 12)])
async def test_a_thin_stream_comes_in_the_batches_the_broker_gathered(
    stack: Stack,
    database_url: str,
    recorder: Recorder,
    topic: str,
    min_bytes: int,
    fewest: int,
    most: int,
) -> None:
    """Twelve events 80 ms apart (about a second of them). Asked to gather 64 KiB (the default)
    within a 500 ms fetch wait, the consumer gets them in two or three batches; answered as soon
    as anything is there, in about one batch an event. Each is applied once, in order."""
    group = f"g-{uuid.uuid4().hex[:6]}"
    runtime, delivered = batched_runtime(
        stack,
        database_url,
        topic,
        group,
        recorder,
        consumer_fetch_min_bytes=min_bytes,
        consumer_fetch_max_wait_ms=500,
    )
    batches = watch_batches(runtime)
    numbers = [f"T-{index}" for index in range(12)]
    async with runtime.running():
        await put(stack, topic, ["WARM-0"])  # the group has joined once this is applied
        await wait_until(lambda: _count_is(recorder, "WARM-0", 1))
        batches.clear()
        await put_apart(stack, topic, numbers, seconds=0.08)
        await wait_until(lambda: _count_is(recorder, "T-11", 1))
    assert delivered == ["WARM-0", *numbers]
    for number in numbers:
        assert await recorder.count(number) == 1, number
    assert fewest <= len(batches) <= most, batches


async def test_after_a_fetch_that_brought_min_bytes_the_next_is_answered_at_once(
    stack: Stack, database_url: str, recorder: Recorder, topic: str
) -> None:
    """300 events waiting (about 200 KB) come in fetches that brought at least the 64 KiB
    asked for: a backlog. The three events put after them, within a fetch wait of the last full
    fetch, are answered at once, not held for the consumer's 10 s wait as a thin stream's are."""
    group = f"g-{uuid.uuid4().hex[:6]}"
    runtime, delivered = batched_runtime(
        stack,
        database_url,
        topic,
        group,
        recorder,
        consumer_fetch_min_bytes=64 * 1024,
        consumer_fetch_max_wait_ms=10_000,
    )
    backlog = [f"B-{index}" for index in range(300)]
    tail = ["TAIL-0", "TAIL-1", "TAIL-2"]
    await put(stack, topic, backlog)
    loop = asyncio.get_running_loop()
    async with runtime.running():
        await wait_until(lambda: _count_is(recorder, "B-299", 1))
        put_at = loop.time()
        await put(stack, topic, tail)
        await wait_until(lambda: _count_is(recorder, "TAIL-2", 1))
        took = loop.time() - put_at
    assert delivered == [*backlog, *tail]
    assert took < 5.0, f"the tail waited {took:.1f} s"
