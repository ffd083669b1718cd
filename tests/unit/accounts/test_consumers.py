"""Accounts' Kafka consumers as its runtime starts them."""

from __future__ import annotations

from services.accounts.adapters.postgres import PostgresUnitOfWork
from services.accounts.entrypoints.consumers import register_consumers
from shared import topics
from shared.runtime import ServiceRuntime
from shared.settings import ServiceSettings
from tests.support.consumers import consumers_per_topic


def test_accounts_reads_the_sales_topic_with_one_consumer() -> None:
    """One where it ran three (the setting's default): each idle one a fetch loop and heartbeats."""
    runtime = ServiceRuntime("accounts", ServiceSettings(), "services.accounts.migrations")
    register_consumers(runtime, PostgresUnitOfWork)
    consumers = consumers_per_topic(runtime)
    assert ServiceSettings().consumer_partition_workers == 3
    assert consumers == {topics.SALES: 1}
