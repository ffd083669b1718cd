"""Notifications' Kafka consumers as its runtime starts them."""

from __future__ import annotations

from typing import cast

import pytest

from services.notifications.adapters.postgres import PostgresUnitOfWork
from services.notifications.entrypoints.consumers import register_consumers
from services.notifications.handlers import NotificationsContext
from shared import topics
from shared.runtime import ServiceRuntime
from shared.settings import ServiceSettings
from tests.support.consumers import consumers_per_topic, gathering_per_topic


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


def test_notifications_gathers_claim_events_and_reads_accounts_events_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A person waits for an activation email; a claim's emails come in batches at a few
    claims a second (FetchGathering)."""
    monkeypatch.delenv("RMA_CONSUMER_FETCH_MIN_BYTES", raising=False)
    runtime = ServiceRuntime(
        "notifications", ServiceSettings(), "services.notifications.migrations"
    )
    register_consumers(runtime, cast(NotificationsContext, None), PostgresUnitOfWork)
    assert gathering_per_topic(runtime) == {
        topics.ACCOUNTS: 1,
        topics.CLAIMS: 64 * 1024,
        topics.WARRANTY: 64 * 1024,
    }
