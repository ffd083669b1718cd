"""How many Kafka consumers claims runs: each costs CPU while it idles (issue 27, item 5)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from services.claims.bootstrap import build_app
from services.claims.settings import ClaimsSettings
from shared import topics
from tests.support.consumers import consumers_per_topic, gathering_per_topic

OFFLINE: dict[str, Any] = {
    "database_url": "postgresql://nobody@127.0.0.1:1/none",
    "kafka_bootstrap_servers": "127.0.0.1:1",
    "token_public_key_file": Path("/dev/null"),
}


def consumers_of(settings: ClaimsSettings) -> dict[str, int]:
    return consumers_per_topic(build_app(settings).state.runtime)


def test_each_topic_claims_reads_has_one_consumer_by_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The sales ledger, accounts' changes and the verdicts: three consumers, not nine."""
    monkeypatch.delenv("RMA_CONSUMER_PARTITION_WORKERS", raising=False)
    assert consumers_of(ClaimsSettings(**OFFLINE)) == {
        topics.SALES: 1,
        topics.ACCOUNTS: 1,
        topics.WARRANTY: 1,
    }


def test_the_setting_still_gives_a_deployment_more(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RMA_CONSUMER_PARTITION_WORKERS", "3")
    assert set(consumers_of(ClaimsSettings(**OFFLINE)).values()) == {3}


def test_claims_reads_accounts_events_at_once_and_gathers_the_rest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A customer links a document and files a claim on it next: claims must know the link at
    once. The sales and the verdicts come in batches at a few a second (FetchGathering)."""
    monkeypatch.delenv("RMA_CONSUMER_FETCH_MIN_BYTES", raising=False)
    runtime = build_app(ClaimsSettings(**OFFLINE)).state.runtime
    assert gathering_per_topic(runtime) == {
        topics.SALES: 64 * 1024,
        topics.ACCOUNTS: 1,
        topics.WARRANTY: 64 * 1024,
    }
