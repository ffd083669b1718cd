"""Offsets committed once per batch, and only once what the batch did is durable.

A consumer that commits its offset after every message pays a round trip to the group
coordinator per message, and one more per dead letter when each produce is awaited alone: a
flood of bad messages then drains at a few dozen a second, and a good message behind it waits
for all of them (issue 14, item 7). Here each message's handling ends by telling `finished`
where its partition stands and, for a dead letter, the produce still in flight. A commit comes
when the consumer loop has handled what one fetch returned (shared/subscriptions.py calls
`commit`), or after `max_pending` messages or `max_age` seconds, whichever is first. It first
awaits every dead letter in flight, together, and commits each partition only up to its first
dead letter that did not land; that message is read again (the consumer is moved back to it).

In a service that applies effects per batch (shared/inbox.py), the records' handlers only
collect their effects, and a commit first applies them all in one transaction (`apply_batch`,
given by the record handling, shared/consumer.py); what that could not apply, it says to read again
(an outage), and a record it gave up on has its dead letter awaited with the others.

So offsets still follow durable effects (the handlers' transactions, acks=all dead letters),
the order within a partition is kept (messages are still handled one by one), and a crash
replays at most the batch since the last commit: the inbox makes the events handled twice
no-ops, and the bad messages among them are dead-lettered once more (the dead-letter list
counts the copies of one message as one letter).

A batch's effects are applied as soon as it is over, but its offsets go to Kafka at most every
`commit_interval` seconds (issue 27): a consumer that keeps up with a few events a second
finishes a batch of one per event, and an offset commit per event is a round trip to the group
coordinator and a write to `__consumer_offsets` each time. The offsets held meanwhile are
committed when the interval has passed (by the next batch, or by a timer when none comes), when
`max_pending` messages wait for it, before the consumer is moved back for an outage, and when
the service stops, and before a rebalance takes the consumer's partitions away
(`CommitOnRevoke`), so that their next owner starts where this one stopped. A crash in between
replays at most that interval's events, which the inbox answers.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition

from shared.inbox import DeferredEffect
from shared.logging import get_logger

log = get_logger(__name__)

Delivery = tuple[TopicPartition, int, asyncio.Future[Any]]


@dataclass
class RecordEffects:
    """What one record's handler collected, applied when its batch is committed."""

    partition: TopicPartition
    offset: int
    message: Any  # the ConsumerRecord, for its dead letter
    effects: list[DeferredEffect]


@dataclass
class BatchOutcome:
    """A batch's effects applied: the dead letters of records given up on, and per partition
    the first record whose effects were not applied (an outage): read again from there."""

    dead_letters: list[Delivery] = field(default_factory=list)
    read_again: dict[TopicPartition, int] = field(default_factory=dict)


ApplyBatch = Callable[[list[RecordEffects]], Awaitable[BatchOutcome]]


async def _no_batches(records: list[RecordEffects]) -> BatchOutcome:
    raise RuntimeError(f"{len(records)} records collected effects, and nothing applies them")


@dataclass
class _Pending:
    """What one consumer finished since its last commit."""

    next_offsets: dict[TopicPartition, int] = field(default_factory=dict)
    deliveries: list[Delivery] = field(default_factory=list)
    records: list[RecordEffects] = field(default_factory=list)
    messages: int = 0
    since: float = 0.0


@dataclass
class _Held:
    """One consumer's offsets whose effects are durable, not yet committed to Kafka."""

    offsets: dict[TopicPartition, int] = field(default_factory=dict)
    messages: int = 0
    since: float = 0.0


