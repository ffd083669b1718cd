"""Offsets committed once per batch, and only once what the batch did is durable.

A consumer that commits its offset after every message pays a round trip to the group
coordinator per message, and one more per dead letter when each produce is awaited alone: a
flood of bad messages then drains at a few dozen a second, and a good message behind it waits
for all of them (issue 14, item 7). Here each message's handling ends by telling `finished`
where its partition stands and, for a dead letter, the produce still in flight. A commit comes
when the consumer has caught up with what it fetched of the partition, or after `max_pending`
messages or `max_age` seconds, whichever is first. It first awaits every dead letter in flight,
together, and commits each partition only up to its first dead letter that did not land; that
message is read again (the consumer is moved back to it).

So offsets still follow durable effects (the handlers' transactions, acks=all dead letters),
the order within a partition is kept (messages are still handled one by one), and a crash
replays at most the batch since the last commit: the inbox makes the events handled twice
no-ops, and the bad messages among them are dead-lettered once more (the dead-letter list
counts the copies of one message as one letter).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from shared.logging import get_logger

log = get_logger(__name__)


@dataclass
class _Pending:
    """What one consumer finished since its last commit."""

    next_offsets: dict[TopicPartition, int] = field(default_factory=dict)
    deliveries: list[tuple[TopicPartition, int, asyncio.Future[Any]]] = field(default_factory=list)
    messages: int = 0
    since: float = 0.0


class ConsumerCommits:
    def __init__(
        self, *, max_pending: int = 500, max_age: float = 0.5, commit_timeout: float = 10.0
    ) -> None:
        self._max_pending = max_pending
        self._max_age = max_age
        self._commit_timeout = commit_timeout
        self._pending: dict[int, _Pending] = {}
        self._consumers: dict[int, AIOKafkaConsumer] = {}

    async def finished(
        self,
        consumer: Any,
        topic: str,
        partition: int,
        offset: int,
        delivery: asyncio.Future[Any] | None = None,
    ) -> None:
        """The message at `offset` is handled (or its dead letter is on its way): commit when
        the batch is over."""
        if not isinstance(consumer, AIOKafkaConsumer):
            # FastStream's in-memory test broker: nothing to commit, nothing to batch.
            if delivery is not None:
                await delivery
            return
        self._consumers[id(consumer)] = consumer
        pending = self._pending.setdefault(id(consumer), _Pending(since=time.monotonic()))
        tp = TopicPartition(topic, partition)
        pending.next_offsets[tp] = offset + 1
        if delivery is not None:
            pending.deliveries.append((tp, offset, delivery))
        pending.messages += 1
        if self._batch_over(consumer, pending, tp, offset):
            await self.commit(consumer)

    def _batch_over(
        self, consumer: AIOKafkaConsumer, pending: _Pending, tp: TopicPartition, offset: int
    ) -> bool:
        if tp not in consumer.assignment():
            return True  # given to another member meanwhile: commit the rest now
        fetched_up_to = consumer.highwater(tp)
        caught_up = fetched_up_to is None or offset + 1 >= fetched_up_to
        return (
            caught_up
            or pending.messages >= self._max_pending
            or time.monotonic() - pending.since >= self._max_age
        )

    async def commit(self, consumer: Any) -> None:
        """Await the dead letters in flight, then commit what is durable; on a broker outage
        the offsets wait for the next commit."""
        if not isinstance(consumer, AIOKafkaConsumer):
            return
        pending = self._pending.pop(id(consumer), None)
        if pending is None:
            return
        landed = await asyncio.gather(
            *(delivery for _, _, delivery in pending.deliveries), return_exceptions=True
        )
        offsets = dict(pending.next_offsets)
        for (tp, offset, _), outcome in zip(pending.deliveries, landed, strict=True):
            if isinstance(outcome, BaseException) and offset < offsets[tp]:
                offsets[tp] = offset
        # A partition given to another member meanwhile is read and committed by it.
        owned = consumer.assignment()
        offsets = {tp: offset for tp, offset in offsets.items() if tp in owned}
        for tp, offset in offsets.items():
            if offset < pending.next_offsets[tp]:
                log.warning("dead letter not written: read again", partition=tp.partition)
                consumer.seek(tp, offset)
        if not offsets:
            return
        try:
            async with asyncio.timeout(self._commit_timeout):
                await consumer.commit(offsets)
        except Exception as error:
            # The broker or the group is away or rebalancing: a later commit carries these.
            log.warning("offset commit failed", error=repr(error))
            kept = self._pending.setdefault(id(consumer), _Pending(since=pending.since))
            for tp, offset in offsets.items():
                kept.next_offsets[tp] = max(kept.next_offsets.get(tp, offset), offset)
            kept.messages += pending.messages

    async def rewind(self, consumer: Any, topic: str, partition: int, offset: int) -> None:
        """The message at `offset` must be read again (an outage): commit what came before
        it, then move the consumer back to it."""
        await self.commit(consumer)
        tp = TopicPartition(topic, partition)
        if isinstance(consumer, AIOKafkaConsumer) and tp in consumer.assignment():
            consumer.seek(tp, offset)

    async def commit_all(self) -> None:
        """Commit every consumer's finished messages (the service is stopping)."""
        for key in list(self._pending):
            await self.commit(self._consumers[key])
