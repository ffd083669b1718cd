"""A real PostgreSQL restart and stop (the test cluster of this slot), against real Kafka:

- the outbox relay's LISTEN connection is reopened, and it notices the database's return at
  once: an event committed right after is published in well under a second, not on a poll;
- /health answers at once during the outage and /ready says what is missing.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest

from shared import topics
from shared.db import close_pool, create_pool, migrate
from shared.outbox import OutboxRelay, add_to_outbox, new_producer
from shared.runtime import ServiceRuntime, create_app, ensure_topics
from shared.settings import ServiceSettings
from tests.integration.test_outbox_inbox import sale
from tests.support.inprocess import running_app
from tools.support.kafka import TopicProbe
from tools.support.stack import Stack, restart_postgres, start_postgres, stop_postgres

pytestmark = pytest.mark.integration


async def wait_for_database(database_url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            conn = await asyncpg.connect(database_url)
            await conn.close()
            return
        except (OSError, asyncpg.PostgresError):
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database_url)
    await migrate(pool)
    yield pool
    await close_pool(pool)


async def test_the_relay_listens_again_after_a_restart_and_publishes_at_once(
    stack: Stack, database_url: str, pool: asyncpg.Pool
) -> None:
    await ensure_topics(stack.kafka_bootstrap)
    producer = new_producer(stack.kafka_bootstrap, "test-relay")
    await producer.start()
    # A poll too slow to matter: only NOTIFY can publish within the test's bound.
    relay = OutboxRelay(pool, producer, poll_interval=60.0)
    await relay.start()
    try:
        await asyncio.to_thread(restart_postgres)
        await wait_for_database(database_url)
        latencies = []
        async with TopicProbe(stack.kafka_bootstrap, topics.SALES) as probe:
            for attempt in range(4):
                event = sale(f"AFTER-RESTART-{attempt}")
                async with pool.acquire() as conn, conn.transaction():
                    await add_to_outbox(conn, event)
                committed = time.monotonic()
                await probe.wait_for(
                    lambda body, _, e=event: body["event_id"] == str(e.event_id), timeout=30
                )
                latencies.append(time.monotonic() - committed)
    finally:
        await relay.stop()
        await producer.stop()
    # The first right as the database is back: the relay's retry is due within half a second.
    assert latencies[0] < 2.0, latencies
    # Then on NOTIFY alone, over the reopened LISTEN connection (the poll is a minute).
    assert max(latencies[1:]) < 0.5, latencies


async def test_health_answers_at_once_during_an_outage_and_ready_tells_what_is_missing(
    stack: Stack, database_url: str
) -> None:
    settings = ServiceSettings(
        kafka_bootstrap_servers=stack.kafka_bootstrap, database_url=database_url
    )
    runtime = ServiceRuntime("outage-test", settings, "shared.migrations")
    app = create_app(runtime, title="test", description="test")
    async with running_app(app) as client:
        ready = await client.get("/ready")
        assert ready.status_code == 200, ready.text
        assert ready.json() == {"service": "outage-test", "database": True, "kafka": True}
        await asyncio.to_thread(stop_postgres)
        try:
            started = time.monotonic()
            health = await client.get("/health")
            assert health.status_code == 200 and time.monotonic() - started < 0.5
            started = time.monotonic()
            not_ready = await client.get("/ready")
            assert time.monotonic() - started < 2.0
            assert not_ready.status_code == 503
            assert not_ready.json()["database"] is False and not_ready.json()["kafka"] is True
            # A creating POST meets the database away at its Idempotency-Key: a 503 to retry,
            # not a 500 (issue 28).
            keyed = {"Idempotency-Key": "outage-1", "Content-Type": "application/json"}
            refused = await client.post("/api/anything", headers=keyed, content=b"{}")
            assert refused.status_code == 503 and refused.headers["retry-after"] == "5"
            assert refused.json()["errors"][0]["code"] == "service_unavailable"
        finally:
            await asyncio.to_thread(start_postgres)
        await wait_for_database(database_url)
        deadline = time.monotonic() + 30
        while (await client.get("/ready")).status_code != 200:
            assert time.monotonic() < deadline, "never ready again"
            await asyncio.sleep(0.3)


async def test_health_needs_no_server(stack: Stack) -> None:
    """Liveness asks nothing of the database or broker: the app answers before either exists."""
    settings = ServiceSettings(kafka_bootstrap_servers=stack.kafka_bootstrap)
    app = create_app(
        ServiceRuntime("no-start", settings, "shared.migrations"), title="t", description="t"
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as client:
        assert (await client.get("/health")).json() == {"service": "no-start", "status": "alive"}
        assert (await client.get("/ready")).status_code == 503
