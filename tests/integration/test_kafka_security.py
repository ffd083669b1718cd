"""Kafka refuses whoever has no business on a topic: SASL/SCRAM and ACLs on the real broker.

The rules are Kafka's own (StandardAuthorizer, the ACLs of deploy/kafka/acls.txt); these tests
only knock on its door with the platform's users, and with none.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import (
    ClusterAuthorizationFailedError,
    GroupAuthorizationFailedError,
    KafkaError,
    TopicAuthorizationFailedError,
)

from shared import topics
from shared.events import SaleRecordedData
from shared.kafka import KafkaConnectionSettings, client_options
from shared.runtime import ensure_topics
from tools import demo_data, erp_feed
from tools.support.kafka import TopicProbe
from tools.support.stack import Stack

pytestmark = pytest.mark.integration

OWNED = {
    "accounts": topics.ACCOUNTS,
    "claims": topics.CLAIMS,
    "warranty": topics.WARRANTY,
    "erp-feed": topics.SALES,
}
CONSUMERS = tuple(topics.CONSUMED_BY)


@pytest.fixture(scope="module", autouse=True)
async def platform_topics(stack: Stack) -> None:
    """The topics exist, as after the services' start (the admin creates them here), and the
    shared dead-letter topic of old."""
    dead_letters = [topics.dead_letters(user) for user in CONSUMERS]
    await ensure_topics(
        stack.kafka_bootstrap, [*topics.ALL, *dead_letters, topics.SHARED_DEAD_LETTER]
    )


def forged_sales(count: int = 1) -> list[erp_feed.SaleRecorded]:
    run = uuid.uuid4().hex[:6]
    documents = demo_data.generate(count, seed=5)[3:]  # after the three fixed demo documents
    for document in documents:
        document["document_number"] = f"{run}/{document['document_number']}"
    return [erp_feed.sale_event(SaleRecordedData.model_validate(d)) for d in documents]


async def write(stack: Stack, connection: KafkaConnectionSettings, topic: str) -> None:
    producer = AIOKafkaProducer(
        **client_options(stack.kafka_bootstrap, connection),
        enable_idempotence=True,
        acks="all",
        request_timeout_ms=10000,
    )
    try:  # a start that Kafka refuses still leaves the producer to close
        await producer.start()
        marker = f"acl-test-{uuid.uuid4().hex}".encode()
        await producer.send_and_wait(topic, value=b'{"marker": "' + marker + b'"}', key=marker)
    finally:
        await producer.stop()


async def read(stack: Stack, user: str, topic: str, group: str) -> None:
    """Join `group` on `topic` as `user` and fetch from it (or hear Kafka say no).

    Describing a topic is enough to be given its partitions; only the fetch needs Read.
    """
    consumer = AIOKafkaConsumer(
        topic,
        **client_options(stack.kafka_bootstrap, stack.kafka_user(user)),
        group_id=group,
        auto_offset_reset="latest",
        enable_auto_commit=False,
    )
    try:  # a start that Kafka refuses still leaves the consumer to close
        await consumer.start()
        async with asyncio.timeout(60):
            while not consumer.assignment():
                await consumer.getmany(timeout_ms=500)
            for _ in range(4):
                await consumer.getmany(timeout_ms=500)
    finally:
        await consumer.stop()


async def test_a_client_without_credentials_is_refused(stack: Stack) -> None:
    anonymous = KafkaConnectionSettings(kafka_security_protocol="PLAINTEXT")
    with pytest.raises(KafkaError):
        await write(stack, anonymous, topics.SALES)


async def test_a_wrong_password_is_refused(stack: Stack) -> None:
    impostor = KafkaConnectionSettings(kafka_username="erp-feed", kafka_password="guessed")
    with pytest.raises(KafkaError):
        await write(stack, impostor, topics.SALES)


async def test_only_the_erp_feed_records_sales(stack: Stack) -> None:
    forged, genuine = forged_sales(), forged_sales()
    async with TopicProbe(stack.kafka_bootstrap, topics.SALES) as probe:
        with pytest.raises(TopicAuthorizationFailedError):
            await erp_feed.publish_sales(
                forged,
                stack.kafka_bootstrap,
                progress=False,
                connection=stack.kafka_user("notifications"),
            )
        published = await erp_feed.publish_sales(
            genuine, stack.kafka_bootstrap, progress=False, connection=stack.kafka_user("erp-feed")
        )
        assert published == 1
        [arrived] = await probe.wait_for(lambda body, _: body["key"] == genuine[0].key)
        await probe.settle(2)
    assert arrived["event_id"] == str(genuine[0].event_id)
    assert not [r for r in probe.records if forged[0].key.encode() in (r.value or b"")]


@pytest.mark.parametrize(
    ("user", "topic"),
    [
        (user, topic)
        for user in (*OWNED, "notifications", "web")
        for topic in OWNED.values()
        if OWNED.get(user) != topic
    ],
)
async def test_nobody_writes_a_topic_it_does_not_own(stack: Stack, user: str, topic: str) -> None:
    # A user allowed to write nowhere (web) is refused its idempotent producer id already.
    with pytest.raises((TopicAuthorizationFailedError, ClusterAuthorizationFailedError)):
        await write(stack, stack.kafka_user(user), topic)


@pytest.mark.parametrize("user", CONSUMERS)
async def test_every_consumer_writes_its_own_dead_letters(stack: Stack, user: str) -> None:
    async with TopicProbe(stack.kafka_bootstrap, topics.dead_letters(user)) as probe:
        await write(stack, stack.kafka_user(user), topics.dead_letters(user))
        await probe.wait_for(lambda body, _: str(body.get("marker", "")).startswith("acl-test-"))


@pytest.mark.parametrize(
    ("user", "topic"),
    [
        (user, topic)
        for user in (*CONSUMERS, "web", "erp-feed")
        for topic in (topics.SHARED_DEAD_LETTER, *map(topics.dead_letters, CONSUMERS))
        if topic != topics.dead_letters(user)
    ],
)
async def test_nobody_writes_another_services_dead_letters_nor_the_shared_ones(
    stack: Stack, user: str, topic: str
) -> None:
    with pytest.raises((TopicAuthorizationFailedError, ClusterAuthorizationFailedError)):
        await write(stack, stack.kafka_user(user), topic)


@pytest.mark.parametrize(
    ("user", "topic", "group"),
    [
        ("accounts", topics.SALES, "accounts-acl-test"),
        ("claims", topics.WARRANTY, "claims-acl-test"),
        ("warranty", topics.CLAIMS, "warranty-acl-test"),
        ("notifications", topics.ACCOUNTS, "notifications-acl-test"),
        ("web", topics.CLAIMS, f"rma-web-{uuid.uuid4().hex[:12]}"),
    ],
)
async def test_each_service_reads_what_it_consumes_in_its_own_group(
    stack: Stack, user: str, topic: str, group: str
) -> None:
    await read(stack, user, topic, group)


async def test_a_service_cannot_read_what_it_does_not_consume(stack: Stack) -> None:
    with pytest.raises(TopicAuthorizationFailedError):
        await read(stack, "accounts", topics.CLAIMS, "accounts-acl-test")


async def test_a_service_cannot_join_another_services_group(stack: Stack) -> None:
    with pytest.raises(GroupAuthorizationFailedError):
        await read(stack, "notifications", topics.CLAIMS, "warranty")
