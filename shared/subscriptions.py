"""The consumer loops of a service's subscribers: aiokafka's `getmany`, our record handling.

FastStream's subscribers ran every record through its own per-record path (its decoder,
middlewares, FastDepends); on a backlog that cost warranty much of its CPU (issue 27). Here each
subscriber runs its Kafka consumers in the service's group, each a task that fetches a batch,
hands its records one by one, in order per partition, to `RecordHandling` (shared/consumer.py:
dead letters, spans, retries and outage handling per record), then commits the batch
(shared/commits.py: its effects first, then its offsets).

Stopping lets the batch in hand finish (its commit comes from the runtime's `commit_all`); a
loop waiting for a fetch, or one that does not finish in time, is cancelled, and what it had not
committed is read again.
"""

from __future__ import annotations

import asyncio
import inspect
import time
import typing
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pydantic
from aiokafka import AIOKafkaConsumer, TopicPartition

from shared.backlog import BacklogWindow
from shared.commits import ConsumerCommits
from shared.consumer import Record, RecordHandling
from shared.logging import get_logger

log = get_logger(__name__)

Handler = Callable[[Any], Awaitable[None]]
# Records handed over per fetch: the batch whose effects share a transaction and whose offsets
# share a commit (the commits' own `max_pending` as well).
MAX_RECORDS_PER_FETCH = 500


@dataclass(frozen=True)
class Subscription:
    """One subscriber: its topic, how many Kafka consumers it runs, its handler, the type the
    handler takes, and what its fetches ask the broker to gather (FetchGathering; 1: nothing)."""

    topic: str
    workers: int
    handler: Handler
    event_type: pydantic.TypeAdapter[Any]
    fetch_min_bytes: int = 1


def event_type_of(handler: Handler) -> pydantic.TypeAdapter[Any]:
    """A validator of the handler's one parameter's type (an event model or an annotated union
    of them), built once: it decodes each record's raw JSON (`validate_json`)."""
    [parameter] = inspect.signature(handler).parameters
    annotation = typing.get_type_hints(handler, include_extras=True)[parameter]
    return pydantic.TypeAdapter(annotation)


