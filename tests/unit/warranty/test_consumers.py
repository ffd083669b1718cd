"""Warranty's Kafka consumers as its runtime starts them."""

from __future__ import annotations

import pytest

from services.warranty.adapters.postgres import PostgresUnitOfWork
from services.warranty.entrypoints.consumers import register_consumers
from shared import topics
from shared.runtime import ServiceRuntime
from shared.settings import ServiceSettings
from tests.support.consumers import consumers_per_topic, gathering_per_topic


def test_warranty_runs_one_consumer_for_sales_and_one_for_accounts() -> None:
    """Five Kafka consumers where it ran nine, each idle one a fetch loop and heartbeats."""
    runtime = ServiceRuntime("warranty", ServiceSettings(), "services.warranty.migrations")
    register_consumers(runtime, PostgresUnitOfWork)
    consumers = consumers_per_topic(runtime)
    assert consumers == {topics.SALES: 1, topics.ACCOUNTS: 1, topics.CLAIMS: 3}


def test_warranty_gathers_claims_and_sales_and_reads_accounts_events_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A linked document or a credential change may be acted on at once; the claims and the
    sales come in batches at a few a second (FetchGathering)."""
    monkeypatch.delenv("RMA_CONSUMER_FETCH_MIN_BYTES", raising=False)
    runtime = ServiceRuntime("warranty", ServiceSettings(), "services.warranty.migrations")
    register_consumers(runtime, PostgresUnitOfWork)
    assert gathering_per_topic(runtime) == {
        topics.SALES: 64 * 1024,
        topics.ACCOUNTS: 1,
        topics.CLAIMS: 64 * 1024,
    }
