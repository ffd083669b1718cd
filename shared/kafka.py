"""How every Kafka client of the platform connects: one place for brokers and credentials.

Every aiokafka client (producer, consumer, admin) takes its connection options from
`client_options`, so that authentication added here reaches them all at once.
"""

from __future__ import annotations

from typing import Any


def client_options(bootstrap_servers: str) -> dict[str, Any]:
    """Keyword arguments for AIOKafkaProducer, AIOKafkaConsumer and AIOKafkaAdminClient."""
    return {"bootstrap_servers": bootstrap_servers}
