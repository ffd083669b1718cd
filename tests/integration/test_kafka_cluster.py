"""Three KRaft nodes (`KAFKA_NODES=3`): killing one under load loses nothing, and the outbox's
acks=all producer goes on writing to the two that are left.

The cluster is the one `make run KAFKA_NODES=3` starts, from the same script, on ports of its
own (19070-19075, moved by RMA_TEST_SLOT) and with its own state, so it runs beside the
session's single broker in every `make test`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from shared.kafka import KafkaConnectionSettings, client_options
from shared.outbox import new_producer
from shared.runtime import ensure_topics
from tools.support.stack import PORT_OFFSET, REPO, STATE_DIR, kafka_passwords

pytestmark = pytest.mark.integration

CLUSTER_STATE = STATE_DIR / "cluster"
MESSAGES, KILL_AFTER = 900, 300


@dataclass(frozen=True)
class Cluster:
    bootstrap: str
    admin: KafkaConnectionSettings
    state: Path

    def kill(self, node: int) -> None:
        kill_node(self.state, node)


def kill_node(state: Path, node: int) -> None:
    pid = int((state / "kafka" / f"node-{node}" / "kafka.pid").read_text())
    os.killpg(pid, signal.SIGKILL)  # the node leads its own session: kill -9, no goodbye


def cluster_script(command: str) -> str:
    environment = {
        **os.environ,
        "RMA_STATE_DIR": str(CLUSTER_STATE),
        "KAFKA_NODES": "3",
        "KAFKA_PORT": str(19070 + PORT_OFFSET),
        "KAFKA_CONTROLLER_PORT": str(19071 + PORT_OFFSET),
        # Only the admin talks to this cluster: each ACL would cost a JVM's start-up.
        "KAFKA_ACLS": "off",
    }
    result = subprocess.run(
        ["bash", str(REPO / "deploy" / "scripts" / "kafka.sh"), command],
        env=environment,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, f"kafka.sh {command}:\n{result.stdout}\n{result.stderr}"
    return result.stdout.strip()


def fresh_cluster() -> None:
    cluster_script("down")
    shutil.rmtree(CLUSTER_STATE, ignore_errors=True)
    cluster_script("up")


# Three JVMs take a while to start and form their quorum: a session that will run this module
# starts them in a thread when it reaches the second module before this one
# (tests/integration/conftest.py), while those modules' tests run, and the fixture only waits
# for that start to end.
_early_start: Future[None] | None = None


def start_early() -> None:
    global _early_start
    if _early_start is None:
        _early_start = ThreadPoolExecutor(1, "kafka-cluster").submit(fresh_cluster)


def stop_unused() -> None:
    """At the end of a session that started the cluster early but never used it."""
    if _early_start is not None and CLUSTER_STATE.exists():
        with contextlib.suppress(Exception):
            _early_start.result()
        stop_cluster()


def stop_cluster() -> None:
    # Killed, not shut down: its data goes next, and a node shutting down without the
    # quorum (one node is dead already) waits for it in vain.
    for node in (1, 2, 3):
        with contextlib.suppress(OSError, ValueError):
            kill_node(CLUSTER_STATE, node)
    cluster_script("down")
    shutil.rmtree(CLUSTER_STATE, ignore_errors=True)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    start_early()  # already under way since the second module before this one
    assert _early_start is not None
    _early_start.result()
    try:
        password = kafka_passwords(CLUSTER_STATE)["admin"]
        yield Cluster(
            bootstrap=cluster_script("bootstrap").splitlines()[-1],
            admin=KafkaConnectionSettings(kafka_username="admin", kafka_password=password),
            state=CLUSTER_STATE,
        )
    finally:
        stop_cluster()


async def in_sync_replicas(cluster: Cluster, topic: str) -> list[int]:
    admin = AIOKafkaAdminClient(**client_options(cluster.bootstrap, cluster.admin))
    await admin.start()
    try:
        [description] = await admin.describe_topics([topic])
    finally:
        await admin.close()
    return [len(partition["isr"]) for partition in description["partitions"]]


async def read_all(cluster: Cluster, topic: str) -> list[bytes]:
    consumer = AIOKafkaConsumer(
        **client_options(cluster.bootstrap, cluster.admin), enable_auto_commit=False
    )
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in range(3)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        values: list[bytes] = []
        async with asyncio.timeout(60):
            while any([await consumer.position(p) < ends[p] for p in partitions]):
                for records in (await consumer.getmany(timeout_ms=1000)).values():
                    values.extend(record.value or b"" for record in records)
        return values
    finally:
        await consumer.stop()


async def test_a_node_killed_under_load_loses_nothing(cluster: Cluster) -> None:
    topic = f"rma.cluster-check.{uuid.uuid4().hex[:8]}"
    await ensure_topics(
        cluster.bootstrap,
        [topic],
        partitions=3,
        replication_factor=3,
        min_insync_replicas=2,
        connection=cluster.admin,
    )
    assert await in_sync_replicas(cluster, topic) == [3, 3, 3]
    producer = new_producer(cluster.bootstrap, "cluster-check", connection=cluster.admin)
    await producer.start()
    try:
        deliveries = []
        for number in range(MESSAGES):
            if number == KILL_AFTER:
                cluster.kill(1)
            deliveries.append(
                await producer.send(topic, value=f"{number}".encode(), key=f"{number}".encode())
            )
            await asyncio.sleep(0.01)  # a steady stream, not one batch before the kill
        # Every send acknowledged by two replicas at least; a refusal would raise here.
        metadata = await asyncio.wait_for(asyncio.gather(*deliveries), timeout=120)
    finally:
        await producer.stop()
    assert len(metadata) == MESSAGES
    assert await in_sync_replicas(cluster, topic) == [2, 2, 2]  # the dead node left every ISR
    values = await read_all(cluster, topic)
    assert sorted(values, key=int) == [f"{n}".encode() for n in range(MESSAGES)]  # once each
