"""What one claim writes to the building blocks: PostgreSQL commits and rows, Kafka messages.

Counters are read before and after a phase and their change divided by the claims it created
(issue 27, item 6: where the first bottleneck lies is computed, not guessed).

- PostgreSQL (`pg_stat_database`, per database, the fleet's only): transactions committed
  (`xact_commit`, read-only ones included: PostgreSQL does not count writing ones apart) and
  rows written (`tup_inserted + tup_updated + tup_deleted`). WAL bytes come from `pg_stat_wal`,
  which is cluster-wide: anything else on the cluster meanwhile counts too.
- Kafka: records on the platform's topics (shared/topics.py), from their end offsets. No
  producer of ours is transactional, so an offset is one record (no commit markers).

Other backends publish their statistics at the end of a transaction at most once a second, and
a backend gone idle with counts still pending publishes them 10 s later (PostgreSQL 15's
PGSTAT_MIN_INTERVAL and PGSTAT_IDLE_INTERVAL; pg_stat_force_next_flush() acts only on the
calling backend). A reading therefore waits a little longer than that first: counts read
sooner were seen to miss the last transactions of a connection left open, as a service's is.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient

from shared import topics
from shared.kafka import client_options
from tools.bench.servers import BenchError, stop_consumer
from tools.support.kafka import caught_up, topic_partitions

# Longer than PostgreSQL's PGSTAT_IDLE_INTERVAL (10 s), by when an idle backend has published.
STATS_FLUSH_SECONDS = 11.0
PLATFORM_TOPICS = (
    *topics.ALL,
    *(topics.dead_letters(service) for service in topics.CONSUMED_BY),
)


@dataclass(frozen=True)
class Counters:
    """Cumulative counters at one moment."""

    # database -> {"commits": n, "rows_written": n}
    databases: dict[str, dict[str, int]] = field(default_factory=dict)
    wal_bytes: int | None = None  # the whole cluster
    # topic -> records on it so far (end offsets, every partition)
    topics: dict[str, int] = field(default_factory=dict)


_DATABASES = """
    SELECT datname, xact_commit, tup_inserted + tup_updated + tup_deleted AS rows_written
    FROM pg_stat_database WHERE datname = ANY($1::text[])"""


async def postgres_counters(
    server_url: str, databases: dict[str, str], *, wait: float = STATS_FLUSH_SECONDS
) -> tuple[dict[str, dict[str, int]], int | None]:
    """Per name of `databases` (name -> database): commits and rows written; and the cluster's
    WAL bytes (None before PostgreSQL 14). Read from the `postgres` database, so that the
    reading itself commits nothing in the databases read."""
    await asyncio.sleep(wait)
    conn = await asyncpg.connect(f"{server_url}/postgres")
    try:
        # A fresh view, not one cached earlier in this session.
        await conn.execute("SELECT pg_stat_clear_snapshot()")
        rows = await conn.fetch(_DATABASES, list(databases.values()))
        wal = await conn.fetchval(
            "SELECT wal_bytes::bigint FROM pg_stat_wal"
            if conn.get_server_version().major >= 14
            else "SELECT NULL::bigint"
        )
    finally:
        await conn.close()
    by_database = {row["datname"]: row for row in rows}
    found = {
        name: {
            "commits": int(by_database[database]["xact_commit"]),
            "rows_written": int(by_database[database]["rows_written"]),
        }
        for name, database in databases.items()
        if database in by_database
    }
    return found, None if wal is None else int(wal)


async def topic_records(bootstrap: str, names: tuple[str, ...] = PLATFORM_TOPICS) -> dict[str, int]:
    """Records ever put on each topic of `names` that exists: its partitions' end offsets."""
    consumer = AIOKafkaConsumer(**client_options(bootstrap), enable_auto_commit=False)
    admin = AIOKafkaAdminClient(**client_options(bootstrap))
    await consumer.start()
    await admin.start()
    try:
        partitions = await topic_partitions(admin, list(names))
        ends = await consumer.end_offsets(partitions) if partitions else {}
    finally:
        await admin.close()
        await stop_consumer(consumer)
    found = {topic: 0 for topic in dict.fromkeys(p.topic for p in partitions)}
    for partition, end in ends.items():
        found[partition.topic] += end
    return found


async def groups_caught_up(
    bootstrap: str, reading: dict[str, tuple[str, ...]], timeout: float
) -> None:
    """Wait (bounded) until each group of `reading` has committed every partition of its topics
    up to their end: its consumers' writes are done. BenchError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    for group, names in reading.items():
        try:
            await caught_up(bootstrap, group, list(names), max(deadline - time.monotonic(), 0.0))
        except AssertionError as behind:
            message = f"consumer groups still behind after {timeout:g} s: {behind}"
            raise BenchError(message) from None


async def read_counters(
    postgres_url: str,
    databases: dict[str, str],
    bootstrap: str,
    *,
    wait: float = STATS_FLUSH_SECONDS,
) -> Counters:
    """Both servers' counters, read together once PostgreSQL's have been published: the topics
    too, so that both readings cover the same moments."""
    await asyncio.sleep(wait)
    (by_database, wal), records = await asyncio.gather(
        postgres_counters(postgres_url, databases, wait=0.0), topic_records(bootstrap)
    )
    return Counters(by_database, wal, records)


def _each(change: float, claims: int) -> float:
    return round(change / claims, 3)


def per_claim(before: Counters, after: Counters, claims: int) -> dict[str, Any]:
    """The counters' change per claim: PostgreSQL summed over the databases (and each apart),
    Kafka summed over the topics (and each apart). A database only one reading saw is left out."""
    if not claims:
        return {"claims": 0}
    databases = {
        name: {
            key: _each(after.databases[name][key] - before.databases[name][key], claims)
            for key in ("commits", "rows_written")
        }
        for name in after.databases
        if name in before.databases
    }
    # A topic first seen after (a dead-letter topic made meanwhile) started empty.
    records = {
        topic: _each(after.topics[topic] - before.topics.get(topic, 0), claims)
        for topic in after.topics
    }
    postgres: dict[str, Any] = {
        "commits": round(sum(d["commits"] for d in databases.values()), 3),
        "rows_written": round(sum(d["rows_written"] for d in databases.values()), 3),
        "databases": databases,
    }
    if before.wal_bytes is not None and after.wal_bytes is not None:
        postgres["wal_bytes_cluster"] = round((after.wal_bytes - before.wal_bytes) / claims, 1)
    return {
        "claims": claims,
        "postgres": postgres,
        "kafka": {"messages": round(sum(records.values()), 3), "topics": records},
    }
