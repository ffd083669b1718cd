"""Transactional outbox and its relay.

A service never publishes to Kafka from a request or a handler. It writes the event into the
`outbox` table in the same transaction as the state change; after commit the relay publishes
it with an idempotent producer (`acks=all`) and marks it published. A crash between the send and
the mark publishes the event again on restart, with the same `event_id`: consumers drop it in
their inbox, so the system as a whole has exactly one effect per fact.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import asyncpg
from aiokafka import AIOKafkaProducer
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Tracer

from shared import inbox
from shared.backlog import BacklogWindow
from shared.db import Conn, json_text
from shared.events import Event
from shared.kafka import KafkaConnectionSettings, client_options
from shared.logging import get_logger
from shared.tracing import current_trace_context, span_from_stored_context
from shared.worker import NotifiedWorker

log = get_logger(__name__)

_NOTIFY_CHANNEL = "outbox"
# A round that publishes this many events means a backlog is being written (shared/backlog.py):
# for a second after it the relay does not linger, so a backlog's events, and its end, go out
# at once (a lingering relay published a backlog of 500 assessments a round every 200 ms:
# warranty alone took 0.43 s for them without the linger, 0.68 with it).
_BACKLOG_ROUND = 50
_BACKLOG_SECONDS = 1.0
# One relay per database publishes at a time, so events leave in the order they were written.
_RELAY_LOCK_ID = 727_002


async def add_to_outbox(conn: Conn, *events: Event) -> None:
    """Record events for publication; call inside the transaction that changes the state. In an
    effect the inbox runs (a consumer's), they are staged and written with the transaction's
    other events in one statement before it commits (shared/inbox.py, `staged`): a fetched
    batch's events go in one INSERT instead of one each."""
    trace_context = current_trace_context()
    stage = inbox.staged(_StagedEvents, _StagedEvents, on=conn)
    if stage is not None:
        stage.events.extend((event, trace_context) for event in events)
        return
    await _insert(conn, [(event, trace_context) for event in events])


@dataclass
class _StagedEvents:
    """The events of one inbox transaction's effects, in the order they were published."""

    events: list[tuple[Event, dict[str, str]]] = field(default_factory=list)

    async def flush(self, conn: Conn) -> None:
        await _insert(conn, self.events)


async def _insert(conn: Conn, events: Sequence[tuple[Event, dict[str, str]]]) -> None:
    """The events (each with its trace) in one statement, their ids in the order given.
    NOTIFY is delivered at commit, and not at all on rollback: exactly when the relay should
    look; PostgreSQL sends one per transaction and channel. The payload goes as pydantic's JSON
    text and becomes jsonb in the database."""
    if not events:
        return
    await conn.execute(
        """WITH written AS (
               INSERT INTO outbox
                   (event_id, event_type, topic, message_key, payload, correlation_id,
                    trace_context)
               SELECT event_id, event_type, topic, message_key, payload::jsonb, correlation_id,
                      trace_context::jsonb
               FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[],
                           $6::uuid[], $7::text[])
                    WITH ORDINALITY AS e(event_id, event_type, topic, message_key, payload,
                                         correlation_id, trace_context, position)
               ORDER BY position
               RETURNING id)
           SELECT pg_notify($8, '') FROM written LIMIT 1""",
        [event.event_id for event, _ in events],
        [event.type for event, _ in events],
        [event.topic for event, _ in events],
        [event.key for event, _ in events],
        [event.model_dump_json() for event, _ in events],
        [event.correlation_id for event, _ in events],
        [json_text(trace) for _, trace in events],
        _NOTIFY_CHANNEL,
    )


def new_producer(
    bootstrap_servers: str, client_id: str, connection: KafkaConnectionSettings | None = None
) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        **client_options(bootstrap_servers, connection),
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        linger_ms=5,
    )


def kafka_headers(
    event_type: str,
    event_id: str,
    correlation_id: str,
    trace_context: Mapping[str, str] | None = None,
) -> list[tuple[str, bytes]]:
    """The headers of every event on Kafka; `trace_context` (W3C `traceparent`) is read by the
    consumer loop's span per record (shared/tracing.consumer_span)."""
    return [
        ("content-type", b"application/json"),
        ("event_type", event_type.encode()),
        ("event_id", event_id.encode()),
        ("correlation_id", correlation_id.encode()),
        *((name, value.encode()) for name, value in (trace_context or {}).items()),
    ]


