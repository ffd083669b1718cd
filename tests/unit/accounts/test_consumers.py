"""Accounts' Kafka consumers as its runtime starts them."""

from __future__ import annotations

import pytest

from services.accounts.adapters.postgres import PostgresUnitOfWork
from services.accounts.entrypoints.consumers import register_consumers
from services.accounts.settings import AccountsSettings
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


def test_accounts_publishes_as_soon_as_committed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Its events are rare and acted on at once: its relay does not linger as the others do."""
    monkeypatch.delenv("RMA_OUTBOX_LINGER_MS", raising=False)
    assert AccountsSettings().outbox_linger_ms == 0
    assert ServiceSettings().outbox_linger_ms == 200
