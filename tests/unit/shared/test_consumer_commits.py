"""Offsets committed once per batch, after the batch's dead letters landed (shared/commits.py).

The consumer is a fake that subclasses aiokafka's and records what it is told; the same
mechanism against the real Kafka is in tests/poison and tests/integration/test_outbox_inbox.py.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaConnectionError, KafkaTimeoutError

from shared.commits import BatchOutcome, CommitOnRevoke, ConsumerCommits

TOPIC = "unit.claims"
P0, P1 = TopicPartition(TOPIC, 0), TopicPartition(TOPIC, 1)


class RecordingConsumer(AIOKafkaConsumer):
    """What was fetched of each partition (its high watermark), what was committed and where
    the consumer was moved back to."""

    def __init__(self, fetched_up_to: dict[TopicPartition, int]) -> None:
        super().__init__(bootstrap_servers="127.0.0.1:1")
        self._closed = True  # never started: nothing to close
        self.fetched_up_to = fetched_up_to
        self.commits: list[dict[TopicPartition, int]] = []
        self.seeks: list[tuple[TopicPartition, int]] = []
        self.commit_failures: list[Exception] = []

    def highwater(self, partition: TopicPartition) -> int | None:
        return self.fetched_up_to.get(partition)

    def assignment(self) -> set[TopicPartition]:
        return set(self.fetched_up_to)

    async def commit(self, offsets: Any = None) -> None:
        if self.commit_failures:
            raise self.commit_failures.pop(0)
        self.commits.append(dict(offsets))

    def seek(self, partition: TopicPartition, offset: int) -> None:
        self.seeks.append((partition, offset))


def landed() -> asyncio.Future[None]:
    future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    future.set_result(None)
    return future


async def test_a_fetched_batch_is_committed_once_when_the_loop_has_handled_it() -> None:
    consumer = RecordingConsumer({P0: 300})
    commits = ConsumerCommits(max_age=60)
    for offset in range(300):
        await commits.finished(consumer, TOPIC, 0, offset, landed() if offset % 2 else None)
    assert consumer.commits == []  # the consumer loop commits at the batch's end
    await commits.commit(consumer)
    assert consumer.commits == [{P0: 300}]


async def test_a_long_batch_is_committed_every_max_pending_messages() -> None:
    consumer = RecordingConsumer({P0: 10_000})
    commits = ConsumerCommits(max_pending=100, max_age=60)
    for offset in range(250):
        await commits.finished(consumer, TOPIC, 0, offset)
    assert consumer.commits == [{P0: 100}, {P0: 200}]


async def test_the_commit_waits_for_every_dead_letter_in_flight() -> None:
    consumer = RecordingConsumer({P0: 2})
    commits = ConsumerCommits(max_age=60)
    delivery: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    await commits.finished(consumer, TOPIC, 0, 0, delivery)
    await commits.finished(consumer, TOPIC, 0, 1)
    committing = asyncio.create_task(commits.commit(consumer))
    await asyncio.sleep(0.05)
    assert consumer.commits == []  # the dead letter is not durable yet
    delivery.set_result(None)
    await committing
    assert consumer.commits == [{P0: 2}]


async def test_a_dead_letter_that_did_not_land_is_read_again_and_not_committed_past() -> None:
    consumer = RecordingConsumer({P0: 5, P1: 3})
    commits = ConsumerCommits(max_age=60)
    lost: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    lost.set_exception(KafkaTimeoutError())
    await commits.finished(consumer, TOPIC, 1, 0)
    await commits.finished(consumer, TOPIC, 0, 0)
    await commits.finished(consumer, TOPIC, 0, 1, lost)
    await commits.finished(consumer, TOPIC, 0, 2, landed())
    await commits.finished(consumer, TOPIC, 0, 3)
    await commits.commit(consumer)
    assert consumer.commits == [{P0: 1, P1: 1}]
    assert consumer.seeks == [(P0, 1)]


async def test_offsets_whose_commit_failed_go_with_the_next_commit() -> None:
    consumer = RecordingConsumer({P0: 3})
    consumer.commit_failures.append(KafkaConnectionError("broker away"))
    commits = ConsumerCommits(max_age=60)
    await commits.finished(consumer, TOPIC, 0, 0)
    await commits.commit(consumer)  # fails: the broker is away
    assert consumer.commits == []
    await commits.finished(consumer, TOPIC, 0, 1)
    await commits.finished(consumer, TOPIC, 0, 2)
    await commits.commit(consumer)
    assert consumer.commits == [{P0: 3}]


async def test_a_partition_given_to_another_consumer_is_not_committed() -> None:
    consumer = RecordingConsumer({P0: 1})
    commits = ConsumerCommits(max_age=60)
    await commits.finished(consumer, TOPIC, 1, 0)  # P1 was revoked meanwhile
    await commits.finished(consumer, TOPIC, 0, 0)
    await commits.commit(consumer)
    assert consumer.commits == [{P0: 1}]


async def test_an_outage_commits_what_came_before_and_moves_back_to_the_message() -> None:
    consumer = RecordingConsumer({P0: 10})
    commits = ConsumerCommits(max_age=60)
    for offset in range(4):
        await commits.finished(consumer, TOPIC, 0, offset)
    await commits.rewind(consumer, TOPIC, 0, 4)
    assert consumer.commits == [{P0: 4}]
    assert consumer.seeks == [(P0, 4)]


class ManualClock:
    """Seconds that pass only when the test says; `sleep` waits until they have."""

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, asyncio.Future[None]]] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        wake: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._sleepers.append((self.now + seconds, wake))
        await wake

    async def advance(self, seconds: float) -> None:
        for _ in range(5):  # let the timers started meanwhile begin to wait
            await asyncio.sleep(0)
        self.now += seconds
        for due, wake in list(self._sleepers):
            if due <= self.now and not wake.done():
                wake.set_result(None)
        for _ in range(5):  # let the woken commits run
            await asyncio.sleep(0)


def spaced(clock: ManualClock, interval: float = 1.0) -> ConsumerCommits:
    return ConsumerCommits(max_age=60, commit_interval=interval, clock=clock, sleep=clock.sleep)


async def fetched_one(commits: ConsumerCommits, consumer: RecordingConsumer, offset: int) -> None:
    """A fetch that returned one record, handled, and the loop's commit at its end."""
    await commits.finished(consumer, TOPIC, 0, offset)
    await commits.commit(consumer)


