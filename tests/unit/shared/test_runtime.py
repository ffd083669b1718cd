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
