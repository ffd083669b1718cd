"""Raw baselines on the same servers: what the building blocks do without the platform around them.

- Kafka -> PostgreSQL: a bare aiokafka producer (acks=all, idempotent) puts a backlog of
  ClaimCreated payloads on a topic of its own; a bare aiokafka consumer writes the warranty
  handler's rows (inbox, assessment, outbox with its NOTIFY) in one asyncpg transaction per
  message and commits the offset after each, as our consumers do; then the same with one
  transaction and one commit per fetched batch (what batching consumers would give).
- Kafka produce: how fast that bare producer put the first backlog on its topic.
- PostgreSQL commits: a few connections each committing one-row inserts for a few seconds, with
  the run's synchronous_commit: the commit rate this machine gave a bare client (a floor of the
  server's, since the client shares its cores), against which writes per claim are weighed.
- SMTP: a bare aiosmtplib sender re-sends the very emails the pipeline delivered, one connection
  per email (as the sender does today), over one long-lived connection, and over a small pool.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiosmtplib
import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer

from shared.db import close_pool, create_pool, ensure_database, migrate
from shared.kafka import client_options
from shared.outbox import new_producer
from shared.runtime import ensure_topics
from tools.bench import mailpit
from tools.bench.servers import stop_consumer

# The baselines' names, as the report and the hops' ratios name them.
PER_MESSAGE, BATCHED = "kafka_pg_per_message", "kafka_pg_batched"
KAFKA_PRODUCE = "kafka_produce"
COMMIT_CONNECTIONS = 4
PG_COMMITS = f"pg_commits_{COMMIT_CONNECTIONS}_connections"
PER_EMAIL, ONE_CONNECTION = "smtp_connection_per_email", "smtp_one_connection"
SMTP_POOL = 4
POOLED = f"smtp_pool_of_{SMTP_POOL}"


@dataclass(frozen=True)
class Baseline:
    name: str
    count: int
    seconds: float
    # CPU seconds of the bench's event loop thread meanwhile (where the bare sender runs).
    cpu_seconds: float | None = None

    @property
    def cpu_per_item(self) -> float | None:
        if self.cpu_seconds is None or not self.count:
            return None
        return self.cpu_seconds / self.count

    def figures(self) -> dict[str, Any]:
        cpu = self.cpu_per_item
        return {
            "name": self.name,
            "count": self.count,
            "seconds": round(self.seconds, 2),
            "per_second": round(self.per_second, 1),
            "cpu_seconds_per_item": None if cpu is None else round(cpu, 6),
        }

    @property
    def per_second(self) -> float:
        return self.count / self.seconds if self.seconds > 0 else 0.0


async def _write_rows(conn: Any, payload: dict[str, Any]) -> None:
    claim = payload["data"]
    await conn.execute(
        "INSERT INTO inbox (consumer, event_id, event_type) VALUES ($1, $2, $3)"
        " ON CONFLICT DO NOTHING",
        "baseline",
        uuid.UUID(payload["event_id"]),
        payload["type"],
    )
    await conn.execute(
        "INSERT INTO assessments (claim_id, rma_number, claim, verdict) VALUES ($1, $2, $3, $4)",
        uuid.UUID(claim["claim_id"]),
        claim["rma_number"],
        claim,
        {"covered": True, "rule": "dji-standard"},
    )
    await conn.execute(
        """INSERT INTO outbox (event_id, event_type, topic, message_key, payload, correlation_id)
           VALUES ($1, 'WarrantyAssessed', 'bench.none', $2, $3, $4)""",
        uuid.uuid4(),
        claim["claim_id"],
        payload,
        uuid.UUID(payload["correlation_id"]),
    )
    await conn.execute("SELECT pg_notify('bench_outbox', '')")


def _copy(sample: dict[str, Any]) -> bytes:
    data = {**sample["data"], "claim_id": str(uuid.uuid4())}
    return json.dumps({**sample, "event_id": str(uuid.uuid4()), "data": data}).encode()


async def _produce_backlog(
    bootstrap: str, topic: str, sample: dict[str, Any], count: int
) -> Baseline:
    """The backlog put on `topic`, every record acknowledged; timed from the first send."""
    payloads = [_copy(sample) for _ in range(count)]
    producer = new_producer(bootstrap, client_id="bench-baseline")
    await producer.start()
    try:
        started = time.monotonic()
        deliveries = [
            await producer.send(topic, value=payload, key=str(n).encode())
            for n, payload in enumerate(payloads)
        ]
        await asyncio.gather(*deliveries)
        return Baseline(KAFKA_PRODUCE, count, time.monotonic() - started)
    finally:
        await producer.stop()


async def postgres_commits(
    database: str, *, seconds: float, connections: int = COMMIT_CONNECTIONS
) -> Baseline:
    """One-row insert transactions from `connections` connections at once, for `seconds`
    (the connections opened before the clock starts)."""
    opened = [await asyncpg.connect(database) for _ in range(connections)]
    try:
        await opened[0].execute("CREATE TABLE IF NOT EXISTS commit_probe (n bigint)")

        async def commit_until(conn: asyncpg.Connection, deadline: float) -> int:
            done = 0
            while time.monotonic() < deadline:
                await conn.execute("INSERT INTO commit_probe VALUES (1)")
                done += 1
            return done

        started = time.monotonic()
        counts = await asyncio.gather(*(commit_until(c, started + seconds) for c in opened))
        return Baseline(PG_COMMITS, sum(counts), time.monotonic() - started)
    finally:
        for conn in opened:
            await conn.close()


Drain = Callable[[AIOKafkaConsumer, asyncpg.Pool, int, float], Awaitable[int]]


async def _per_message(
    consumer: AIOKafkaConsumer, pool: asyncpg.Pool, count: int, deadline: float
) -> int:
    handled = 0
    while handled < count and time.monotonic() < deadline:
        record = await consumer.getone()
        async with pool.acquire() as conn, conn.transaction():
            await _write_rows(conn, json.loads(record.value))
        await consumer.commit()
        handled += 1
    return handled


async def _per_batch(
    consumer: AIOKafkaConsumer, pool: asyncpg.Pool, count: int, deadline: float
) -> int:
    handled = 0
    while handled < count and time.monotonic() < deadline:
        batches = await consumer.getmany(timeout_ms=500, max_records=200)
        records = [record for part in batches.values() for record in part]
        if not records:
            continue
        async with pool.acquire() as conn, conn.transaction():
            for record in records:
                await _write_rows(conn, json.loads(record.value))
        await consumer.commit()
        handled += len(records)
    return handled


async def kafka_to_postgres(
    bootstrap: str,
    postgres_url: str,
    sample: dict[str, Any],
    *,
    count: int,
    partitions: int,
    seconds: float,
    database_query: str = "",
) -> list[Baseline]:
    """Both consumer shapes, each draining its own backlog of `count` messages; the first
    backlog's production and a commit probe, timed on the way."""
    run = uuid.uuid4().hex[:8]
    database = f"{postgres_url}/rma_bench_{run}_baseline{database_query}"
    await ensure_database(database)
    pool = await create_pool(database, max_size=2)
    results = []
    try:
        await migrate(pool, "services.warranty.migrations")
        for name, drain in (
            (PER_MESSAGE, _per_message),
            (BATCHED, _per_batch),
        ):
            topic = f"bench.baseline.{run}.{name}"
            await ensure_topics(bootstrap, [topic], partitions=partitions)
            produced = await _produce_backlog(bootstrap, topic, sample, count)
            if name == PER_MESSAGE:
                results.append(produced)
            consumer = AIOKafkaConsumer(
                topic,
                **client_options(bootstrap),
                group_id=f"bench-{run}-{name}",
                enable_auto_commit=False,
                auto_offset_reset="earliest",
            )
            await consumer.start()
            try:
                started = time.monotonic()
                handled = await drain(consumer, pool, count, started + seconds)
                results.append(Baseline(name, handled, time.monotonic() - started))
            finally:
                await stop_consumer(consumer)
        # After the consumers' baselines, so that its rows and WAL do not weigh on theirs.
        results.append(await postgres_commits(database, seconds=3.0))
    finally:
        await close_pool(pool)
    return results


