"""The service runtime's wiring of the broker."""

from __future__ import annotations

from shared.runtime import ServiceRuntime
from shared.settings import ServiceSettings


def test_the_broker_gets_every_server_of_a_comma_separated_bootstrap() -> None:
    # make run KAFKA_NODES=3 gives three; as one string FastStream saw one unknown host.
    settings = ServiceSettings(kafka_bootstrap_servers="127.0.0.1:9092, 127.0.0.1:9094")
    runtime = ServiceRuntime("unit", settings, "shared.migrations")
    servers = runtime.asyncapi().to_specification().to_jsonable()["servers"]
    assert sorted(server["host"] for server in servers.values()) == [
        "127.0.0.1:9092",
        "127.0.0.1:9094",
    ]


def test_how_often_an_idle_consumer_asks_the_broker_again_is_a_setting() -> None:
    # A record ends the broker's wait at once; the wait is only how often an idle one polls.
    runtime = ServiceRuntime("unit", ServiceSettings(), "shared.migrations")

    @runtime.subscriber("claims", description="a subscriber")
    async def handle(event: dict[str, str]) -> None: ...

    [subscriber] = runtime.broker.subscribers
    consumer = subscriber._connection_args  # what FastStream hands each AIOKafkaConsumer
    assert consumer["fetch_max_wait_ms"] == 500
    assert consumer["fetch_min_bytes"] == 1
    tuned = ServiceRuntime(
        "unit", ServiceSettings(consumer_fetch_max_wait_ms=5000), "shared.migrations"
    )
    tuned.subscriber("claims", description="a subscriber")(handle)
    assert tuned.broker.subscribers[0]._connection_args["fetch_max_wait_ms"] == 5000


def _consumers_per_subscriber(runtime: ServiceRuntime) -> dict[str, int]:
    """Topic -> the Kafka consumers its subscriber starts (FastStream: one without max_workers)."""
    return {
        subscriber.topic_names[0]: getattr(subscriber, "max_workers", 1)
        for subscriber in runtime.broker.subscribers
    }


def test_a_subscriber_of_rare_events_may_run_fewer_consumers_than_the_setting() -> None:
    runtime = ServiceRuntime("unit", ServiceSettings(), "shared.migrations")

    async def handle(event: dict[str, str]) -> None: ...

    runtime.subscriber("busy", description="a subscriber")(handle)
    runtime.subscriber("rare", description="a subscriber", partition_workers=1)(handle)
    assert _consumers_per_subscriber(runtime) == {"busy": 3, "rare": 1}
    # Never more than the setting allows.
    one = ServiceRuntime("unit", ServiceSettings(consumer_partition_workers=1), "shared.migrations")
    one.subscriber("busy", description="a subscriber", partition_workers=2)(handle)
    assert _consumers_per_subscriber(one) == {"busy": 1}
