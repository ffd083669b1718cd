"""The service runtime's wiring of the broker."""

from __future__ import annotations

import asyncio

import pytest

from shared.events import SaleRecorded
from shared.runtime import ServiceRuntime
from shared.settings import ServiceSettings
from tests.support.consumers import consumers_per_topic


def test_the_broker_gets_every_server_of_a_comma_separated_bootstrap() -> None:
    # make run KAFKA_NODES=3 gives three; as one string FastStream saw one unknown host.
    settings = ServiceSettings(kafka_bootstrap_servers="127.0.0.1:9092, 127.0.0.1:9094")
    runtime = ServiceRuntime("unit", settings, "shared.migrations")
    servers = runtime.asyncapi().to_specification().to_jsonable()["servers"]
    assert sorted(server["host"] for server in servers.values()) == [
        "127.0.0.1:9092",
        "127.0.0.1:9094",
    ]


async def test_how_long_a_fetch_waits_and_what_it_gathers_are_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The tests' own environment answers every fetch at once (deploy/scripts/test.sh).
    monkeypatch.delenv("RMA_CONSUMER_FETCH_MIN_BYTES", raising=False)
    # The broker holds a fetch until 64 KiB have come or the wait is over (FetchGathering).
    runtime = ServiceRuntime("unit", ServiceSettings(), "shared.migrations")
    consumer = runtime.new_consumer("claims")
    assert consumer._fetch_max_wait_ms == 1000
    assert consumer._fetch_min_bytes == 64 * 1024
    # Offsets are committed by the loop, after the batch's effects, never by a timer.
    assert consumer._enable_auto_commit is False
    assert (consumer._group_id, consumer._auto_offset_reset) == ("unit", "earliest")
    tuned = ServiceRuntime(
        "unit", ServiceSettings(consumer_fetch_max_wait_ms=5000), "shared.migrations"
    )
    assert tuned.new_consumer("claims")._fetch_max_wait_ms == 5000
    at_once = ServiceRuntime(
        "unit", ServiceSettings(consumer_fetch_min_bytes=1), "shared.migrations"
    )
    assert at_once.new_consumer("claims")._fetch_min_bytes == 1


def test_a_subscriber_of_rare_events_may_run_fewer_consumers_than_the_setting() -> None:
    runtime = ServiceRuntime("unit", ServiceSettings(), "shared.migrations")

    async def handle(event: dict[str, str]) -> None: ...

    runtime.subscriber("busy", description="a subscriber")(handle)
    runtime.subscriber("rare", description="a subscriber", partition_workers=1)(handle)
    assert consumers_per_topic(runtime) == {"busy": 3, "rare": 1}
    # Never more than the setting allows.
    one = ServiceRuntime("unit", ServiceSettings(consumer_partition_workers=1), "shared.migrations")
    one.subscriber("busy", description="a subscriber", partition_workers=2)(handle)
    assert consumers_per_topic(one) == {"busy": 1}


def test_the_asyncapi_document_lists_each_subscriber_with_its_message() -> None:
    runtime = ServiceRuntime("unit", ServiceSettings(), "shared.migrations")

    async def on_sale(event: SaleRecorded) -> None: ...

    runtime.subscriber("unit.sales", description="Sales, read")(on_sale)
    document = runtime.asyncapi().to_specification().to_jsonable()
    [channel] = [c for name, c in document["channels"].items() if "unit.sales" in name]
    assert channel["description"] == "Sales, read"
    assert "SaleRecorded" in str(document["components"]["schemas"])


async def test_the_consumers_back_off_with_asyncios_sleep_unless_a_test_says_otherwise() -> None:
    runtime = ServiceRuntime("unit", ServiceSettings(), "shared.migrations")
    assert runtime.consumer_sleep is asyncio.sleep
