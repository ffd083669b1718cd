"""Reading real Kafka topics from a test: a probe that sees everything produced after it opened."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError
from aiokafka.structs import OffsetAndMetadata

from shared import topics
from shared.events import Event
from shared.kafka import KafkaConnectionSettings, client_options
from shared.outbox import kafka_headers


class TopicProbe:
    """Assigned to every partition of a topic at its current end, so nothing is missed."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self._topic = topic
        self._consumer = AIOKafkaConsumer(**client_options(bootstrap), enable_auto_commit=False)
        self.records: list[ConsumerRecord[bytes, bytes]] = []

    async def __aenter__(self) -> TopicProbe:
        await self._consumer.start()
        partitions = None
        for _ in range(50):
            partitions = self._consumer.partitions_for_topic(self._topic)
            if partitions:
                break
            await self._consumer._client.force_metadata_update()  # topic just created
            await asyncio.sleep(0.2)
        assert partitions, f"topic {self._topic} has no partitions"
        assigned = [TopicPartition(self._topic, p) for p in partitions]
        self._consumer.assign(assigned)
        await self._consumer.seek_to_end(*assigned)
        for tp in assigned:
            await self._consumer.position(tp)  # resolve the end offset now, before the action
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._consumer.stop()

    async def wait_for(
        self,
        predicate: Callable[[dict[str, Any], ConsumerRecord[bytes, bytes]], bool],
        *,
        count: int = 1,
        timeout: float = 30.0,
    ) -> list[dict[str, Any]]:
        """Collect messages until `count` match, then return the matching bodies (JSON)."""

        def matches(record: ConsumerRecord[bytes, bytes]) -> bool:
            body = _decode(record)
            return body is not None and predicate(body, record)

        found = await self.wait_for_records(matches, count=count, timeout=timeout)
        return [body for body in map(_decode, found) if body is not None]

    async def wait_for_records(
        self,
        predicate: Callable[[ConsumerRecord[bytes, bytes]], bool],
        *,
        count: int = 1,
        timeout: float = 30.0,
    ) -> list[ConsumerRecord[bytes, bytes]]:
        """Collect records until `count` match, whatever their bodies (JSON or not)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            matching = [record for record in self.records if predicate(record)]
            if len(matching) >= count:
                return matching
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(
                    f"{len(matching)} of {count} expected messages on {self._topic} "
                    f"after {timeout}s; saw {len(self.records)} messages"
                )
            batch = await self._consumer.getmany(timeout_ms=int(min(remaining, 0.5) * 1000))
            for records in batch.values():
                self.records.extend(records)

    async def settle(self, seconds: float) -> None:
        """Keep reading for a while, to show that nothing more arrives."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while (remaining := deadline - loop.time()) > 0:
            batch = await self._consumer.getmany(timeout_ms=int(min(remaining, 0.5) * 1000))
            for records in batch.values():
                self.records.extend(records)


async def topic_partitions(
    admin: AIOKafkaAdminClient, topic_names: list[str]
) -> list[TopicPartition]:
    """Every partition of the topics of `topic_names` that exist, as the cluster says now. (A
    new consumer's `partitions_for_topic` knows none until it subscribes: `caught_up` asked it,
    found no partition and returned at once, without waiting.)"""
    described = await admin.describe_topics(topic_names)
    return [
        TopicPartition(topic["topic"], partition["partition"])
        for topic in described
        if topic["error_code"] == 0
        for partition in sorted(topic["partitions"], key=lambda p: p["partition"])
    ]


