"""Dead letters that never stall a partition, against the real Kafka, PostgreSQL and SMTP server:

- a message just under the broker's size limit is dead-lettered whole, and the next is handled;
- dead letters are listed, shown and replayed once, as the service's own Kafka user allows.

(The flood of bad messages is in tests/poison: it leaves them on the claims topic.)
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from shared import deadletters, topics
from shared.auth import Principal, issue_token
from shared.consumer import handle_once
from shared.db import close_pool, create_pool, migrate
from shared.events import SaleRecorded
from shared.runtime import ServiceRuntime, create_app, ensure_topics
from shared.settings import ServiceSettings
from tests.integration.test_outbox_inbox import Recorder, sale, send, wait_until
from tests.support.inprocess import running_app
from tools.support.kafka import TopicProbe, produce
from tools.support.stack import Stack

pytestmark = pytest.mark.integration

# The issue's reproduction: the copy plus its error headers once exceeded the producer's 1 MiB.
JUST_UNDER_THE_LIMIT = 1_047_800


@pytest.fixture
async def recorder(database_url: str) -> AsyncIterator[Recorder]:
    pool = await create_pool(database_url)
    await migrate(pool)
    await pool.execute("CREATE TABLE effects (event_id uuid, document_number text)")
    yield Recorder(pool)
    await close_pool(pool)


async def test_a_message_just_under_the_size_limit_is_dead_lettered_and_the_next_handled(
    stack: Stack, database_url: str, recorder: Recorder
) -> None:
    topic, group = f"rma.test.{uuid.uuid4().hex[:8]}", f"g-{uuid.uuid4().hex[:6]}"
    await ensure_topics(stack.kafka_bootstrap, [topic], partitions=1)
    settings = ServiceSettings(
        kafka_bootstrap_servers=stack.kafka_bootstrap, database_url=database_url
    )
    runtime = ServiceRuntime(group, settings, "shared.migrations")

    @runtime.subscriber(topic, description="test consumer")
    async def on_sale(event: SaleRecorded) -> None:
        await handle_once(runtime.db, group, event, lambda conn: recorder.effect(conn, event))

    marker = uuid.uuid4().hex
    huge = json.dumps({"marker": marker, "padding": ""}).encode()
    huge = huge.replace(b'""', b'"' + b"x" * (JUST_UNDER_THE_LIMIT - len(huge)) + b'"')
    assert len(huge) == JUST_UNDER_THE_LIMIT
    after = sale("AFTER-HUGE")
    await ensure_topics(stack.kafka_bootstrap, [runtime.dead_letter_topic])
    async with TopicProbe(stack.kafka_bootstrap, runtime.dead_letter_topic) as dead_letters:
        await produce(stack.kafka_bootstrap, topic, huge, key=b"huge", headers=[("event_id", b"1")])
        await send(stack, topic, after)
        async with runtime.running():
            await wait_until(lambda: _handled(recorder, "AFTER-HUGE"), timeout=60)
            await dead_letters.wait_for(
                lambda _, record: record.value is not None and marker.encode() in record.value,
                timeout=30,
            )
    [letter] = [r for r in dead_letters.records if r.value and marker.encode() in r.value]
    assert letter.value == huge  # whole: nothing cut from the body
    assert letter.key == b"huge"
    headers = dict(letter.headers)
    assert headers["dead_letter_source_topic"] == topic.encode()
    assert len(headers["dead_letter_error"]) <= 500
    assert headers["event_id"] == b"1"  # the original headers travel along


async def _handled(recorder: Recorder, number: str) -> bool:
    return await recorder.count(number) > 0


async def test_dead_letters_are_listed_shown_and_replayed_once_after_a_fix(
    stack: Stack, database_url: str, recorder: Recorder
) -> None:
    topic, group = f"rma.test.{uuid.uuid4().hex[:8]}", f"g-{uuid.uuid4().hex[:6]}"
    await ensure_topics(stack.kafka_bootstrap, [topic], partitions=1)
    settings = ServiceSettings(
        kafka_bootstrap_servers=stack.kafka_bootstrap,
        database_url=database_url,
        consumer_max_attempts=1,
    )
    runtime = ServiceRuntime(group, settings, "shared.migrations")
    fixed = False

    @runtime.subscriber(topic, description="test consumer")
    async def on_sale(event: SaleRecorded) -> None:
        if not fixed:
            raise RuntimeError("a bug, fixed later")
        await handle_once(runtime.db, group, event, lambda conn: recorder.effect(conn, event))

    app = create_app(runtime, title="test", description="test")
    app.state.token_public_key = (stack.keys_dir / "token_public.pem").read_bytes()
    broken = sale("REPLAY-1")
    async with running_app(app) as client:
        await send(stack, topic, broken)
        operator = operator_headers(stack)
        listing = await _eventually_listed(client, operator)
        [letter] = listing
        assert (letter["topic"], letter["key"], letter["count"]) == (topic, broken.key, 1)
        assert letter["event_id"] == str(broken.event_id)
        assert "a bug, fixed later" in letter["error"] and not letter["replayed"]
        shown = await client.get(f"/api/operator/dead-letters/{letter['id']}", headers=operator)
        assert shown.status_code == 200
        assert json.loads(shown.json()["body"])["event_id"] == str(broken.event_id)
        assert shown.json()["headers"]["correlation_id"] == str(broken.correlation_id)
        assert (await client.get("/api/operator/dead-letters")).status_code == 401

        cli = await asyncio.to_thread(
            tools_deadletters, stack, "--service", group, "--consumer", group, "list"
        )
        assert letter["id"] in cli and topic in cli

        fixed = True
        async with TopicProbe(stack.kafka_bootstrap, topic) as replays:
            replayed = await client.post(
                f"/api/operator/dead-letters/{letter['id']}/replay", headers=operator
            )
            assert replayed.status_code == 200, replayed.text
            await replays.wait_for(lambda body, _: body["event_id"] == str(broken.event_id))
        record = replays.records[-1]
        assert record.key == broken.key.encode()
        assert dict(record.headers)["correlation_id"] == str(broken.correlation_id).encode()
        assert not any(name.startswith("dead_letter") for name, _ in record.headers)
        await wait_until(lambda: _handled(recorder, "REPLAY-1"))

        twice = await client.post(
            f"/api/operator/dead-letters/{letter['id']}/replay", headers=operator
        )
        assert twice.status_code == 409
        everything = await client.post("/api/operator/dead-letters/replay", headers=operator)
        assert everything.json() == {"replayed": []}
        count = await client.get("/api/operator/dead-letters/count", headers=operator)
        assert count.json() == {"dead_letters": 0}
        assert await runtime.dead_letter_count() == 0

        # Replaying an event that was handled meanwhile changes nothing (the inbox).
        dead_letter_topic = runtime.dead_letter_topic
        await deadletters.replay(
            stack.kafka_bootstrap,
            dead_letter_topic,
            await deadletters.dead_letters(stack.kafka_bootstrap, dead_letter_topic, group),
            [topic],
        )
        await send(stack, topic, sale("AFTER-REPLAY"))
        await wait_until(lambda: _handled(recorder, "AFTER-REPLAY"))
    assert await recorder.count("REPLAY-1") == 1


async def _eventually_listed(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> list[dict[str, Any]]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while True:
        response = await client.get("/api/operator/dead-letters", headers=headers)
        assert response.status_code == 200, response.text
        if response.json() or loop.time() > deadline:
            listing: list[dict[str, Any]] = response.json()
            return listing
        await asyncio.sleep(0.5)


def operator_headers(stack: Stack) -> dict[str, str]:
    token = issue_token(
        (stack.keys_dir / "token_private.pem").read_bytes(),
        Principal(subject=uuid.uuid4(), role="operator"),
    )
    return {"Authorization": f"Bearer {token}"}


def tools_deadletters(stack: Stack, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "tools.deadletters", "--bootstrap", stack.kafka_bootstrap, *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout


async def test_a_service_user_lists_its_dead_letters_but_may_not_replay_another_owners_topic(
    stack: Stack, database_url: str
) -> None:
    """Only a topic's owner writes it (Kafka ACLs): notifications' own Kafka user sees its dead
    letters, and a replay to the claims topic, which it consumes, is refused with 403, not a
    server error."""
    group = f"notifications-acl-{uuid.uuid4().hex[:6]}"
    settings = ServiceSettings(
        **stack.kafka_user("notifications").model_dump(),
        kafka_bootstrap_servers=stack.kafka_bootstrap,
        database_url=database_url,
        consumer_group=group,
    )
    runtime = ServiceRuntime("notifications", settings, "shared.migrations")
    runtime.consumed_topics.append(topics.CLAIMS)  # as its subscriber of the claims topic does
    app = create_app(runtime, title="test", description="test")
    app.state.token_public_key = (stack.keys_dir / "token_public.pem").read_bytes()
    lost = sale("ACL-REPLAY")
    await ensure_topics(stack.kafka_bootstrap, [runtime.dead_letter_topic])
    await produce(
        stack.kafka_bootstrap,
        runtime.dead_letter_topic,
        lost.model_dump_json().encode(),
        key=lost.key.encode(),
        headers=[
            ("event_id", str(lost.event_id).encode()),
            ("dead_letter_source_topic", topics.CLAIMS.encode()),
            ("dead_letter_consumer", group.encode()),
            ("dead_letter_error", b"a bug"),
        ],
    )
    async with running_app(app) as client:
        operator = operator_headers(stack)
        [letter] = await _eventually_listed(client, operator)
        assert (letter["topic"], letter["event_id"]) == (topics.CLAIMS, str(lost.event_id))
        async with TopicProbe(stack.kafka_bootstrap, topics.CLAIMS) as claims:
            refused = await client.post(
                f"/api/operator/dead-letters/{letter['id']}/replay", headers=operator
            )
            assert refused.status_code == 403, refused.text
            assert "tools.deadletters --service notifications" in refused.json()["detail"]
            await claims.settle(2.0)
        assert not [r for r in claims.records if str(lost.event_id).encode() in r.value]
        [still] = await _eventually_listed(client, operator)
        assert not still["replayed"]