class OutboxRelay(NotifiedWorker):
    """Publishes committed outbox rows in order; woken by NOTIFY, with a poll as a safety net.
    `linger`: how long a round waits, once woken, for what else commits meanwhile."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        producer: AIOKafkaProducer,
        *,
        batch_size: int = 500,
        poll_interval: float = 1.0,
        linger: float = 0.0,
        retention_days: int = 7,
        tracer: Tracer | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(
            pool,
            channel=_NOTIFY_CHANNEL,
            name="outbox-relay",
            poll_interval=poll_interval,
            linger=linger,
        )
        self._producer = producer
        self._batch_size = batch_size
        self._backlog = BacklogWindow(_BACKLOG_ROUND, _BACKLOG_SECONDS, clock)
        self._retention_days = retention_days
        self._last_cleanup = 0.0
        self._tracer = tracer or trace.get_tracer(__name__)

    def lingers(self) -> bool:
        """Not for a second after a round of a backlog (`_BACKLOG_ROUND`)."""
        return not self._backlog.active

    def round_published(self, count: int) -> None:
        """A round published `count` events."""
        self._backlog.saw(count)

    async def work(self) -> None:
        while await self.publish_pending() == self._batch_size:
            pass  # a full batch means more may be waiting
        now = asyncio.get_running_loop().time()
        if now - self._last_cleanup > 3600:
            await self.delete_old_published()
            self._last_cleanup = now

    async def delete_old_published(self) -> None:
        async with self._pool.acquire() as conn:
            await conn.execute(
                "DELETE FROM outbox WHERE published_at < now() - make_interval(days => $1)",
                self._retention_days,
            )

    async def publish_pending(self) -> int:
        """Publish one batch of unpublished events; returns how many were published."""
        async with self._pool.acquire() as conn:
            # Three round trips a round: BEGIN with the relay's lock, the rows, their mark with
            # COMMIT (as statements of their own, five). The rows are read by a statement of
            # their own after the lock: what another relay marked before letting go is left out.
            try:
                await conn.execute(f"BEGIN; SELECT pg_advisory_xact_lock({_RELAY_LOCK_ID})")
                rows = await self._publish_locked(conn)
            except BaseException:
                # A broken connection is dropped by the pool, which rolls back any other.
                with contextlib.suppress(Exception):
                    await conn.execute("ROLLBACK")
                raise
        for row in rows:
            log.info(
                "event published",
                event_id=str(row["event_id"]),
                correlation_id=str(row["correlation_id"]),
                event_type=row["event_type"],
                topic=row["topic"],
            )
        self.round_published(len(rows))
        return len(rows)

    async def _publish_locked(self, conn: Conn) -> Sequence[asyncpg.Record]:
        """In the round's transaction: send the pending rows, mark them published, commit."""
        rows = await conn.fetch(
            # The payload as PostgreSQL's JSON text: sent as it is, never decoded only to be
            # encoded again.
            """SELECT id, event_id, event_type, topic, message_key, payload::text AS payload,
                      correlation_id, trace_context
               FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT $1""",
            self._batch_size,
        )
        if not rows:
            await conn.execute("COMMIT")
            return rows
        await self._send_all(rows)
        # The ids are the table's own bigints, written into the statement so that it can go in
        # one simple query with the COMMIT.
        ids = ",".join(str(int(row["id"])) for row in rows)
        await conn.execute(
            f"UPDATE outbox SET published_at = now() WHERE id = ANY('{{{ids}}}'::bigint[]); COMMIT"
        )
        return rows

    async def _send_all(self, rows: Sequence[asyncpg.Record]) -> None:
        # Enqueue the whole batch, then wait for every acknowledgement: the idempotent producer
        # keeps per-partition order while several requests are in flight.
        deliveries = [await self._send(row) for row in rows]
        await asyncio.gather(*deliveries)

    async def _send(self, row: asyncpg.Record) -> asyncio.Future[object]:
        """Enqueue one event, in the trace of the request or handler that wrote it."""
        with span_from_stored_context(
            self._tracer,
            f"{row['topic']} publish",
            row["trace_context"],
            kind=SpanKind.PRODUCER,
            attributes={"messaging.system": "kafka", "messaging.destination.name": row["topic"]},
        ) as trace_context:
            delivery: asyncio.Future[object] = await self._producer.send(
                row["topic"],
                value=row["payload"].encode(),
                key=row["message_key"].encode(),
                headers=kafka_headers(
                    row["event_type"],
                    str(row["event_id"]),
                    str(row["correlation_id"]),
                    trace_context,
                ),
            )
        return delivery
