"""Live updates of the operators' dashboard: a FastStream subscriber feeding Server-Sent Events.

Each web process reads `rma.claims.v1` and `rma.warranty.v1` in its own consumer group from the
latest offset (it only needs to know that something changed from now on) and hands a short
summary of every event to each open event stream. The browser then reloads the part of the
page that changed; the APIs stay the source of truth.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from uuid import uuid4

from aiokafka import ConsumerRebalanceListener
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from shared import topics
from shared.kafka import KafkaConnectionSettings, broker_security
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


Sleep = Callable[[float], Awaitable[None]]


class KafkaFeed:
    """Consumes the live topics in the background through a FastStream broker that only reads
    (the web user may not write or create topics). Until Kafka first answers, it tries again
    with a growing pause; once started, FastStream's consumer rides out broker restarts."""

    def __init__(
        self,
        bootstrap_servers: str,
        hub: LiveHub,
        connection: KafkaConnectionSettings | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._bootstrap = [server.strip() for server in bootstrap_servers.split(",")]
        self._connection = connection
        self._hub = hub
        self._sleep = sleep
        self.group_id = f"rma-web-{uuid4().hex[:12]}"
        self._broker: KafkaBroker | None = None
        self._task: asyncio.Task[None] | None = None

    def _new_broker(self) -> KafkaBroker:
        broker = KafkaBroker(
            self._bootstrap,
            security=broker_security(self._connection),
            client_id="rma-web",
            consumer_only=True,
            allow_auto_create_topics=False,
            logger=get_logger("faststream.web"),
            # FastStream's "Received"/"Processed" lines for every event: not worth a line here.
            log_level=logging.DEBUG,
        )
        hub = self._hub

        @broker.subscriber(
            *LIVE_TOPICS,
            group_id=self.group_id,
            auto_offset_reset="latest",
            ack_policy=AckPolicy.ACK_FIRST,
            listener=_Assigned(hub),
        )
        async def on_event(message: KafkaMessage) -> None:
            summary = summarize(message.body)
            if summary is not None:
                hub.publish(summary)

        return broker

    def start(self) -> None:
        self._task = asyncio.create_task(self._start(), name="kafka-feed")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._broker is not None:
            await self._broker.stop()
            self._broker = None
        self._hub.ready.clear()

    async def _start(self) -> None:
        delay = 1.0
        while True:
            broker = self._new_broker()
            try:
                await broker.start()
            except asyncio.CancelledError:
                with contextlib.suppress(Exception):
                    await broker.stop()
                raise
            except Exception as error:
                log.warning("live_feed_failed", error=str(error), retry_in=delay)
                with contextlib.suppress(Exception):
                    await broker.stop()
                await self._sleep(delay)
                delay = min(delay * 2, 30.0)
            else:
                self._broker = broker
                log.info("live_feed_started", group_id=self.group_id, topics=list(LIVE_TOPICS))
                return