async def test_a_consumer_keeping_up_commits_at_most_once_an_interval() -> None:
    """Sixteen events an eighth of a second apart, each a batch of one: two commits, not 16."""
    clock = ManualClock()
    consumer = RecordingConsumer({P0: 0})
    commits = spaced(clock)
    for offset in range(16):
        await fetched_one(commits, consumer, offset)
        await clock.advance(0.125)
    assert consumer.commits == [{P0: 8}, {P0: 16}]
    await commits.commit_all()  # as the service stops: no timer left waiting


async def test_held_offsets_are_committed_by_the_timer_when_no_batch_follows() -> None:
    clock = ManualClock()
    consumer = RecordingConsumer({P0: 3})
    commits = spaced(clock)
    for offset in range(3):
        await fetched_one(commits, consumer, offset)
    assert consumer.commits == []
    await clock.advance(0.5)
    assert consumer.commits == []
    await clock.advance(0.5)
    assert consumer.commits == [{P0: 3}]


async def test_the_effects_do_not_wait_for_the_commit_interval() -> None:
    """A batch's effects are applied when it is over; only its offset waits."""
    clock = ManualClock()
    consumer = RecordingConsumer({P0: 1})
    commits = spaced(clock)
    applied: list[int] = []

    async def apply(records: list[Any]) -> Any:
        applied.extend(record.offset for record in records)
        return BatchOutcome()

    commits.apply_batch = apply
    await commits.finished(consumer, TOPIC, 0, 0, effects=[object()])  # type: ignore[list-item]
    await commits.commit(consumer)
    assert applied == [0]
    assert consumer.commits == []
    await commits.commit_all()  # as the service stops: no timer left waiting


async def test_stopping_commits_the_held_offsets_at_once() -> None:
    clock = ManualClock()
    consumer = RecordingConsumer({P0: 2})
    commits = spaced(clock)
    await fetched_one(commits, consumer, 0)
    await fetched_one(commits, consumer, 1)
    await commits.commit_all()
    assert consumer.commits == [{P0: 2}]
    await clock.advance(2.0)  # the timer was cancelled: nothing twice
    assert consumer.commits == [{P0: 2}]


async def test_a_rebalance_commits_the_held_offsets_before_the_partitions_go() -> None:
    """Their next owner starts where this consumer stopped, not up to an interval earlier; a
    batch in hand whose effects are not applied yet is not committed."""
    clock = ManualClock()
    consumer = RecordingConsumer({P0: 5, P1: 5})
    commits = spaced(clock, interval=60)
    await fetched_one(commits, consumer, 0)
    await fetched_one(commits, consumer, 1)
    await commits.finished(consumer, TOPIC, 1, 0, effects=[object()])  # type: ignore[list-item]
    listener = CommitOnRevoke(commits, consumer)
    await listener.on_partitions_revoked({P0, P1})
    assert consumer.commits == [{P0: 2}]
    await listener.on_partitions_revoked(set())  # nothing held: nothing more
    assert consumer.commits == [{P0: 2}]
    await clock.advance(60)  # the interval's timer finds nothing left to commit
    assert consumer.commits == [{P0: 2}]


async def test_an_outage_commits_the_held_offsets_before_moving_back() -> None:
    clock = ManualClock()
    consumer = RecordingConsumer({P0: 10})
    commits = spaced(clock)
    await fetched_one(commits, consumer, 0)
    await commits.rewind(consumer, TOPIC, 0, 1)
    assert consumer.commits == [{P0: 1}]
    assert consumer.seeks == [(P0, 1)]


async def test_many_held_messages_are_committed_before_the_interval() -> None:
    clock = ManualClock()
    consumer = RecordingConsumer({P0: 0})
    commits = ConsumerCommits(
        max_pending=5, max_age=60, commit_interval=10, clock=clock, sleep=clock.sleep
    )
    for offset in range(6):
        await fetched_one(commits, consumer, offset)
    assert consumer.commits == [{P0: 5}]
    await commits.commit_all()


async def test_a_timers_commit_cut_short_by_the_stop_is_made_by_the_stop() -> None:
    """The timer's commit is under way (the broker slow to answer) when the service stops: the
    stop cancels it, and commits its offsets itself."""
    clock = ManualClock()
    consumer = RecordingConsumer({P0: 2})
    never: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    commit = consumer.commit
    calls = 0

    async def slow_then_quick(offsets: Any = None) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            await never  # the broker does not answer the timer's commit
        await commit(offsets)

    consumer.commit = slow_then_quick  # type: ignore[method-assign]
    commits = spaced(clock)
    await fetched_one(commits, consumer, 0)
    await fetched_one(commits, consumer, 1)
    await clock.advance(1.0)  # the timer's commit starts and waits for the broker
    assert (calls, consumer.commits) == (1, [])
    await commits.commit_all()
    assert consumer.commits == [{P0: 2}]
