"""Notifications' Kafka consumers as its runtime starts them."""

from __future__ import annotations

from typing import cast

from services.notifications.adapters.postgres import PostgresUnitOfWork
from services.notifications.entrypoints.consumers import register_consumers
from services.notifications.handlers import NotificationsContext
from shared import topics
from shared.runtime import ServiceRuntime
from shared.settings import ServiceSettings
from tests.support.consumers import consumers_per_topic


def test_notifications_reads_each_topic_with_one_consumer() -> None:
    """Three Kafka consumers where it ran seven (nine before that): one per topic, each taking
    every partition of its topic, in order per partition."""
    runtime = ServiceRuntime(
        "notifications", ServiceSettings(), "services.notifications.migrations"
    )
    # Registering reads nothing of the context; only handling a message does.
    register_consumers(runtime, cast(NotificationsContext, None), PostgresUnitOfWork)
    consumers = consumers_per_topic(runtime)
    assert consumers == {topics.ACCOUNTS: 1, topics.CLAIMS: 1, topics.WARRANTY: 1}
