"""The live feed's start: until Kafka first answers it tries again, each pause twice the last
up to 30 s, and it stops when asked without waiting for Kafka."""

from __future__ import annotations

import asyncio

from services.web.live import KafkaFeed, LiveHub

NOBODY_LISTENS = "127.0.0.1:1"


async def test_the_feed_tries_again_with_a_growing_pause_until_kafka_answers() -> None:
    pauses: list[float] = []
    enough = asyncio.Event()

    async def sleep(seconds: float) -> None:
        pauses.append(seconds)
        if len(pauses) == 7:
            enough.set()
        await asyncio.sleep(0)

    hub = LiveHub()
    feed = KafkaFeed(NOBODY_LISTENS, hub, sleep=sleep)
    feed.start()
    await asyncio.wait_for(enough.wait(), timeout=60)
    await feed.stop()

    assert pauses[:7] == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
    assert not hub.ready.is_set()
