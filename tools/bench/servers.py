"""The servers a bench run uses: Kafka, PostgreSQL and Mailpit, and the services themselves.

A slot moves every port by 100 * slot, as `RMA_TEST_SLOT` does for `make test`, so a bench run
never touches the servers of `make run` or of another checkout's tests. The deploy scripts start
what is missing and leave alone what already runs; the bench stops only what it started.

Kafka authenticates with SASL/SCRAM and authorises with ACLs: the bench's own clients run as
`admin` (its super user), each service process as its own user, with the passwords kafka.sh
wrote under <state>/kafka/credentials.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewPartitions

from shared import topics
from shared.kafka import client_options
from shared.keys import ensure_dev_keys
from tools.bench import mailpit
from tools.support.stack import kafka_passwords

REPO = Path(__file__).resolve().parents[2]
SERVICES = ("accounts", "claims", "warranty", "notifications")
# Services whose consumers share the work when more than one instance runs in their group.
SCALABLE = ("claims", "warranty", "notifications")


class BenchError(RuntimeError):
    pass


@dataclass(frozen=True)
class Servers:
    kafka_bootstrap: str
    postgres_url: str  # without a database name
    smtp_port: int
    mailbox_url: str
    state_dir: Path
    # Kafka user -> password (admin, accounts, claims, warranty, notifications, ...).
    kafka_passwords: dict[str, str] = field(default_factory=dict)

    def use_kafka_admin(self) -> None:
        """Make `admin` the Kafka user of this process's clients (client_options reads it)."""
        os.environ["RMA_KAFKA_USERNAME"] = "admin"
        os.environ["RMA_KAFKA_PASSWORD"] = self.kafka_passwords["admin"]

    @property
    def kafka_port(self) -> int:
        return int(self.kafka_bootstrap.rsplit(":", 1)[1])

    @property
    def postgres_port(self) -> int:
        return int(self.postgres_url.rsplit(":", 1)[1])


def slot_ports(slot: int) -> dict[str, str]:
    if not 0 <= slot <= 9:
        raise BenchError(f"the slot must be 0 to 9, not {slot}")
    offset = 100 * slot
    return {
        "KAFKA_PORT": str(19092 + offset),
        "KAFKA_CONTROLLER_PORT": str(19093 + offset),
        "KAFKA_NODES": "1",
        "PG_PORT": str(15433 + offset),
        "PG_CLUSTER": "rmatest" if slot == 0 else f"rmatest{slot}",
        "SMTP_PORT": str(11025 + offset),
        "MAILBOX_HTTP_PORT": str(18025 + offset),
    }


