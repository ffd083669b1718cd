"""How much a consumer's next fetch asks the broker to gather (shared/subscriptions.py,
FetchGathering): a thin stream is gathered into batches, a backlog is read at once."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiokafka import ConsumerRecord, TopicPartition

from shared.commits import ConsumerCommits
from shared.subscriptions import (
    ConsumerLoops,
    FetchGathering,
    Subscription,
    event_type_of,
    fetch_min_bytes_setter,
)

PARTITION = TopicPartition("unit.claims", 0)


def fetched(*sizes: int) -> dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]]:
    """One record of each value size (and a 36-byte key), on one partition."""
    return {
        PARTITION: [
            ConsumerRecord(
                PARTITION.topic, 0, offset, 0, 0, b"k" * 36, b"v" * size, None, 36, size, []
            )
            for offset, size in enumerate(sizes)
        ]
    }


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def gathering(min_bytes: int = 64 * 1024) -> tuple[FetchGathering, list[int], Clock]:
    asked: list[int] = []
    clock = Clock()
    gather = FetchGathering(min_bytes, asked.append, drain_seconds=1.0, clock=clock)
    return gather, asked, clock


def test_a_thin_stream_keeps_asking_the_broker_to_gather() -> None:
    gather, asked, clock = gathering()
    for _ in range(5):
        clock.now += 1.0  # one event a fetch wait
        gather.after(fetched(1_800))
    clock.now += 1.0
    gather.after({})  # nothing came within the wait
    assert asked == []  # the consumer was made asking for min_bytes, and keeps it
    assert not gather.draining


def test_a_fetch_that_brought_min_bytes_reads_what_follows_at_once() -> None:
    gather, asked, clock = gathering(min_bytes=10_000)
    gather.after(fetched(*[1_800] * 6))  # 6 x 1,836 bytes: at least 10,000, a backlog
    assert asked == [1]
    clock.now += 0.01
    gather.after(fetched(1_800))  # its tail, a moment later: still read at once
    clock.now += 0.01
    gather.after(fetched(*[1_800] * 6))
    assert asked == [1]
    assert gather.draining


def test_gathering_resumes_a_drain_window_after_the_last_full_fetch() -> None:
    gather, asked, clock = gathering(min_bytes=10_000)
    gather.after(fetched(*[1_800] * 6))
    clock.now += 0.5
    gather.after(fetched(*[1_800] * 6))  # another full fetch: the window starts again
    clock.now += 0.9
    gather.after(fetched(1_800))
    assert asked == [1]  # 0.9 s after the last full fetch
    clock.now += 0.1
    gather.after(fetched(1_800))  # 1 s after it: a thin stream again
    assert asked == [1, 10_000]
    assert not gather.draining


def test_an_empty_fetch_at_the_windows_end_gathers_again() -> None:
    """The broker answers a fetch asking for 1 byte empty only after its whole wait: by then
    the window is over, and the next fetch gathers."""
    gather, asked, clock = gathering(min_bytes=10_000)
    gather.after(fetched(*[1_800] * 6))
    clock.now += 1.0
    gather.after({})
    assert asked == [1, 10_000]


def test_a_key_counts_with_its_value_and_a_missing_one_counts_nothing() -> None:
    gather, asked, _clock = gathering(min_bytes=1_000)
    record = ConsumerRecord(PARTITION.topic, 0, 0, 0, 0, None, b"v" * 999, None, -1, 999, [])
    gather.after({PARTITION: [record]})
    assert asked == []  # 999 bytes, no key (size -1)
    gather.after(fetched(964))  # 964 + a 36-byte key
    assert asked == [1]


class Fetcher:
    _fetch_min_bytes = 65_536


class StartedConsumer:
    """A consumer as aiokafka's is once started: its fetcher holds what each fetch asks for."""

    def __init__(self) -> None:
        self._fetcher = Fetcher()
        self.stopped = False
        self._never: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def start(self) -> None:
        pass

    async def getmany(self, **_: Any) -> dict[Any, Any]:
        await self._never
        return {}

    async def stop(self) -> None:
        self.stopped = True


async def test_the_setter_changes_what_the_started_consumers_next_fetches_ask_for() -> None:
    consumer = StartedConsumer()
    fetch_min_bytes_setter(consumer)(1)  # type: ignore[arg-type]
    assert consumer._fetcher._fetch_min_bytes == 1


def test_an_aiokafka_without_the_attribute_fails_loudly() -> None:
    class Unstarted:
        _fetcher = None

    with pytest.raises(RuntimeError, match="_fetch_min_bytes"):
        fetch_min_bytes_setter(Unstarted())  # type: ignore[arg-type]


async def on_event(event: dict[str, Any]) -> None:
    pass


async def started_loops(fetch_min_bytes: int) -> ConsumerLoops:
    consumers = iter([StartedConsumer(), StartedConsumer()])
    loops = ConsumerLoops()
    await loops.start(
        [Subscription("unit.claims", 2, on_event, event_type_of(on_event), fetch_min_bytes)],
        lambda _topic, _min_bytes: next(consumers),  # type: ignore[arg-type, return-value]
        lambda _subscription: None,  # type: ignore[arg-type, return-value]
        ConsumerCommits(),
        fetch_wait_ms=500,
    )
    return loops


async def test_each_loop_gathers_once_started_when_asked_to() -> None:
    loops = await started_loops(fetch_min_bytes=65_536)
    try:
        gatherings = [loop.gathering for loop in loops._loops]
        assert [gathering is not None and gathering.min_bytes for gathering in gatherings] == [
            65_536,
            65_536,
        ]
    finally:
        await loops.stop_handling()
        await loops.close()


async def test_a_min_bytes_of_one_gathers_nothing() -> None:
    loops = await started_loops(fetch_min_bytes=1)
    try:
        assert [loop.gathering for loop in loops._loops] == [None, None]
    finally:
        await loops.stop_handling()
        await loops.close()
