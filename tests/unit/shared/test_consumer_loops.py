"""Stopping the consumer loops (shared/subscriptions.py): a loop waiting for a fetch is stopped
at once, and every consumer leaves the group."""

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


async def test_a_loop_waiting_for_a_fetch_stops_without_waiting_for_it() -> None:
    consumers = [WaitingConsumer(), WaitingConsumer()]
    made = iter(consumers)
    loops = ConsumerLoops()
    subscription = Subscription("unit.sales", 2, on_event, event_type_of(on_event))
    await loops.start(
        [subscription],
        lambda _topic: next(made),  # type: ignore[arg-type, return-value]
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
