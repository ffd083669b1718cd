"""Who consumes what is said three times: by the services' subscribers, by shared/topics.py
(which the operators' replay tool trusts), and by the Kafka ACLs. They must agree, and each
dead-letter topic must be its own service's alone."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from shared import topics
from tests.unit.web import contracts

ACLS = Path(__file__).parents[3] / "deploy" / "kafka"
PORTS = {
    "accounts": contracts.ACCOUNTS,
    "claims": contracts.CLAIMS,
    "warranty": contracts.WARRANTY,
    "notifications": contracts.NOTIFICATIONS,
}


def grants(file: str = "acls.txt") -> dict[tuple[str, str], set[str]]:
    """(principal, topic) -> the operations the file gives on that literal topic."""
    given: dict[tuple[str, str], set[str]] = defaultdict(set)
    for line in (ACLS / file).read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        operations, resource, pattern, name, *principals = line.split()
        if resource == "topic" and pattern == "literal":
            for principal in principals:
                given[principal, name] |= set(operations.split(","))
    return given


@pytest.mark.parametrize("service", sorted(topics.CONSUMED_BY))
def test_the_acls_let_each_service_read_what_it_consumes_and_no_more(service: str) -> None:
    readable = {topic for (who, topic), ops in grants().items() if who == service and "Read" in ops}
    assert readable == {*topics.CONSUMED_BY[service], topics.dead_letters(service)}


@pytest.mark.parametrize("service", sorted(topics.CONSUMED_BY))
def test_each_service_subscribes_to_what_topics_says_it_consumes(service: str) -> None:
    runtime = contracts._app(PORTS[service]).state.runtime  # built, never started
    assert sorted(runtime.consumed_topics) == sorted(topics.CONSUMED_BY[service])
    assert runtime.dead_letter_topic == f"rma.deadletter.{service}.v1"
    channels = runtime.asyncapi().to_specification().to_jsonable()["channels"]
    assert [name for name in channels if "deadletter" in name] == [
        f"rma.deadletter.{service}.v1:Publisher"
    ]


def test_only_its_service_writes_configures_or_creates_a_dead_letter_topic() -> None:
    on_dead_letters = {
        (who, topic): ops for (who, topic), ops in grants().items() if "deadletter" in topic
    }
    assert on_dead_letters == {
        (service, topics.dead_letters(service)): {
            "Create",
            "Write",
            "Read",
            "DescribeConfigs",
            "AlterConfigs",
        }
        for service in topics.CONSUMED_BY
    }


def test_the_shared_dead_letter_topic_is_taken_away_from_every_service() -> None:
    revoked = grants("acls-revoked.txt")
    for service in topics.CONSUMED_BY:
        assert {"Write", "Read", "AlterConfigs"} <= revoked[service, topics.SHARED_DEAD_LETTER]
