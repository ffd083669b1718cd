"""A subscriber's consumer loop (shared/subscriptions.py) and its record handling
(shared/consumer.py): dead letters, retries, outages and batches, driven with fetched batches.

The Kafka consumer is a fake that records its commits and seeks; the broker a fake that keeps
the dead letters; the backoff sleeps are recorded, not slept. The same guarantees against the
real Kafka: tests/integration/test_outbox_inbox.py, tests/integration/test_consumer_loop.py.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import asyncpg
from aiokafka import ConsumerRecord, TopicPartition
from opentelemetry import trace
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from shared.consumer import UnprocessableMessage, handle_once
from shared.events import SaleRecorded
from shared.runtime import ServiceRuntime
from shared.settings import ServiceSettings
from shared.subscriptions import ConsumerLoop
from tests.support.consumers import consumer_record, sale
from tests.unit.shared.test_consumer_commits import RecordingConsumer

TOPIC = "unit.sales"
P0 = TopicPartition(TOPIC, 0)


def record(
    offset: int, body: bytes | SaleRecorded, headers: Sequence[tuple[str, bytes]] = ()
) -> ConsumerRecord[bytes, bytes]:
    value = body.model_dump_json().encode() if isinstance(body, SaleRecorded) else body
    return consumer_record(TOPIC, offset, value, headers)


class DeadLetterBroker:
    """The broker's producer, as the dead letters use it."""

    def __init__(self) -> None:
        self.letters: list[tuple[bytes, dict[str, str]]] = []

    async def publish(self, body: bytes, *, topic: str, key: Any, headers: dict[str, str]) -> None:
        assert topic == "rma.deadletter.unit.v1"
        self.letters.append((body, headers))


class Subscriber:
    """A runtime with one subscriber whose handler fails as told, and its consumer loop."""

    def __init__(self, outcomes: list[BaseException | None] | None = None) -> None:
        self.outcomes = list(outcomes or [])
        self.handled: list[str] = []
        self.sleeps: list[float] = []
        # Offsets to Kafka at the end of every batch: their spacing is test_consumer_commits'.
        settings = ServiceSettings(consumer_max_attempts=3, consumer_commit_interval_seconds=0)
        self.runtime = ServiceRuntime("unit", settings, "shared.migrations")
        self.broker = DeadLetterBroker()
        self.runtime.broker = self.broker  # type: ignore[assignment]
        self.runtime.consumer_sleep = self.sleep
        self.runtime.subscriber(TOPIC, description="test")(self.on_sale)
        self.consumer = RecordingConsumer({P0: 1000})

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    async def on_sale(self, event: SaleRecorded) -> None:
        outcome = self.outcomes.pop(0) if self.outcomes else None
        if outcome is not None:
            raise outcome
        self.handled.append(event.data.document_number)

    def loop(self) -> ConsumerLoop:
        [subscription] = self.runtime.subscriptions
        handling = self.runtime.record_handling(subscription)
        return ConsumerLoop(self.consumer, handling, self.runtime.commits, fetch_wait_ms=0)

    async def fetch(self, *records: ConsumerRecord[bytes, bytes]) -> None:
        """The loop handles one fetched batch, and commits it."""
        await self.loop().handle_fetched({P0: list(records)})

    def attempts(self, status: str) -> float:
        value = self.runtime.metrics.registry.get_sample_value(
            "rma_consumer_attempts_total", {"handler": TOPIC, "status": status}
        )
        return value or 0.0


async def test_a_failure_that_passes_on_retry_is_handled_once_and_not_dead_lettered() -> None:
    subscriber = Subscriber([ValueError("flaky"), None])
    await subscriber.fetch(record(0, sale("1")))
    assert subscriber.handled == ["1"]
    assert subscriber.broker.letters == []
    assert subscriber.sleeps == [0.2]  # the backoff, not slept
    assert subscriber.consumer.commits == [{P0: 1}]
    assert (subscriber.attempts("error"), subscriber.attempts("handled")) == (1, 1)


async def test_after_the_bounded_attempts_the_message_goes_to_the_dead_letter_topic() -> None:
    subscriber = Subscriber([ValueError("always")] * 3)
    payload = sale("2")
    await subscriber.fetch(record(0, payload), record(1, sale("3")))
    [(body, headers)] = subscriber.broker.letters
    assert json.loads(body) == payload.model_dump(mode="json")
    assert headers["dead_letter_attempts"] == "3"
    assert headers["dead_letter_source_offset"] == "0"
    assert subscriber.sleeps == [0.2, 0.4]
    assert subscriber.handled == ["3"]  # the consumer went on
    assert subscriber.consumer.commits == [{P0: 2}]  # once, after the dead letter landed
    assert subscriber.attempts("error") == 3
    assert subscriber.runtime.metrics.registry.get_sample_value(
        "rma_dead_lettered_messages_total", {"source_topic": TOPIC}
    )