async def delivered_emails(mailbox_url: str, message_ids: list[str]) -> list[tuple[str, bytes]]:
    """(recipient, raw message) of emails the pipeline delivered, as the SMTP server got them."""
    wanted = set(message_ids)
    listing = await mailpit.everything(mailbox_url)
    async with httpx.AsyncClient(base_url=mailbox_url, timeout=60) as mailbox:
        return [
            (entry["rcpt_tos"][0], await mailpit.raw(mailbox, entry["id"]))
            for entry in listing
            if entry["message_id"] in wanted
        ]


async def smtp(
    port: int, emails: list[tuple[str, bytes]], *, seconds: float, pool_size: int = SMTP_POOL
) -> list[Baseline]:
    """The same emails three ways; each bounded by `seconds` as well as by their number."""
    sender = "serwis@innpro.example"

    async def fresh_connection_each(deadline: float) -> int:
        sent = 0
        for recipient, raw in emails:
            if time.monotonic() > deadline:
                break
            await aiosmtplib.send(
                raw,
                sender=sender,
                recipients=[recipient],
                hostname="127.0.0.1",
                port=port,
                timeout=30,
            )
            sent += 1
        return sent

    async def one_connection(share: list[tuple[str, bytes]], deadline: float) -> int:
        sent = 0
        async with aiosmtplib.SMTP(hostname="127.0.0.1", port=port, timeout=30) as client:
            for recipient, raw in share:
                if time.monotonic() > deadline:
                    break
                await client.sendmail(sender, [recipient], raw)
                sent += 1
        return sent

    async def pooled(deadline: float) -> int:
        shares = [emails[n::pool_size] for n in range(pool_size)]
        return sum(await asyncio.gather(*(one_connection(s, deadline) for s in shares)))

    results = []
    for name, run in (
        (PER_EMAIL, fresh_connection_each),
        (ONE_CONNECTION, lambda deadline: one_connection(emails, deadline)),
        (f"smtp_pool_of_{pool_size}", pooled),
    ):
        started, cpu = time.monotonic(), time.thread_time()
        sent = await run(started + seconds)
        elapsed = time.monotonic() - started
        results.append(Baseline(name, sent, elapsed, time.thread_time() - cpu))
    return results
