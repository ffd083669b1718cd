"""How many Kafka consumers a service's runtime starts per topic (issue 27, item 5: each one,
idle, fetches every 500 ms and heartbeats)."""

from __future__ import annotations

from faststream.kafka import KafkaBroker


def consumers_per_topic(broker: KafkaBroker) -> dict[str, int]:
    """Topic -> the Kafka consumers its subscriber runs in one process."""
    return {
        topic.name: getattr(subscriber, "max_workers", 1)
        for subscriber in broker.subscribers
        for topic in subscriber.topics
    }