class SlotServers:
    """Starts the slot's servers with the project's scripts; stops the ones it started."""

    def __init__(self, slot: int, state_dir: Path, *, own: bool) -> None:
        self.slot = slot
        self.state_dir = state_dir
        # The bench's own servers (not make test's): their mailbox may be emptied.
        self.own = own
        self.ports = slot_ports(slot)
        self.started: list[str] = []

    def _script(self, component: str, action: str) -> str:
        result = subprocess.run(
            ["bash", str(REPO / "deploy" / "scripts" / f"{component}.sh"), action],
            env={
                **os.environ,
                **self.ports,
                "RMA_STATE_DIR": str(self.state_dir),
                "RMA_DATABASES": "",
            },
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        if result.returncode != 0 and action != "status":
            raise BenchError(
                f"{component}.sh {action} failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
            )
        return result.stdout.strip() if result.returncode == 0 else ""

    def _running(self, component: str) -> bool:
        return bool(self._script(component, "status"))

    def up(self) -> Servers:
        mailbox_url = f"http://127.0.0.1:{self.ports['MAILBOX_HTTP_PORT']}"
        for component in ("kafka", "postgres", "mailpit"):
            if self._running(component):
                if component == "mailpit" and self.own:
                    # Earlier runs' mail would only make every listing of the mailbox longer
                    # (and the pipeline look slower than it is).
                    mailpit.empty(mailbox_url)
                continue
            if component != "postgres":
                # Fresh, as make test does: replaying earlier runs' events would only add noise.
                # (Stopped first: a server may run without answering, say Kafka without its ACLs.)
                self._script(component, "down")
                subprocess.run(["rm", "-rf", str(self.state_dir / component)], check=True)
            self._script(component, "up")
            self.started.append(component)
        return Servers(
            kafka_bootstrap=self._script("kafka", "bootstrap").splitlines()[-1],
            postgres_url=self._script("postgres", "url").splitlines()[-1].rstrip("/"),
            smtp_port=int(self.ports["SMTP_PORT"]),
            mailbox_url=mailbox_url,
            state_dir=self.state_dir,
            kafka_passwords=kafka_passwords(self.state_dir),
        )

    def down(self) -> None:
        for component in reversed(self.started):
            self._script(component, "down")
        self.started.clear()


async def grow_partitions(bootstrap: str, names: tuple[str, ...], at_least: int) -> None:
    """Topics with fewer than `at_least` partitions get more (the slot's Kafka may keep topics
    an earlier run created with fewer): each consumer of a group needs one of its own."""
    admin = AIOKafkaAdminClient(**client_options(bootstrap))
    await admin.start()
    try:
        described = await admin.describe_topics(list(names))
        grow = {
            topic["topic"]: NewPartitions(at_least)
            for topic in described
            if len(topic["partitions"]) < at_least
        }
        if grow:
            await admin.create_partitions(grow)
    finally:
        await admin.close()


async def stop_consumer(consumer: AIOKafkaConsumer) -> None:
    """Stop an aiokafka consumer. Its fetcher re-raises the CancelledError of its own fetch task
    when that task was backing off after a broker time-out; that cancellation is not ours."""
    try:
        await consumer.stop()
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise


async def assign_whole_topics(consumer: AIOKafkaConsumer, names: tuple[str, ...]) -> None:
    """Assign every partition of the topics, waiting for topics just created to show up."""
    assigned: list[TopicPartition] = []
    for topic in names:
        for _ in range(100):
            if partitions := consumer.partitions_for_topic(topic):
                assigned.extend(TopicPartition(topic, p) for p in partitions)
                break
            await consumer._client.force_metadata_update()
            await asyncio.sleep(0.2)
        else:
            raise BenchError(f"topic {topic} has no partitions")
    consumer.assign(assigned)


async def position_groups_at_end(bootstrap: str, groups: list[str]) -> None:
    """Commit the end of every topic for new consumer groups, so the bench's services handle
    only the bench's own events and not the broker's history (which would also re-send emails)."""
    for group in groups:
        consumer = AIOKafkaConsumer(
            **client_options(bootstrap), group_id=group, enable_auto_commit=False
        )
        await consumer.start()
        try:
            await assign_whole_topics(consumer, topics.ALL)
            assigned = list(consumer.assignment())
            await consumer.seek_to_end(*assigned)
            await consumer.commit({tp: await consumer.position(tp) for tp in assigned})
        finally:
            await stop_consumer(consumer)


@dataclass
class ServiceFleet:
    """The four services as real processes, each with its own new database and consumer group."""

    servers: Servers
    base_port: int
    instances: int = 1
    partitions: int = 3
    database_query: str = ""  # after each database's name, e.g. ?sslmode=disable
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    log_dir: Path | None = None

    def group(self, service: str) -> str:
        return f"{service}-bench-{self.run_id}"

    def database_name(self, service: str) -> str:
        return f"rma_bench_{self.run_id}_{service}"

    def database_url(self, service: str) -> str:
        return f"{self.servers.postgres_url}/{self.database_name(service)}{self.database_query}"

    def names(self) -> list[str]:
        """Process names: `claims`, or `claims#2` for a second instance."""
        names: list[str] = []
        for service in SERVICES:
            copies = self.instances if service in SCALABLE else 1
            names.extend(service if n == 1 else f"{service}#{n}" for n in range(1, copies + 1))
        return names

    def first_instances(self) -> list[str]:
        return [name for name in self.names() if "#" not in name]

    def more_instances(self) -> list[str]:
        return [name for name in self.names() if "#" in name]

    def cpu_of(self, name: str) -> int | None:
        """With more than one instance, instance k of a scalable service runs on CPU k-1 (of
        those there are) only; None: wherever the scheduler puts it."""
        service, _, number = name.partition("#")
        if self.instances == 1 or service not in SCALABLE:
            return None
        return (int(number or 1) - 1) % (os.cpu_count() or 1)

    def port(self, name: str) -> int:
        return self.base_port + self.names().index(name)

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port(name)}"

    def urls_of(self, service: str) -> list[str]:
        """The instances of `service` started so far."""
        return [self.url(name) for name in self.processes if name.split("#")[0] == service]

    def _environment(self, name: str) -> dict[str, str]:
        service = name.split("#")[0]
        keys = self.servers.state_dir / "keys"
        ensure_dev_keys(keys)
        return {
            **os.environ,
            "RMA_ENVIRONMENT": "test",
            "RMA_KAFKA_BOOTSTRAP_SERVERS": self.servers.kafka_bootstrap,
            # Each service as its own Kafka user, held to its ACLs as in `make run`.
            "RMA_KAFKA_USERNAME": service,
            "RMA_KAFKA_PASSWORD": self.servers.kafka_passwords[service],
            "RMA_DATABASE_URL": self.database_url(service),
            "RMA_CONSUMER_GROUP": self.group(service),
            "RMA_HTTP_PORT": str(self.port(name)),
            "RMA_LOG_FORMAT": "json",
            "RMA_TOPIC_PARTITIONS": str(self.partitions),
            "RMA_TOKEN_PUBLIC_KEY_FILE": str(keys / "token_public.pem"),
            "RMA_TOKEN_PRIVATE_KEY_FILE": str(keys / "token_private.pem"),
            "RMA_SEAL_PUBLIC_KEY_FILE": str(keys / "seal_public.pem"),
            "RMA_SEAL_PRIVATE_KEY_FILE": str(keys / "seal_private.pem"),
            "RMA_PUBLIC_BASE_URL": self.url("accounts"),
            "RMA_SMTP_HOST": "127.0.0.1",
            "RMA_SMTP_PORT": str(self.servers.smtp_port),
            "RMA_SMTP_FIRST_RETRY_SECONDS": "0.5",
        }

    def pin(self, names: list[str]) -> None:
        """Running instances onto their CPUs (`cpu_of`), every thread of each."""
        for name in names:
            cpu = self.cpu_of(name)
            if cpu is None:
                continue
            for task in Path(f"/proc/{self.processes[name].pid}/task").iterdir():
                with contextlib.suppress(ProcessLookupError):
                    os.sched_setaffinity(int(task.name), {cpu})

    def start(self, log_dir: Path, names: list[str] | None = None, *, pinned: bool = False) -> None:
        """Start `names` (every instance unless given); `pinned`: each (taskset) on its CPU."""
        self.log_dir = log_dir
        log_dir.mkdir(parents=True, exist_ok=True)
        names = self.names() if names is None else names
        for name in names:
            cpu = self.cpu_of(name) if pinned else None
            taskset = [] if cpu is None else ["taskset", "--cpu-list", str(cpu)]
            with (log_dir / f"{name}.log").open("ab") as log:
                self.processes[name] = subprocess.Popen(
                    [*taskset, sys.executable, "-m", f"services.{name.split('#')[0]}"],
                    cwd=REPO,
                    env=self._environment(name),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
        for name in names:
            self._wait_healthy(name)

    def _wait_healthy(self, name: str, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if (code := self.processes[name].poll()) is not None:
                raise BenchError(f"{name} exited with {code}; see {self.log_dir}/{name}.log")
            try:
                if httpx.get(f"{self.url(name)}/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise BenchError(f"{name} not healthy after {timeout:.0f} s; see {self.log_dir}")

    @contextlib.contextmanager
    def paused(self, *services: str) -> Iterator[None]:
        """Every instance of `services` stopped (SIGSTOP) meanwhile, so that another hop is
        measured alone, as its baseline is; continued after, whatever happens. Their consumers
        only fall behind (and may rejoin their group): nothing is lost."""
        stopped = [
            process
            for name, process in self.processes.items()
            if name.split("#")[0] in services and process.poll() is None
        ]
        for process in stopped:
            os.kill(process.pid, signal.SIGSTOP)
        try:
            yield
        finally:
            for process in stopped:
                os.kill(process.pid, signal.SIGCONT)

    def stop(self) -> None:
        for process in self.processes.values():
            process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()
