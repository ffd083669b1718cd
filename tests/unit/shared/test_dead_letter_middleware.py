"""The retry and dead-letter middleware around one handler, on FastStream's in-memory broker.

The same guarantees against the real Kafka are in tests/integration/test_outbox_inbox.py.
"""

from __future__ import annotations

import contextlib
import json
from datetime import date
from decimal import Decimal

import asyncpg
from faststream.kafka import TestKafkaBroker
from faststream.kafka.annotations import KafkaMessage

from shared import topics
from shared.consumer import UnprocessableMessage
from shared.events import Buyer, SaleLine, SaleRecorded, SaleRecordedData
from shared.runtime import ServiceRuntime
from shared.settings import ServiceSettings


def a_sale(number: str) -> SaleRecorded:
    return SaleRecorded(
        producer="test",
        key=f"PA/{number}",
        data=SaleRecordedData(
            document_type="PA",
            document_number=number,
            issued_on=date(2025, 1, 2),
            buyer=Buyer(type="consumer"),
            total=Decimal("10.00"),
            lines=(
                SaleLine(
                    line_no=1,
                    ean="5901234123457",
                    sku="S",
                    name="n",
                    brand="b",
                    category="other",
                    quantity=1,
                    unit_price=Decimal("10.00"),
                ),
            ),
        ),
    )


def runtime_with(handler_outcomes: list[BaseException | None]) -> tuple[ServiceRuntime, list[str]]:
    runtime = ServiceRuntime("unit", ServiceSettings(consumer_max_attempts=3), "shared.migrations")
    handled: list[str] = []

    @runtime.subscriber("unit.sales", description="test")
    async def on_sale(event: SaleRecorded) -> None:
        outcome = handler_outcomes.pop(0) if handler_outcomes else None
        if outcome is not None:
            raise outcome
        handled.append(event.data.document_number)

    return runtime, handled


async def test_a_failure_that_passes_on_retry_is_handled_once_and_not_dead_lettered() -> None:
    runtime, handled = runtime_with([ValueError("flaky"), None])
    dead: list[bytes] = []

    @runtime.broker.subscriber(topics.dead_letters("unit"))
    async def on_dead(message: KafkaMessage) -> None:
        dead.append(message.body)

    async with TestKafkaBroker(runtime.broker) as broker:
        await broker.publish(a_sale("1").model_dump(mode="json"), topic="unit.sales")
    assert handled == ["1"]
    assert dead == []


async def test_after_the_bounded_attempts_the_message_goes_to_the_dead_letter_topic() -> None:
    runtime, handled = runtime_with([ValueError("always")] * 3)
    dead: list[bytes] = []

    @runtime.broker.subscriber(topics.dead_letters("unit"))
    async def on_dead(message: KafkaMessage) -> None:
        dead.append(message.body)

    async with TestKafkaBroker(runtime.broker) as broker:
        payload = a_sale("2").model_dump(mode="json")
        await broker.publish(payload, topic="unit.sales")
        await broker.publish(a_sale("3").model_dump(mode="json"), topic="unit.sales")
    assert [json.loads(body) for body in dead] == [payload]
    assert handled == ["3"]  # the consumer went on


async def test_unparseable_message_is_dead_lettered_without_calling_the_handler() -> None:
    runtime, handled = runtime_with([])
    dead: list[bytes] = []

    @runtime.broker.subscriber(topics.dead_letters("unit"))
    async def on_dead(message: KafkaMessage) -> None:
        dead.append(message.body)

    async with TestKafkaBroker(runtime.broker) as broker:
        await broker.publish(b'{"type": "SaleRecorded", "data": 1}', topic="unit.sales")
    assert dead == [b'{"type": "SaleRecorded", "data": 1}']
    assert handled == []


async def test_an_outage_is_not_dead_lettered() -> None:
    runtime, handled = runtime_with([asyncpg.CannotConnectNowError("database restarting")])
    dead: list[bytes] = []

    @runtime.broker.subscriber(topics.dead_letters("unit"))
    async def on_dead(message: KafkaMessage) -> None:
        dead.append(message.body)

    async with TestKafkaBroker(runtime.broker) as broker:
        # The in-memory broker surfaces the nack; the real one redelivers.
        with contextlib.suppress(asyncpg.CannotConnectNowError):
            await broker.publish(a_sale("4").model_dump(mode="json"), topic="unit.sales")
    assert dead == []
    assert handled == []


async def test_a_message_that_can_never_succeed_is_dead_lettered_at_once() -> None:
    runtime, handled = runtime_with([])
    dead: list[tuple[bytes, str]] = []

    @runtime.broker.subscriber(topics.dead_letters("unit"))
    async def on_dead(message: KafkaMessage) -> None:
        dead.append((message.body, message.headers["dead_letter_attempts"]))

    unknown_version = {**a_sale("5").model_dump(mode="json"), "version": 2}
    unknown_type = {**a_sale("6").model_dump(mode="json"), "type": "SaleTeleported"}
    async with TestKafkaBroker(runtime.broker) as broker:
        for payload in (unknown_version, unknown_type):
            await broker.publish(payload, topic="unit.sales")
        await broker.publish(b"\xff\xfe", topic="unit.sales")
    assert [attempts for _, attempts in dead] == ["1", "1", "1"]  # no retry, no backoff
    assert json.loads(dead[0][0])["version"] == 2
    assert handled == []


async def test_a_handler_can_say_a_message_will_never_succeed() -> None:
    runtime, handled = runtime_with([UnprocessableMessage("no such product, ever")])
    dead: list[str] = []

    @runtime.broker.subscriber(topics.dead_letters("unit"))
    async def on_dead(message: KafkaMessage) -> None:
        dead.append(message.headers["dead_letter_error"])

    async with TestKafkaBroker(runtime.broker) as broker:
        await broker.publish(a_sale("7").model_dump(mode="json"), topic="unit.sales")
    assert dead == ["UnprocessableMessage: no such product, ever"]
    assert handled == []
