"""The bench's write counters (tools/bench/writes.py) against the real PostgreSQL and Kafka: they
move by what was committed and produced, and reading them writes nothing of its own; and the
wait for the services' consumer groups to have committed the end of what they read."""

from __future__ import annotations

import uuid

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from shared.kafka import client_options
from shared.runtime import ensure_topics
from tools.bench.servers import BenchError
from tools.bench.writes import (
    Counters,
    groups_caught_up,
    per_claim,
    postgres_counters,
    topic_records,
)
from tools.support.kafka import produce_many
from tools.support.stack import Stack

pytestmark = pytest.mark.integration

# An autovacuum worker's visit to a database commits transactions of its own there, one per
# table it processes (2 and 6 seen in a new database), which no reading can tell from a
# client's: at most one visit a minute falls within a reading's window. A visit that analyses
# a catalogue writes its statistics' rows too (16 and 23 rows seen in CI runs); PostgreSQL
# counts them in the database's rows written, and no server setting turns autovacuum off for
# one database.
AUTOVACUUM_VISITS = 16
AUTOVACUUM_ROWS = 64


async def _counters(stack: Stack, database: str, topic: str) -> Counters:
    by_database, wal = await postgres_counters(stack.postgres_url, {"test": database})
    return Counters(by_database, wal, await topic_records(stack.kafka_bootstrap, (topic,)))


async def test_the_counters_move_by_the_transactions_rows_and_messages_written(
    stack: Stack, database_url: str
) -> None:
    database = database_url.rsplit("/", 1)[1]
    topic = f"rma.test.writes.{uuid.uuid4().hex[:8]}"
    await ensure_topics(stack.kafka_bootstrap, [topic], partitions=2)
    # The table is made on a connection of its own, closed before the first reading: a backend
    # publishes its counts when it ends (an idle one up to 10 s later).
    setup = await asyncpg.connect(database_url)
    try:
        await setup.execute("CREATE TABLE counted (n int)")
    finally:
        await setup.close()
    conn = await asyncpg.connect(database_url)
    try:
        before = await _counters(stack, database, topic)
        # Reading alone writes no rows there (it reads from another database).
        alone = per_claim(before, await _counters(stack, database, topic), 1)
        assert alone["postgres"]["databases"]["test"]["rows_written"] <= AUTOVACUUM_ROWS
        assert alone["postgres"]["databases"]["test"]["commits"] <= AUTOVACUUM_VISITS

        # 5 transactions of one insert each, then one that updates 2 rows and deletes 1:
        # 6 commits and 8 rows written (and the flush's own read-only commit). The connection
        # stays open, as a service's would; its counts are published at once rather than when
        # its idle 10 s are up, whatever the machine's load (the bench waits 11 s for the
        # services' connections).
        for n in range(5):
            await conn.execute("INSERT INTO counted VALUES ($1)", n)
        async with conn.transaction():
            await conn.execute("UPDATE counted SET n = n + 10 WHERE n < 2")
            await conn.execute("DELETE FROM counted WHERE n = 4")
        await conn.execute("SELECT pg_stat_force_next_flush()")
        await produce_many(stack.kafka_bootstrap, topic, [(b"k%d" % n, b"v") for n in range(7)])
        after = await _counters(stack, database, topic)
    finally:
        await conn.close()

    found = per_claim(before, after, 1)
    assert 8 <= found["postgres"]["databases"]["test"]["rows_written"] <= 8 + AUTOVACUUM_ROWS
    assert 6 + 1 <= found["postgres"]["databases"]["test"]["commits"] <= 6 + 1 + AUTOVACUUM_VISITS
    assert found["kafka"] == {"messages": 7, "topics": {topic: 7}}
    assert found["postgres"]["wal_bytes_cluster"] > 0  # the whole cluster's, at least ours
    # Two claims halve each figure.
    halved = per_claim(before, after, 2)
    assert halved["postgres"]["rows_written"] == found["postgres"]["rows_written"] / 2
    assert halved["kafka"]["messages"] == 3.5


async def test_a_topic_that_does_not_exist_is_left_out(stack: Stack) -> None:
    missing = f"rma.test.missing.{uuid.uuid4().hex[:8]}"
    assert await topic_records(stack.kafka_bootstrap, (missing,)) == {}


async def test_a_group_is_caught_up_once_it_committed_the_end_of_every_partition(
    stack: Stack,
) -> None:
    topic = f"rma.test.caught.{uuid.uuid4().hex[:8]}"
    group = f"test-caught-{uuid.uuid4().hex[:8]}"
    await ensure_topics(stack.kafka_bootstrap, [topic], partitions=2)
    await produce_many(stack.kafka_bootstrap, topic, [(b"k%d" % n, b"v") for n in range(4)])
    partitions = [TopicPartition(topic, p) for p in range(2)]
    consumer = AIOKafkaConsumer(
        **client_options(stack.kafka_bootstrap), group_id=group, enable_auto_commit=False
    )
    await consumer.start()
    try:
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        # The group exists, committed at the start: the 4 records lie ahead of it.
        await consumer.commit({p: 0 for p in partitions})
        with pytest.raises(BenchError, match="still behind"):
            await groups_caught_up(stack.kafka_bootstrap, {group: (topic,)}, timeout=1.0)
        await consumer.commit(ends)
    finally:
        await consumer.stop()
    await groups_caught_up(stack.kafka_bootstrap, {group: (topic,)}, timeout=10.0)
