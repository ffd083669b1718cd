"""How many Kafka consumers a service's runtime starts per topic (issue 27, item 5: each one,
idle, fetches every 500 ms and heartbeats)."""

from __future__ import annotations

from shared.runtime import ServiceRuntime


def consumers_per_topic(runtime: ServiceRuntime) -> dict[str, int]:
    """Topic -> the Kafka consumers (consumer loops) its subscriber runs in one process."""
    return {subscription.topic: subscription.workers for subscription in runtime.subscriptions}