class ConsumerCommits:
    """`commit_interval`: the longest a consumer's durable offsets wait before they go to Kafka
    (0: at once); `clock` and `sleep` measure and wait it (injected in tests)."""

    def __init__(
        self,
        *,
        max_pending: int = 500,
        max_age: float = 0.5,
        commit_timeout: float = 10.0,
        commit_interval: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._max_pending = max_pending
        self._max_age = max_age
        self._commit_timeout = commit_timeout
        self._commit_interval = commit_interval
        self._clock = clock
        self._sleep = sleep
        self._pending: dict[int, _Pending] = {}
        self._held: dict[int, _Held] = {}
        self._timers: dict[int, asyncio.Task[None]] = {}
        self._kafka_commits: dict[int, asyncio.Lock] = {}
        self._consumers: dict[int, AIOKafkaConsumer] = {}
        self.apply_batch: ApplyBatch = _no_batches

    async def finished(
        self,
        consumer: AIOKafkaConsumer,
        topic: str,
        partition: int,
        offset: int,
        delivery: asyncio.Future[Any] | None = None,
        *,
        message: Any = None,
        effects: list[DeferredEffect] | None = None,
    ) -> dict[TopicPartition, int]:
        """The message at `offset` is handled (or its dead letter is on its way, or its
        `effects` wait for the batch's transaction): commit when the batch is over. Returns
        where a commit moved the consumer back to, per partition (see `commit`)."""
        tp = TopicPartition(topic, partition)
        self._consumers[id(consumer)] = consumer
        pending = self._pending.setdefault(id(consumer), _Pending(since=self._clock()))
        pending.next_offsets[tp] = offset + 1
        if delivery is not None:
            pending.deliveries.append((tp, offset, delivery))
        if effects:
            pending.records.append(RecordEffects(tp, offset, message, effects))
        pending.messages += 1
        if self._batch_over(consumer, pending, tp):
            return await self.commit(consumer)
        return {}

    def _batch_over(
        self, consumer: AIOKafkaConsumer, pending: _Pending, tp: TopicPartition
    ) -> bool:
        """Before the end of the fetched batch (when the loop commits): when the batch is long,
        old, or its partition was given to another member meanwhile (commit the rest now)."""
        return (
            tp not in consumer.assignment()
            or pending.messages >= self._max_pending
            or self._clock() - pending.since >= self._max_age
        )

    async def commit(
        self, consumer: AIOKafkaConsumer, *, at_once: bool = False
    ) -> dict[TopicPartition, int]:
        """Apply the batch's effects, await the dead letters in flight, then commit what is
        durable to Kafka: `at_once`, else when the commit interval says (see the module
        docstring); on a broker outage the offsets wait for the next commit. Returns where the
        consumer was moved back to, per partition, for what must be read again."""
        pending = self._pending.pop(id(consumer), None)
        if pending is not None:
            moved, offsets = await self._settle(consumer, pending)
            self._hold(consumer, offsets, pending.messages)
        else:
            moved = {}
        held = self._held.get(id(consumer))
        if held is None:
            return moved
        if at_once or self._due(held):
            await self.commit_held(consumer)
        elif id(consumer) not in self._timers:
            self._start_timer(consumer, self._commit_interval - (self._clock() - held.since))
        return moved

    async def _settle(
        self, consumer: AIOKafkaConsumer, pending: _Pending
    ) -> tuple[dict[TopicPartition, int], dict[TopicPartition, int]]:
        """The batch's effects applied and its dead letters landed: where the consumer was
        moved back to, and the offsets now durable, per partition it still owns."""
        applied = await self.apply_batch(pending.records) if pending.records else BatchOutcome()
        deliveries = pending.deliveries + applied.dead_letters
        landed = await asyncio.gather(
            *(delivery for _, _, delivery in deliveries), return_exceptions=True
        )
        offsets = dict(pending.next_offsets)
        for tp, offset in applied.read_again.items():
            offsets[tp] = min(offsets[tp], offset)
        for (tp, offset, _), outcome in zip(deliveries, landed, strict=True):
            if isinstance(outcome, BaseException) and offset < offsets[tp]:
                log.warning("dead letter not written: read again", partition=tp.partition)
                offsets[tp] = offset
        # A partition given to another member meanwhile is read and committed by it.
        owned = consumer.assignment()
        offsets = {tp: offset for tp, offset in offsets.items() if tp in owned}
        moved = {tp: o for tp, o in offsets.items() if o < pending.next_offsets[tp]}
        for tp, offset in moved.items():
            consumer.seek(tp, offset)
        return moved, offsets

    def _hold(
        self, consumer: AIOKafkaConsumer, offsets: dict[TopicPartition, int], messages: int
    ) -> None:
        if not offsets:
            return
        held = self._held.setdefault(id(consumer), _Held(since=self._clock()))
        # Past the earlier batches' offsets, or before them when a partition came back after a
        # rebalance and is read again from its committed offset: then the lower one is right.
        held.offsets.update(offsets)
        held.messages += messages

    def _due(self, held: _Held) -> bool:
        return (
            held.messages >= self._max_pending
            or self._clock() - held.since >= self._commit_interval
        )

    async def _commit_later(self, consumer: AIOKafkaConsumer, wait: float) -> None:
        await self._sleep(max(wait, 0.0))
        await self.commit_held(consumer)

    def _start_timer(self, consumer: AIOKafkaConsumer, wait: float) -> None:
        """A commit of the held offsets after `wait`, kept in `_timers` until it is done, so
        that the stop can cancel it and take its offsets over (see `commit_all`)."""
        key = id(consumer)
        timer = asyncio.create_task(self._commit_later(consumer, wait))
        self._timers[key] = timer

        def forget(done: asyncio.Task[None]) -> None:
            if self._timers.get(key) is done:
                del self._timers[key]

        timer.add_done_callback(forget)

    async def commit_held(self, consumer: AIOKafkaConsumer) -> None:
        """Commit the consumer's held offsets of the partitions it still owns, one commit at a
        time; on failure they wait for the next. What its batch in hand has not made durable
        yet is not held: it is left to be read again."""
        async with self._kafka_commits.setdefault(id(consumer), asyncio.Lock()):
            held = self._held.pop(id(consumer), None)
            if held is None:
                return
            owned = consumer.assignment()
            offsets = {tp: offset for tp, offset in held.offsets.items() if tp in owned}
            if offsets:
                await self._commit_offsets(consumer, offsets, held)

    async def _commit_offsets(
        self, consumer: AIOKafkaConsumer, offsets: dict[TopicPartition, int], held: _Held
    ) -> None:
        try:
            async with asyncio.timeout(self._commit_timeout):
                await consumer.commit(offsets)
        except BaseException as error:
            # The broker or the group is away or rebalancing, or a timer's commit was cancelled
            # as the service stops: a later commit (the stop's own) carries these.
            kept = self._held.setdefault(id(consumer), _Held(since=held.since))
            for tp, offset in offsets.items():
                kept.offsets[tp] = max(kept.offsets.get(tp, offset), offset)
            kept.messages += held.messages
            if not isinstance(error, Exception):
                raise
            log.warning("offset commit failed", error=repr(error))

    async def rewind(
        self, consumer: AIOKafkaConsumer, topic: str, partition: int, offset: int
    ) -> None:
        """The message at `offset` must be read again (an outage): commit what came before
        it, then move the consumer back to it."""
        moved = await self.commit(consumer, at_once=True)
        tp = TopicPartition(topic, partition)
        if tp in consumer.assignment():
            # Not past a record before it whose effects were not applied either.
            consumer.seek(tp, min(offset, moved.get(tp, offset)))

    async def commit_all(self) -> None:
        """Commit every consumer's finished messages now (the service is stopping)."""
        timers = list(self._timers.values())
        for timer in timers:
            timer.cancel()
        # A timer cancelled in the middle of its commit has put its offsets back.
        await asyncio.gather(*timers, return_exceptions=True)
        self._timers.clear()
        for key in list(self._pending.keys() | self._held.keys()):
            await self.commit(self._consumers[key], at_once=True)


class CommitOnRevoke(ConsumerRebalanceListener):  # type: ignore[misc]
    """A rebalance is about to take the consumer's partitions: its held offsets are committed
    first (aiokafka calls this while the consumer is still a member of the old generation), so
    the partitions' next owner does not read again what was handled in the last interval."""

    def __init__(self, commits: ConsumerCommits, consumer: AIOKafkaConsumer) -> None:
        self._commits = commits
        self._consumer = consumer

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        if revoked:
            await self._commits.commit_held(self._consumer)

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        pass