class FetchGathering:
    """How much a consumer's next fetch asks the broker to gather (Kafka's fetch.min.bytes).

    At a few events a second each fetch would bring one event, and each event would pay a fetch,
    a transaction, an inbox query and a relay round of its own. Asked for `min_bytes`, the
    broker holds the fetch until that much has come or the fetch wait is over, and the events of
    that time arrive as one batch (issue 27, item 5: our four services' CPU per claim at 10/s,
    0.0282 s before, 0.0189 s with a 500 ms wait, 0.0170 s with 1 s and the relay's linger;
    docs/performance.md), at the cost of up to one fetch wait of latency per hop.

    A fetch that brought that much means a backlog (shared/backlog.py): for `drain_seconds`
    after it (the fetch wait) the fetches ask for whatever is there, so the end of a backlog,
    which comes after its last full fetch, is read at once instead of waiting out the wait."""

    def __init__(
        self,
        min_bytes: int,
        set_min_bytes: Callable[[int], None],
        *,
        drain_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._set_min_bytes = set_min_bytes
        self._backlog = BacklogWindow(min_bytes, drain_seconds, clock)
        self.draining = False

    @property
    def min_bytes(self) -> int:
        return self._backlog.full

    def after(self, fetched: Mapping[TopicPartition, Sequence[Record]]) -> None:
        self._backlog.saw(
            sum(
                max(record.serialized_key_size, 0) + max(record.serialized_value_size, 0)
                for records in fetched.values()
                for record in records
            )
        )
        draining = self._backlog.active
        if draining != self.draining:
            self.draining = draining
            self._set_min_bytes(1 if draining else self.min_bytes)


def fetch_min_bytes_setter(consumer: AIOKafkaConsumer) -> Callable[[int], None]:
    """Sets what the started consumer's next fetches ask for. aiokafka reads it from its
    fetcher's attribute for each fetch it builds and has no public setter; checked here, at the
    start, so that a version without it fails the start instead of batching silently no more."""
    fetcher = getattr(consumer, "_fetcher", None)
    if not isinstance(getattr(fetcher, "_fetch_min_bytes", None), int):
        raise RuntimeError("this aiokafka's fetcher has no _fetch_min_bytes to set")

    def set_min_bytes(min_bytes: int) -> None:
        fetcher._fetch_min_bytes = min_bytes  # type: ignore[union-attr]

    return set_min_bytes


class ConsumerLoop:
    """One Kafka consumer of a subscriber: fetch, handle each record, commit; until stopped."""

    def __init__(
        self,
        consumer: AIOKafkaConsumer,
        handling: RecordHandling,
        commits: ConsumerCommits,
        *,
        fetch_wait_ms: int,
        fetch_min_bytes: int = 1,
    ) -> None:
        self.consumer = consumer
        self._handling = handling
        self._commits = commits
        self._fetch_wait_ms = fetch_wait_ms
        self.fetch_min_bytes = fetch_min_bytes
        # Set once the consumer has started (its fetcher is made then); None: every fetch
        # returns as soon as anything is there.
        self.gathering: FetchGathering | None = None
        self.stopping = False
        # Waiting for a fetch, no batch in hand: a stop need not wait for the fetch to end.
        self.fetching = False

    async def run(self) -> None:
        while not self.stopping:
            self.fetching = True
            try:
                fetched = await self.consumer.getmany(
                    timeout_ms=self._fetch_wait_ms, max_records=MAX_RECORDS_PER_FETCH
                )
            finally:
                self.fetching = False
            if self.gathering is not None:
                # Before any await: the fetcher sends the next fetch once this one is taken.
                self.gathering.after(fetched)
            await self.handle_fetched(fetched)

    async def handle_fetched(self, fetched: Mapping[TopicPartition, Sequence[Record]]) -> None:
        """Each partition's records in order; a partition the consumer was moved back on is
        left for the next fetch, which reads it again from there. Then the batch's commit
        (which also retries offsets a failed commit left)."""
        moved: set[TopicPartition] = set()
        for partition, records in fetched.items():
            for record in records:
                if partition in moved:
                    break
                moved |= await self._handling.handle(self.consumer, record)
        await self._commits.commit(self.consumer)


class ConsumerLoops:
    """Every subscriber's consumer loops in one service process."""

    def __init__(self) -> None:
        self._loops: list[ConsumerLoop] = []
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def consumers(self) -> list[AIOKafkaConsumer]:
        return [loop.consumer for loop in self._loops]

    async def start(
        self,
        subscriptions: Sequence[Subscription],
        new_consumer: Callable[[str, int], AIOKafkaConsumer],
        handling_of: Callable[[Subscription], RecordHandling],
        commits: ConsumerCommits,
        *,
        fetch_wait_ms: int,
    ) -> None:
        """`new_consumer(topic, fetch_min_bytes)`: a consumer of the topic in the service's
        group, not started."""
        for subscription in subscriptions:
            handling = handling_of(subscription)
            for _ in range(subscription.workers):
                # Kept before it starts: a start that fails (credentials, ACLs) is closed too.
                self._loops.append(
                    ConsumerLoop(
                        new_consumer(subscription.topic, subscription.fetch_min_bytes),
                        handling,
                        commits,
                        fetch_wait_ms=fetch_wait_ms,
                        fetch_min_bytes=subscription.fetch_min_bytes,
                    )
                )
        # All at once: a consumer's start returns once the group has given it its partitions,
        # and each one that joins after the others makes them all rejoin, which each member
        # notices only at its next heartbeat (3 s). One after another, the claims and
        # notifications services of an integration test module took 10-13 s more to start.
        started = await asyncio.gather(
            *(loop.consumer.start() for loop in self._loops), return_exceptions=True
        )
        for outcome in started:
            if isinstance(outcome, BaseException):
                raise outcome
        for loop in self._loops:
            if loop.fetch_min_bytes > 1:
                loop.gathering = FetchGathering(
                    loop.fetch_min_bytes,
                    fetch_min_bytes_setter(loop.consumer),
                    drain_seconds=fetch_wait_ms / 1000,
                )
        for index, loop in enumerate(self._loops):
            task = asyncio.create_task(self._run(loop), name=f"consumer-loop-{index}")
            self._tasks.append(task)

    @staticmethod
    async def _run(loop: ConsumerLoop, pause: float = 1.0) -> None:
        while not loop.stopping:
            try:
                await loop.run()
            except Exception as error:
                # The record handling keeps its own errors; this is the client's (a fetch or
                # a seek refused): what was not committed is read again after the pause.
                log.error("consumer loop failed", error=repr(error))
                await asyncio.sleep(pause)

    async def stop_handling(self, timeout: float = 10.0) -> None:
        """Let each loop finish the batch in hand; cancel those that take longer, and at once
        those waiting for a fetch (a batch fetched and not yet handled is read again)."""
        for loop, task in zip(self._loops, self._tasks, strict=False):
            loop.stopping = True
            if loop.fetching:
                task.cancel()
        if self._tasks:
            _, late = await asyncio.wait(self._tasks, timeout=timeout)
            for task in late:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def close(self) -> None:
        """Leave the group (after `stop_handling` and the last commit), every consumer at once."""
        await asyncio.gather(
            *(consumer.stop() for consumer in self.consumers), return_exceptions=True
        )
        self._loops.clear()
        self._tasks.clear()
