"""Who may write, mark, replay and reconfigure dead letters, on the real Kafka with its real
users and ACLs (issue 28, security findings 1 and 2).

Each service writes a dead-letter topic of its own, `rma.deadletter.<service>.v1`, which only
its Kafka user writes; a replay reads only that topic. The topic names are spelled out here,
not taken from shared/topics.py, so that these tests say the same of any version of the code.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, RecordsToDelete
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import KafkaError, TopicAuthorizationFailedError

from shared.kafka import KafkaConnectionSettings, client_options
from shared.runtime import ServiceRuntime, create_app, ensure_topics
from shared.settings import ServiceSettings
from tests.integration.test_dead_letters import _eventually_listed, operator_headers
from tests.integration.test_kafka_security import write
from tests.support.inprocess import running_app
from tools.support.kafka import TopicProbe, produce
from tools.support.stack import Stack

pytestmark = pytest.mark.integration

CLAIMS_TOPIC = "rma.claims.v1"
SHARED_DEAD_LETTERS = "rma.deadletter.v1"  # every consumer wrote it before
CLAIMS_DEAD_LETTERS = "rma.deadletter.claims.v1"
NOTIFICATIONS_DEAD_LETTERS = "rma.deadletter.notifications.v1"
EVERY_DEAD_LETTER_TOPIC = (SHARED_DEAD_LETTERS, CLAIMS_DEAD_LETTERS, NOTIFICATIONS_DEAD_LETTERS)
TOPIC_AUTHORIZATION_FAILED = 29


@pytest.fixture(scope="module", autouse=True)
async def dead_letter_topics(stack: Stack) -> None:
    """The topics exist, as after the services' start (the admin creates them here)."""
    await ensure_topics(stack.kafka_bootstrap, [CLAIMS_TOPIC, *EVERY_DEAD_LETTER_TOPIC])


async def plant(stack: Stack, user: str, headers: list[tuple[str, bytes]], body: bytes) -> int:
    """Write a record as `user` on every dead-letter topic Kafka lets it write; how many did."""
    written = 0
    for topic in EVERY_DEAD_LETTER_TOPIC:
        try:
            await produce(
                stack.kafka_bootstrap,
                topic,
                body,
                key=b"planted",
                headers=headers,
                connection=stack.kafka_user(user),
            )
        except KafkaError:
            continue
        written += 1
    return written


@asynccontextmanager
async def claims_service(
    stack: Stack, database_url: str
) -> AsyncIterator[tuple[httpx.AsyncClient, bytes]]:
    """The operator endpoints of a claims service running as the claims Kafka user, and its
    consumer group."""
    settings = ServiceSettings(
        **stack.kafka_user("claims").model_dump(),
        kafka_bootstrap_servers=stack.kafka_bootstrap,
        database_url=database_url,
        consumer_group=f"claims-rights-{uuid.uuid4().hex[:6]}",
    )
    runtime = ServiceRuntime("claims", settings, "shared.migrations")
    app = create_app(runtime, title="test", description="test")
    app.state.token_public_key = (stack.keys_dir / "token_public.pem").read_bytes()
    async with running_app(app) as client:
        client.headers.update(operator_headers(stack))
        yield client, str(settings.consumer_group).encode()


async def test_notifications_may_not_write_the_claims_dead_letters(stack: Stack) -> None:
    with pytest.raises(TopicAuthorizationFailedError):
        await write(stack, stack.kafka_user("notifications"), CLAIMS_DEAD_LETTERS)
    await write(stack, stack.kafka_user("claims"), CLAIMS_DEAD_LETTERS)  # its owner may


async def test_a_letter_planted_by_notifications_is_not_replayed_onto_the_claims_topic(
    stack: Stack, database_url: str
) -> None:
    """The probe's attack: a letter written as notifications that names the claims consumer
    and the claims topic; the claims service's replay must not put it on rma.claims.v1."""
    marker = f"planted-{uuid.uuid4().hex}"
    async with claims_service(stack, database_url) as (claims, group):
        planted = await plant(
            stack,
            "notifications",
            [
                ("event_id", str(uuid.uuid4()).encode()),
                ("event_type", b"ClaimStatusChanged"),
                ("dead_letter_consumer", group),
                ("dead_letter_source_topic", CLAIMS_TOPIC.encode()),
                ("dead_letter_error", b"planted"),
            ],
            b'{"marker": "' + marker.encode() + b'", "email": "attacker@example.com"}',
        )
        assert planted >= 1  # notifications still writes some dead-letter topic: its own
        async with TopicProbe(stack.kafka_bootstrap, CLAIMS_TOPIC) as claims_topic:
            listed = (await claims.get("/api/operator/dead-letters")).json()
            for letter in listed:
                await claims.post(f"/api/operator/dead-letters/{letter['id']}/replay")
            replay_all = await claims.post("/api/operator/dead-letters/replay")
            assert replay_all.status_code == 200, replay_all.text
            await claims_topic.settle(3.0)
        assert not [r for r in claims_topic.records if marker.encode() in (r.value or b"")]
        assert not [letter for letter in listed if letter["error"] == "planted"]