async def caught_up(
    bootstrap: str, group: str, topic_names: list[str], timeout: float = 900.0
) -> None:
    """Wait until `group` has committed every partition of `topic_names` up to its end. A new
    consumer group reads its topics' history first (thousands of events late in a test run), and
    a test's own wait for one event should not include that replay."""
    consumer = AIOKafkaConsumer(**client_options(bootstrap), enable_auto_commit=False)
    admin = AIOKafkaAdminClient(**client_options(bootstrap))
    await consumer.start()
    await admin.start()
    try:
        partitions = await topic_partitions(admin, topic_names)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            ends = await consumer.end_offsets(partitions)
            try:
                committed = await admin.list_consumer_group_offsets(group, partitions=partitions)
            except KafkaError as error:
                if not error.retriable:  # a coordinator moving or still being elected
                    raise
                committed = {}
            behind = {
                tp: ends[tp] - (max(committed[tp].offset, 0) if tp in committed else 0)
                for tp in partitions
            }
            if all(lag <= 0 for lag in behind.values()):
                return
            if loop.time() > deadline:
                raise AssertionError(f"group {group} still behind after {timeout}s: {behind}")
            await asyncio.sleep(1)
    finally:
        await admin.close()
        await consumer.stop()


# The topics the services consume (the dead-letter topic is read by the tools only).
CONSUMED = (topics.ACCOUNTS, topics.SALES, topics.CLAIMS, topics.WARRANTY)


async def start_from_now(
    bootstrap: str, groups: list[str], topic_names: tuple[str, ...] = CONSUMED
) -> None:
    """Commit, for each consumer group not started yet, the current end of every partition of
    `topic_names`: a service started under that group then reads what is produced from now on,
    not the history earlier tests left on the test broker (which a new group would replay
    first, emails included). Nothing produced after this call is skipped. A group that has
    committed offsets already keeps them; topics not created yet are left to the group."""
    admin = AIOKafkaAdminClient(**client_options(bootstrap))
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        described = await admin.describe_topics([t for t in topic_names if t in existing])
        partitions = [
            TopicPartition(topic["topic"], partition["partition"])
            for topic in described
            for partition in topic["partitions"]
        ]
        for group in groups:
            if not partitions or await admin.list_consumer_group_offsets(group):
                continue
            consumer = AIOKafkaConsumer(
                **client_options(bootstrap), group_id=group, enable_auto_commit=False
            )
            await consumer.start()
            try:
                consumer.assign(partitions)
                ends = await consumer.end_offsets(partitions)
                await consumer.commit({tp: OffsetAndMetadata(ends[tp], "") for tp in partitions})
            finally:
                await consumer.stop()
    finally:
        await admin.close()


def _decode(record: ConsumerRecord[bytes, bytes]) -> dict[str, Any] | None:
    try:
        body = json.loads(record.value or b"")
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


async def produce(
    bootstrap: str,
    topic: str,
    value: bytes,
    key: bytes | None = None,
    headers: list[tuple[str, bytes]] | None = None,
    connection: KafkaConnectionSettings | None = None,
) -> None:
    """One record, as the admin or as the Kafka user `connection` names."""
    producer = AIOKafkaProducer(
        **client_options(bootstrap, connection),
        enable_idempotence=True,
        acks="all",
        request_timeout_ms=10000,
    )
    await producer.start()
    try:
        await producer.send_and_wait(topic, value=value, key=key, headers=headers or [])
    finally:
        await producer.stop()


async def publish(bootstrap: str, event: Event) -> None:
    """Put one event on its topic as a producer service would (key and headers included)."""
    await produce(
        bootstrap,
        event.topic,
        event.model_dump_json().encode(),
        key=event.key.encode(),
        headers=kafka_headers(event.type, str(event.event_id), str(event.correlation_id)),
    )


async def produce_many(
    bootstrap: str,
    topic: str,
    records: list[tuple[bytes | None, bytes]],
    headers: list[tuple[str, bytes]] | None = None,
) -> None:
    """Put many (key, value) records on a topic with one producer, all acknowledged."""
    producer = AIOKafkaProducer(**client_options(bootstrap), enable_idempotence=True, acks="all")
    await producer.start()
    try:
        deliveries = [
            await producer.send(topic, value=value, key=key, headers=headers or [])
            for key, value in records
        ]
        await asyncio.gather(*deliveries)
    finally:
        await producer.stop()
