"""The replay's rules, without Kafka: what a service may put back where, and which "replayed"
markers count (issue 28, security findings 1 and 2; the same against the real Kafka and its
ACLs: tests/integration/test_dead_letter_rights.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from aiokafka import ConsumerRecord

from shared import deadletters, topics
from tests.support.consumers import consumer_record

OWN = topics.dead_letters("claims")


def record(
    offset: int, headers: dict[str, str], value: bytes = b"{}"
) -> ConsumerRecord[bytes, bytes]:
    return consumer_record(
        OWN, offset, value, [(name, text.encode()) for name, text in headers.items()]
    )


def letter(offset: int, source: str = topics.WARRANTY, **more: str) -> ConsumerRecord[bytes, bytes]:
    return record(
        offset,
        {
            "event_id": f"event-{offset}",
            "correlation_id": "c-1",
            "dead_letter_consumer": "claims",
            "dead_letter_source_topic": source,
            "dead_letter_error": "RuntimeError: a bug",
            "dead_letter_at": f"2026-12-05T10:00:{offset:02d}+00:00",
            **more,
        },
        value=f'{{"n": {offset}}}'.encode(),
    )


def marker(offset: int, names: str) -> ConsumerRecord[bytes, bytes]:
    return record(offset, {deadletters.REPLAYED_HEADER: names}, value=b"")


def test_a_marker_on_the_services_own_topic_marks_the_letter_it_names() -> None:
    [group] = deadletters.group_letters([letter(1), marker(2, "0:1")])
    assert group.replayed


def test_no_marker_counts_on_the_shared_topic_of_old() -> None:
    """Anyone wrote there: a marker from another service once hid a real failure."""
    [group] = deadletters.group_letters([letter(1), marker(2, "0:1")], markers_count=False)
    assert not group.replayed


def test_a_letter_onto_a_topic_the_service_consumes_is_replayed() -> None:
    groups = deadletters.group_letters([letter(1), letter(2, topics.ACCOUNTS)])
    chosen = deadletters.replayable(OWN, groups, topics.CONSUMED_BY["claims"])
    assert [(lt.id, lt.source_topic) for lt in chosen] == [
        ("0:1", topics.WARRANTY),
        ("0:2", topics.ACCOUNTS),
    ]


@pytest.mark.parametrize("source", [topics.CLAIMS, "rma.deadletter.claims.v1", ""])
def test_a_letter_naming_a_topic_the_service_does_not_consume_is_refused(source: str) -> None:
    """Whatever its headers say: the probe's letter named the claims topic (which claims owns
    but does not consume)."""
    groups = deadletters.group_letters([letter(1), letter(2, source)])
    with pytest.raises(deadletters.ReplayRefused, match="0:2"):
        deadletters.replayable(OWN, groups, topics.CONSUMED_BY["claims"])


@pytest.mark.parametrize("topic", [topics.SHARED_DEAD_LETTER, topics.CLAIMS])
def test_nothing_is_replayed_from_a_topic_that_is_not_a_services_own(topic: str) -> None:
    groups = deadletters.group_letters([letter(1)])
    with pytest.raises(deadletters.ReplayRefused, match="never replayed"):
        deadletters.replayable(topic, groups, topics.CONSUMED_BY["claims"])


def test_a_letter_without_its_body_says_where_the_original_lies() -> None:
    omitted = letter(
        1,
        dead_letter_body_omitted="3000000",
        dead_letter_source_partition="2",
        dead_letter_source_offset="41",
    )
    groups = deadletters.group_letters([omitted])
    with pytest.raises(deadletters.ReplayError, match="partition 2 offset 41") as refused:
        deadletters.replayable(OWN, groups, topics.CONSUMED_BY["claims"])
    assert not isinstance(refused.value, deadletters.ReplayRefused)


class Recording:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []

    async def send_and_wait(self, topic: str, **record: Any) -> None:
        self.sent.append((topic, record))


async def test_the_original_goes_back_then_a_marker_onto_the_services_own_topic() -> None:
    producer = Recording()
    [chosen] = deadletters.replayable(
        OWN, deadletters.group_letters([letter(7)]), topics.CONSUMED_BY["claims"]
    )
    moment = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    replayed = await deadletters.send_replays(producer, OWN, [chosen], clock=lambda: moment)
    assert replayed == [chosen]
    assert producer.sent == [
        (
            topics.WARRANTY,
            {
                "value": b'{"n": 7}',
                "key": b"key",
                "headers": [("event_id", b"event-7"), ("correlation_id", b"c-1")],
            },
        ),
        (
            OWN,
            {
                "value": b"",
                "key": b"key",
                "headers": [
                    (deadletters.REPLAYED_HEADER, b"0:7"),
                    ("dead_letter_replayed_at", moment.isoformat().encode()),
                ],
            },
        ),
    ]
