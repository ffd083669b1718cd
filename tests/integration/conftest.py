"""Hooks of the integration layer."""

from __future__ import annotations

import pytest

from tests.integration import test_kafka_cluster

# The item from which the three-node Kafka cluster starts in the background (see below).
_cluster_starts_at: pytest.Item | None = None
MODULES_AHEAD = 2


def pytest_collection_finish(session: pytest.Session) -> None:
    """The three-node Kafka cluster of the cluster tests starts in the background when the
    session reaches the second module before theirs: its JVMs take half a minute or more to
    start, which those modules' tests hide, while three JVMs started with the session would
    take CPU from every test before them (about a second of a core each minute, idle)."""
    global _cluster_starts_at
    items = session.items
    users = [n for n, item in enumerate(items) if "cluster" in getattr(item, "fixturenames", ())]
    if not users:
        return
    modules = list(dict.fromkeys(item.path for item in items[: users[0] + 1]))
    ahead = modules[max(0, len(modules) - 1 - MODULES_AHEAD)]
    _cluster_starts_at = next(item for item in items if item.path == ahead)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item is _cluster_starts_at:
        test_kafka_cluster.start_early()


def pytest_sessionfinish(session: pytest.Session) -> None:
    del session
    test_kafka_cluster.stop_unused()
