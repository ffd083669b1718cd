"""Starting and stopping the consumer loops (shared/subscriptions.py): a service's consumers join
their group together; a loop waiting for a fetch is stopped at once, and every consumer leaves the
group."""

from __future__ import annotations

import asyncio
from typing import Any

from shared.commits import ConsumerCommits
from shared.subscriptions import ConsumerLoops, Subscription, event_type_of


class WaitingConsumer:
    """A consumer whose fetch finds nothing for as long as it is let wait."""

    def __init__(self) -> None:
        self.fetches = 0
        self.stopped = False
        self._never: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def start(self) -> None:
        pass

    async def getmany(self, **_: Any) -> dict[Any, Any]:
        self.fetches += 1
        await self._never
        return {}

    async def stop(self) -> None:
        self.stopped = True


async def on_event(event: dict[str, Any]) -> None:
    pass


class Group:
    """A consumer group whose rebalance gives partitions only once all its members have joined."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.joined = 0
        self.complete = asyncio.Event()

    async def join(self) -> None:
        self.joined += 1
        if self.joined == self.size:
            self.complete.set()
        await self.complete.wait()


class JoiningConsumer(WaitingConsumer):
    """A consumer whose start returns only once every consumer of the group has begun its own."""

    def __init__(self, group: Group, fails: bool = False) -> None:
        super().__init__()
        self._group = group
        self._fails = fails

    async def start(self) -> None:
        await self._group.join()
        if self._fails:
            raise PermissionError("group authorization failed")


async def start_loops(loops: ConsumerLoops, consumers: list[Any], workers: int) -> None:
    made = iter(consumers)
    await loops.start(
        [Subscription("unit.sales", workers, on_event, event_type_of(on_event))],
        lambda _topic, _min_bytes: next(made),
        lambda _subscription: None,  # type: ignore[arg-type, return-value]
        ConsumerCommits(),
        fetch_wait_ms=500,
    )


async def test_a_services_consumers_join_their_group_together() -> None:
    joining = Group(3)
    group = [JoiningConsumer(joining) for _ in range(3)]
    loops = ConsumerLoops()
    # One after another, the first start would wait for ever for the others to begin theirs.
    await asyncio.wait_for(start_loops(loops, group, 3), timeout=5)
    await loops.stop_handling()
    await loops.close()
    assert [consumer.stopped for consumer in group] == [True, True, True]


async def test_a_consumer_that_cannot_join_fails_the_start_and_every_consumer_is_closed() -> None:
    joining = Group(3)
    group = [JoiningConsumer(joining, fails=index == 1) for index in range(3)]
    loops = ConsumerLoops()
    try:
        await asyncio.wait_for(start_loops(loops, group, 3), timeout=5)
    except PermissionError:
        pass
    else:
        raise AssertionError("the start should fail with the consumer's error")
    await loops.close()
    assert [consumer.stopped for consumer in group] == [True, True, True]


async def test_a_loop_waiting_for_a_fetch_stops_without_waiting_for_it() -> None:
    consumers = [WaitingConsumer(), WaitingConsumer()]
    made = iter(consumers)
    loops = ConsumerLoops()
    subscription = Subscription("unit.sales", 2, on_event, event_type_of(on_event))
    await loops.start(
        [subscription],
        lambda _topic, _min_bytes: next(made),  # type: ignore[arg-type, return-value]
        lambda _subscription: None,  # type: ignore[arg-type, return-value]
        ConsumerCommits(),
        fetch_wait_ms=500,
    )
    await asyncio.sleep(0)  # each loop is waiting for its first fetch
    assert [consumer.fetches for consumer in consumers] == [1, 1]
    # The fetches never end: without the cancel, the stop would wait out its whole timeout.
    await asyncio.wait_for(loops.stop_handling(timeout=3600), timeout=5)
    await loops.close()
    assert [consumer.stopped for consumer in consumers] == [True, True]
