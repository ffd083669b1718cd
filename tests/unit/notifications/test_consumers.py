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


def test_notifications_reads_the_accounts_topic_with_one_consumer() -> None:
    """Seven Kafka consumers where it ran nine: the claims and warranty topics, one email or two
    per claim, keep the setting's three each."""
    runtime = ServiceRuntime(
        "notifications", ServiceSettings(), "services.notifications.migrations"
    )
    # Registering reads nothing of the context; only handling a message does.
    register_consumers(runtime, cast(NotificationsContext, None), PostgresUnitOfWork)
    consumers = consumers_per_topic(runtime)
    assert consumers == {topics.ACCOUNTS: 1, topics.CLAIMS: 3, topics.WARRANTY: 3}