async def test_a_replayed_marker_from_another_user_does_not_hide_a_failure(
    stack: Stack, database_url: str
) -> None:
    async with claims_service(stack, database_url) as (claims, group):
        await produce(
            stack.kafka_bootstrap,
            CLAIMS_DEAD_LETTERS,
            b'{"a": "real failure"}',
            key=b"real",
            headers=[
                ("event_id", str(uuid.uuid4()).encode()),
                ("dead_letter_consumer", group),
                ("dead_letter_source_topic", b"rma.warranty.v1"),
                ("dead_letter_error", b"RuntimeError: a real failure"),
            ],
            connection=stack.kafka_user("claims"),
        )
        [letter] = await _eventually_listed(claims, {})
        assert (await claims.get("/api/operator/dead-letters/count")).json()["dead_letters"] == 1
        marker = [  # as a replay writes it
            ("dead_letter_replayed", letter["id"].encode()),
            ("dead_letter_replayed_at", b"2026-12-05T00:00:00+00:00"),
        ]
        assert await plant(stack, "notifications", marker, b"") >= 1
        count = await claims.get("/api/operator/dead-letters/count")
        assert count.json() == {"dead_letters": 1}
        [still] = (await claims.get("/api/operator/dead-letters")).json()
        assert still["id"] == letter["id"] and not still["replayed"]


@pytest.mark.parametrize("topic", [SHARED_DEAD_LETTERS, CLAIMS_DEAD_LETTERS])
async def test_a_service_may_not_alter_the_configs_of_dead_letters_it_does_not_own(
    stack: Stack, topic: str
) -> None:
    """The probe's `retention.ms=1000` on the dead letters, as notifications: refused."""
    assert await alter_retention(stack, stack.kafka_user("notifications"), topic) == (
        TOPIC_AUTHORIZATION_FAILED
    )


async def test_a_service_may_alter_the_configs_of_its_own_dead_letters(stack: Stack) -> None:
    # The broker's default (7 days): nothing of the other tests' letters is lost.
    owner = stack.kafka_user("claims")
    assert await alter_retention(stack, owner, CLAIMS_DEAD_LETTERS, 604800000) == 0


async def test_a_service_may_neither_delete_nor_empty_another_services_dead_letters(
    stack: Stack,
) -> None:
    admin = AIOKafkaAdminClient(
        **client_options(stack.kafka_bootstrap, stack.kafka_user("notifications"))
    )
    await admin.start()
    try:
        deleted = await admin.delete_topics([CLAIMS_DEAD_LETTERS])
        [(topic, error_code, *_)] = deleted.topic_error_codes
        assert (topic, error_code) == (CLAIMS_DEAD_LETTERS, TOPIC_AUTHORIZATION_FAILED)
        with pytest.raises(TopicAuthorizationFailedError):
            await admin.delete_records(
                {TopicPartition(CLAIMS_DEAD_LETTERS, 0): RecordsToDelete(before_offset=-1)}
            )
    finally:
        await admin.close()


async def alter_retention(
    stack: Stack, connection: KafkaConnectionSettings, topic: str, retention_ms: int = 1000
) -> int:
    """The error code Kafka answers an AlterConfigs of the topic's retention with."""
    admin = AIOKafkaAdminClient(**client_options(stack.kafka_bootstrap, connection))
    await admin.start()
    try:
        resource = ConfigResource(
            ConfigResourceType.TOPIC, topic, {"retention.ms": str(retention_ms)}
        )
        [response] = await admin.alter_configs([resource])
    finally:
        await admin.close()
    [(error_code, *_)] = response.resources
    return int(error_code)
