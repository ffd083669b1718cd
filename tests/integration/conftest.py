"""Hooks of the integration layer."""

from __future__ import annotations

import pytest

from tests.integration import test_kafka_cluster


def pytest_collection_finish(session: pytest.Session) -> None:
    """The three-node Kafka cluster starts in the background once a session will use it."""
    if any("cluster" in getattr(item, "fixturenames", ()) for item in session.items):
        test_kafka_cluster.start_early()


def pytest_sessionfinish(session: pytest.Session) -> None:
    del session
    test_kafka_cluster.stop_unused()
