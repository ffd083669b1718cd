"""Live updates of the operators' dashboard: a Kafka consumer feeding Server-Sent Events.

Each web process reads `rma.claims.v1` and `rma.warranty.v1` in its own consumer group from the
latest offset (it only needs to know that something changed from now on) and hands a short
summary of every event to each open event stream. The browser then reloads the part of the
page that changed; the APIs stay the source of truth.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any
from uuid import uuid4

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener

from shared import topics
from shared.kafka import KafkaConnectionSettings, client_options
from shared.logging import get_logger

log = get_logger(__name__)

LIVE_TOPICS = (topics.CLAIMS, topics.WARRANTY)


class LiveHub:
    """Fan-out of event summaries to every open stream; a slow stream loses events, not memory."""

    def __init__(self, queue_size: int = 100) -> None:
        self._queues: set[asyncio.Queue[dict[str, Any]]] = set()
        self._queue_size = queue_size
        self.ready = asyncio.Event()

    @property
    def listeners(self) -> int:
        return len(self._queues)

    def publish(self, summary: dict[str, Any]) -> None:
        for queue in list(self._queues):
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(summary)

    @contextlib.asynccontextmanager
    async def subscribe(self) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(self._queue_size)
        self._queues.add(queue)
        try:
            yield queue
        finally:
            self._queues.discard(queue)


def summarize(raw: bytes | None) -> dict[str, Any] | None:
    """What the dashboard needs to know of an event: its type, claim and new status."""
    if not raw:
        return None
    try:
        envelope = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(envelope, dict) or not isinstance(envelope.get("type"), str):
        return None
    data = envelope.get("data") if isinstance(envelope.get("data"), dict) else {}
    assert isinstance(data, dict)
    return {
        "type": envelope["type"],
        "claim_id": data.get("claim_id"),
        "rma_number": data.get("rma_number"),
        "status": data.get("to_status"),
        "occurred_at": envelope.get("occurred_at"),
    }


class _Assigned(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, hub: LiveHub) -> None:
        self._hub = hub

    async def on_partitions_revoked(self, revoked: Any) -> None:
        return None

    async def on_partitions_assigned(self, assigned: Any) -> None:
        if assigned:
            self._hub.ready.set()


class KafkaFeed:
    """Consumes the live topics in the background, reconnecting after errors."""

    def __init__(
        self,
        bootstrap_servers: str,
        hub: LiveHub,
        connection: KafkaConnectionSettings | None = None,
    ) -> None:
        self._bootstrap = bootstrap_servers
        self._connection = connection
        self._hub = hub
        self.group_id = f"rma-web-{uuid4().hex[:12]}"
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="kafka-feed")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        delay = 1.0
        while True:
            consumer = AIOKafkaConsumer(
                **client_options(self._bootstrap, self._connection),
                group_id=self.group_id,
                client_id="rma-web",
                auto_offset_reset="latest",
                enable_auto_commit=True,
            )
            try:
                consumer.subscribe(list(LIVE_TOPICS), listener=_Assigned(self._hub))
                await consumer.start()
                log.info("live_feed_started", group_id=self.group_id, topics=list(LIVE_TOPICS))
                delay = 1.0
                async for record in consumer:
                    summary = summarize(record.value)
                    if summary is not None:
                        self._hub.publish(summary)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("live_feed_failed", error=str(error), retry_in=delay)
                self._hub.ready.clear()
            finally:
                with contextlib.suppress(Exception):
                    await consumer.stop()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)