async def test_an_undecodable_record_is_dead_lettered_once_and_the_next_one_is_handled() -> None:
    subscriber = Subscriber()
    await subscriber.fetch(record(0, b'{"type": "SaleRecorded", "data": 1}'), record(1, sale("4")))
    [(body, headers)] = subscriber.broker.letters
    assert body == b'{"type": "SaleRecorded", "data": 1}'
    assert headers["dead_letter_attempts"] == "1"
    assert headers["dead_letter_error"].startswith("ValidationError")
    assert subscriber.handled == ["4"]
    assert subscriber.sleeps == []
    assert subscriber.consumer.commits == [{P0: 2}]


async def test_a_message_that_can_never_succeed_is_dead_lettered_at_once() -> None:
    subscriber = Subscriber()
    unknown_version = {**sale("5").model_dump(mode="json"), "version": 2}
    unknown_type = {**sale("6").model_dump(mode="json"), "type": "SaleTeleported"}
    await subscriber.fetch(
        record(0, json.dumps(unknown_version).encode()),
        record(1, json.dumps(unknown_type).encode()),
        record(2, b"\xff\xfe"),
    )
    letters = subscriber.broker.letters
    assert [headers["dead_letter_attempts"] for _, headers in letters] == ["1", "1", "1"]
    assert json.loads(letters[0][0])["version"] == 2
    assert subscriber.handled == [] and subscriber.sleeps == []  # no retry, no backoff


async def test_a_handler_can_say_a_message_will_never_succeed() -> None:
    subscriber = Subscriber([UnprocessableMessage("no such product, ever")])
    await subscriber.fetch(record(0, sale("7")))
    [(_, headers)] = subscriber.broker.letters
    assert headers["dead_letter_error"] == "UnprocessableMessage: no such product, ever"
    assert subscriber.handled == []


async def test_an_outage_rewinds_to_its_record_and_commits_nothing_past_it() -> None:
    subscriber = Subscriber([None, asyncpg.CannotConnectNowError("database restarting")])
    await subscriber.fetch(record(0, sale("1")), record(1, sale("2")), record(2, sale("3")))
    assert subscriber.broker.letters == []
    assert subscriber.handled == ["1"]  # "3" waits for "2": the order per partition holds
    assert subscriber.consumer.commits == [{P0: 1}]  # what came before the outage
    assert subscriber.consumer.seeks == [(P0, 1)]
    assert len(subscriber.sleeps) == 1
    # The next fetch reads from the record the outage stopped at.
    await subscriber.fetch(record(1, sale("2")), record(2, sale("3")))
    assert subscriber.handled == ["1", "2", "3"]
    assert subscriber.consumer.commits == [{P0: 1}, {P0: 3}]


async def test_each_record_is_handled_in_a_span_of_its_producers_trace() -> None:
    subscriber = Subscriber()
    exporter = InMemorySpanExporter()
    subscriber.runtime.tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace_id, parent_span = "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331"
    traceparent = f"00-{trace_id}-{parent_span}-01".encode()
    await subscriber.fetch(record(0, sale("1"), [("traceparent", traceparent)]))
    [span] = exporter.get_finished_spans()
    assert span.name == f"{TOPIC} process"
    assert span.kind == trace.SpanKind.CONSUMER
    assert span.context is not None and span.parent is not None
    assert trace.format_trace_id(span.context.trace_id) == trace_id
    assert trace.format_span_id(span.parent.span_id) == parent_span
    assert span.attributes is not None and span.attributes["messaging.kafka.message.offset"] == 0


class CommitsAfterEffects(RecordingConsumer):
    """Records which rows the database held at each commit."""

    def __init__(self, database: Any) -> None:
        super().__init__({P0: 1000})
        self.database = database
        self.rows_at_commit: list[list[str]] = []

    async def commit(self, offsets: Any = None) -> None:
        self.rows_at_commit.append(list(self.database.rows))
        await super().commit(offsets)


async def test_a_batchs_effects_are_applied_once_in_one_transaction_before_its_commit() -> None:
    from tests.unit.shared.test_effect_batches import FakeDatabase

    subscriber = Subscriber()
    database = FakeDatabase()
    runtime = subscriber.runtime
    runtime.effects_per_batch = True
    runtime.pool = database  # type: ignore[assignment]
    consumer = subscriber.consumer = CommitsAfterEffects(database)
    ran_before_commit: list[list[str]] = []

    async def on_sale(event: SaleRecorded) -> None:
        number = event.data.document_number
        await handle_once(runtime.db, "unit", event, lambda conn: conn.write(number))
        ran_before_commit.append(list(database.rows))

    subscriber.on_sale = on_sale  # type: ignore[method-assign]
    runtime.subscriptions.clear()
    runtime.subscriber(TOPIC, description="test")(on_sale)
    batch = [record(0, sale("1")), record(1, sale("POISON-1")), record(2, sale("2"))]
    await subscriber.fetch(*batch)
    assert ran_before_commit == [[], [], []]  # the handlers only collected
    assert database.rows == ["1", "2"]
    assert consumer.rows_at_commit == [["1", "2"]]  # the commit came after the effects
    assert consumer.commits == [{P0: 3}]
    [(body, _)] = subscriber.broker.letters
    assert b"POISON-1" in body  # retried alone, then dead-lettered
    # The same batch delivered again (a crash before its commit) changes nothing.
    await subscriber.fetch(*batch[0::2])
    assert database.rows == ["1", "2"]
    assert consumer.commits == [{P0: 3}, {P0: 3}]
