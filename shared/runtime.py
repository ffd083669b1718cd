"""What every service process runs: its database, Kafka consumers, outbox relay and HTTP API.

A service builds one `ServiceRuntime`, registers its subscribers with `runtime.subscriber` and
its HTTP routes on the FastAPI app that `create_app` returns. The FastAPI lifespan starts, in
order: the database (created if missing, migrated), the Kafka topics, the outbox relay, the
broker (its producer writes the dead letters) and the subscribers' consumer loops
(shared/subscriptions.py); it stops them in reverse order, so no handler runs without its
database. FastStream's broker keeps no subscriber: a second broker, never started, holds them
and the publishers for the AsyncAPI document only.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import asyncpg
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import TopicAlreadyExistsError
from fastapi import FastAPI
from fastapi.responses import HTMLResponse, JSONResponse
from faststream.kafka import KafkaBroker
from faststream.specification import AsyncAPI
from faststream.specification.asyncapi.site import get_asyncapi_html
from opentelemetry.sdk.trace import TracerProvider

from shared import deadletters, deadletters_http, topics
from shared.auth import NotBeforeCache, fetch_not_before
from shared.commits import CommitOnRevoke, ConsumerCommits
from shared.consumer import (
    DEAD_LETTER_MAX_BYTES,
    ConsumerPolicy,
    DeadLetters,
    RecordHandling,
    Sleep,
)
from shared.db import close_pool, create_pool, ensure_database, migrate
from shared.http import DatabaseAway, install_http_guards
from shared.idempotency import IdempotencyMiddleware, KeyLocks
from shared.kafka import KafkaConnectionSettings, broker_security, client_options
from shared.logging import configure_logging, get_logger
from shared.metrics import ServiceMetrics
from shared.outage import OutageLog, RepeatedLineFilter
from shared.outbox import OutboxRelay, new_producer
from shared.settings import ServiceSettings
from shared.subscriptions import ConsumerLoops, Subscription, event_type_of
from shared.tracing import instrument_http_app, tracer_provider

log = get_logger(__name__)
DEAD_LETTER_BATCH_BYTES = 512 * 1024
Handler = TypeVar("Handler", bound=Callable[..., Awaitable[None]])


async def ensure_topics(
    bootstrap_servers: str,
    names: Sequence[str] = topics.ALL,
    partitions: int = 3,
    replication_factor: int = 1,
    min_insync_replicas: int = 1,
    connection: KafkaConnectionSettings | None = None,
) -> None:
    """Create the topics if missing; an existing topic is left as it is, but for a dead-letter
    topic's size limit, which must hold a copy of any message (shared/consumer.py). A service
    names only its own dead-letter topic: only its owner may alter a topic's configs."""

    def configs(name: str) -> dict[str, str]:
        wanted = {"min.insync.replicas": str(min_insync_replicas)}
        if topics.is_dead_letter_topic(name):
            wanted["max.message.bytes"] = str(DEAD_LETTER_MAX_BYTES + 64 * 1024)
        return wanted

    admin = AIOKafkaAdminClient(**client_options(bootstrap_servers, connection))
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [
            NewTopic(
                name,
                num_partitions=partitions,
                replication_factor=replication_factor,
                topic_configs=configs(name),
            )
            for name in names
            if name not in existing
        ]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(missing)
        dead_letter_topics = [n for n in names if topics.is_dead_letter_topic(n) and n in existing]
        if dead_letter_topics:
            await admin.alter_configs(
                [
                    ConfigResource(ConfigResourceType.TOPIC, n, configs(n))
                    for n in dead_letter_topics
                ]
            )
    finally:
        await admin.close()


@dataclass
class ServiceRuntime:
    name: str
    settings: ServiceSettings
    migrations_package: str
    broker: KafkaBroker = field(init=False)
    # Never started: its subscribers and publishers are the AsyncAPI document's.
    document: KafkaBroker = field(init=False)
    metrics: ServiceMetrics = field(init=False)
    tracer_provider: TracerProvider = field(init=False)
    pool: asyncpg.Pool | None = field(default=None, init=False)
    relay: OutboxRelay | None = field(default=None, init=False)
    on_started: list[Callable[[ServiceRuntime], Awaitable[None]]] = field(default_factory=list)
    on_stopping: list[Callable[[ServiceRuntime], Awaitable[None]]] = field(default_factory=list)
    repeated_lines: RepeatedLineFilter = field(default_factory=RepeatedLineFilter, init=False)
    commits: ConsumerCommits = field(init=False)
    # Handlers' effects applied per batch, in one transaction with one inbox query, before the
    # batch's offsets are committed (shared/inbox.py); set by a service's consumers.
    effects_per_batch: bool = field(default=False, init=False)
    # The topics its subscribers read: the only ones its dead letters are replayed onto.
    consumed_topics: list[str] = field(default_factory=list, init=False)
    consumer_policy: ConsumerPolicy = field(init=False)
    subscriptions: list[Subscription] = field(default_factory=list, init=False)
    loops: ConsumerLoops = field(default_factory=ConsumerLoops, init=False)
    # The consumers' backoff between retries and in an outage (a test makes it instant).
    # (A factory: a function as the default would become a method, given the runtime.)
    consumer_sleep: Sleep = field(default_factory=lambda: asyncio.sleep, init=False)
    # The Idempotency-Keys of the requests running now (shared/idempotency.py).
    key_locks: KeyLocks = field(init=False)
    # Each account's last credential change, as require_role checks it (shared/auth.py).
    not_before: NotBeforeCache = field(init=False)

    def __post_init__(self) -> None:
        self.metrics = ServiceMetrics(self.name)
        self.commits = ConsumerCommits(
            commit_interval=self.settings.consumer_commit_interval_seconds
        )
        self.key_locks = KeyLocks(
            functools.partial(asyncpg.connect, self.settings.database_url, timeout=5)
        )
        self.tracer_provider = tracer_provider(self.name, self.settings.otlp_endpoint)
        self.not_before = NotBeforeCache(
            lambda subject: fetch_not_before(self.db, subject),
            max_age=self.settings.credential_check_cache_seconds,
        )
        # A list: FastStream puts a string into a list of one, so "a:9092,b:9092" would be
        # one unknown host instead of aiokafka's comma-separated servers.
        servers = [server.strip() for server in self.settings.kafka_bootstrap_servers.split(",")]
        self.broker = KafkaBroker(
            servers,
            security=broker_security(self.settings),
            client_id=self.name,
            enable_idempotence=True,
            acks="all",
            # This producer only writes dead letters: copies of messages plus their error.
            max_request_size=DEAD_LETTER_MAX_BYTES,
            # A flood of them goes out in flight together: in a few large produce requests
            # rather than one per 16 KiB (aiokafka's default batch).
            max_batch_size=DEAD_LETTER_BATCH_BYTES,
            logger=get_logger(f"faststream.{self.name}"),
            log_level=logging.DEBUG,
        )
        self.document = KafkaBroker(servers, security=broker_security(self.settings))
        self.consumer_policy = self._consumer_policy()
        self.document.publisher(
            self.dead_letter_topic,
            description="What this service's consumers could not handle: the original message "
            "(key, headers, body) with dead_letter_* headers (error, consumer, source topic, "
            "partition, offset), and the markers of its replays. Only this service writes it.",
        )

    @property
    def consumer_group(self) -> str:
        return self.settings.consumer_group or self.name

    @property
    def dead_letter_topic(self) -> str:
        """Where its consumers' dead letters go: a topic only its own Kafka user writes."""
        return topics.dead_letters(self.name)

    @property
    def db(self) -> asyncpg.Pool:
        if self.pool is None:
            raise RuntimeError(f"{self.name}: the database pool is not started")
        return self.pool

    def subscriber(
        self,
        topic: str,
        *,
        description: str,
        partition_workers: int | None = None,
        gathers: bool = True,
    ) -> Callable[[Handler], Handler]:
        """A consumer of `topic` in this service's group, committing only after its effect
        (its consumer loops commit, once per fetched batch: shared/subscriptions.py).
        `partition_workers`: at most this many of its Kafka consumers (the setting's number
        otherwise); one is enough for a topic of rare events, and each idle consumer costs a
        fetch loop, heartbeats and connections of its own. `gathers=False`: its fetches are
        answered as soon as anything is there, for events a person may act on at once."""
        workers = self.settings.consumer_partition_workers
        if partition_workers is not None:
            workers = min(workers, partition_workers)
        min_bytes = self.settings.consumer_fetch_min_bytes if gathers else 1
        self.consumed_topics.append(topic)

        def register(handler: Handler) -> Handler:
            self.subscriptions.append(
                Subscription(topic, workers, handler, event_type_of(handler), min_bytes)
            )
            self.document.subscriber(topic, group_id=self.consumer_group, description=description)(
                handler
            )
            return handler

        return register

    def _consumer_policy(self) -> ConsumerPolicy:
        """How its subscribers handle records: retries, dead letters, the outage log, commits
        (made with the runtime; the batches' effects are applied by it from then on)."""
        outage = OutageLog(f"{self.consumer_group} consumer dependencies (database or broker)")
        dead_letters = DeadLetters(
            lambda: self.broker,
            self.consumer_group,
            self.dead_letter_topic,
            outage,
            self.metrics.count_dead_letter,
        )
        policy = ConsumerPolicy(
            consumer_group=self.consumer_group,
            commits=self.commits,
            dead_letters=dead_letters,
            outage=outage,
            tracer=self.tracer_provider.get_tracer("shared.consumer"),
            max_attempts=self.settings.consumer_max_attempts,
            effects_per_batch=lambda: self.effects_per_batch,
            # Read at each backoff: a test may make it instant after the runtime is made.
            sleep=lambda seconds: self.consumer_sleep(seconds),
        )
        self.commits.apply_batch = policy.effect_batches().apply
        return policy

    def new_consumer(self, topic: str, fetch_min_bytes: int | None = None) -> AIOKafkaConsumer:
        """A consumer of `topic` in this service's group that commits only what it was told,
        and what it holds back before a rebalance takes its partitions. Its fetches ask for
        `fetch_min_bytes` (the setting's, unless given)."""
        if fetch_min_bytes is None:
            fetch_min_bytes = self.settings.consumer_fetch_min_bytes
        consumer = AIOKafkaConsumer(
            group_id=self.consumer_group,
            client_id=self.name,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            fetch_max_wait_ms=self.settings.consumer_fetch_max_wait_ms,
            fetch_min_bytes=fetch_min_bytes,
            **client_options(self.settings.kafka_bootstrap_servers, self.settings),
        )
        consumer.subscribe([topic], listener=CommitOnRevoke(self.commits, consumer))
        return consumer

    def record_handling(self, subscription: Subscription) -> RecordHandling:
        return RecordHandling(
            self.consumer_policy,
            subscription.handler,
            subscription.event_type,
            self.metrics.subscriber(subscription.topic),
        )

    async def start_consuming(self) -> None:
        await self.loops.start(
            self.subscriptions,
            self.new_consumer,
            self.record_handling,
            self.commits,
            fetch_wait_ms=self.settings.consumer_fetch_max_wait_ms,
        )

    def publishes(self, topic: str, schema: Any, *, description: str) -> None:
        """Declare, for the AsyncAPI document, events this service publishes (via its outbox)."""
        self.document.publisher(topic, schema=schema, description=description)

    @asynccontextmanager
    async def running(self) -> AsyncIterator[ServiceRuntime]:
        settings = self.settings
        await ensure_database(settings.database_url)
        self.pool = await create_pool(settings.database_url, max_size=settings.database_pool_size)
        watch: asyncio.Task[None] | None = None
        producer = new_producer(
            settings.kafka_bootstrap_servers, client_id=f"{self.name}-outbox", connection=settings
        )
        try:
            await migrate(self.pool, self.migrations_package)
            await ensure_topics(
                settings.kafka_bootstrap_servers,
                [*topics.ALL, self.dead_letter_topic],
                partitions=settings.topic_partitions,
                replication_factor=settings.topic_replication_factor,
                min_insync_replicas=settings.topic_min_insync_replicas,
                connection=settings,
            )
            await producer.start()
            self.relay = OutboxRelay(
                self.pool,
                producer,
                linger=settings.outbox_linger_ms / 1000,
                tracer=self.tracer_provider.get_tracer("shared.outbox"),
            )
            await self.relay.start()
            await self.broker.start()
            await self.start_consuming()
            for hook in self.on_started:
                await hook(self)
            watch = asyncio.create_task(self._watch_broker(), name="kafka-watch")
            log.info("service started", service=self.name)
            yield self
        finally:
            if watch is not None:
                watch.cancel()
            for hook in self.on_stopping:
                with contextlib.suppress(Exception):
                    await hook(self)
            # The batches in hand finish (or are read again), then their commit, and only then
            # the consumers leave the group.
            await self.loops.stop_handling()
            with contextlib.suppress(Exception):
                await self.commits.commit_all()
            await self.loops.close()
            await self.broker.stop()
            if self.relay is not None:
                await self.relay.stop()
            await producer.stop()
            with contextlib.suppress(Exception):
                await self.key_locks.close()
            await close_pool(self.pool)
            self.tracer_provider.force_flush()
            log.info("service stopped", service=self.name)

    async def readiness(self, timeout: float = 1.0) -> dict[str, Any]:
        """Whether the database and the broker answer, each asked at once and within `timeout`."""

        async def database() -> bool:
            if self.pool is None:
                return False
            with contextlib.suppress(Exception):
                return await self.pool.fetchval("SELECT true", timeout=timeout) is True
            return False

        async def kafka() -> bool:
            with contextlib.suppress(Exception):
                return bool(await self.broker.ping(timeout=timeout))
            return False

        async with asyncio.timeout(timeout + 0.5):
            database_ok, kafka_ok = await asyncio.gather(database(), kafka())
        return {"service": self.name, "database": database_ok, "kafka": kafka_ok}

    async def _watch_broker(self, interval: float = 2.0) -> None:
        """Log a broker outage once as it starts and once as it ends, with the count of the
        client library's lines held back meanwhile (see RepeatedLineFilter)."""
        outage = OutageLog("Kafka broker")
        while True:
            await asyncio.sleep(interval)
            if await self.broker.ping(timeout=interval):
                outage.recovered(library_lines_held_back=self.repeated_lines.take_held_back())
            else:
                outage.failed(ConnectionError("the broker does not answer"))

    async def dead_letter_count(self) -> int:
        """This service's messages dead-lettered and not replayed (for the metrics)."""
        return await deadletters.count_dead_letters(
            self.settings.kafka_bootstrap_servers,
            self.dead_letter_topic,
            self.settings.consumer_group or self.name,
            self.settings,
        )

    def asyncapi(self) -> AsyncAPI:
        return AsyncAPI(
            self.document,
            title=f"RMA {self.name} events",
            description=f"Events consumed and published by the {self.name} service",
        )


def create_app(runtime: ServiceRuntime, *, title: str, description: str) -> FastAPI:
    configure_logging(runtime.name, runtime.settings.log_level, runtime.settings.log_format)
    for handler in logging.getLogger().handlers:
        handler.addFilter(runtime.repeated_lines)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async with runtime.running():
            yield

    app = FastAPI(title=title, description=description, lifespan=lifespan)
    app.state.runtime = runtime
    app.add_middleware(IdempotencyMiddleware)
    # Around the key's own queries too: the database away is a 503, not a 500.
    app.add_middleware(DatabaseAway, what=f"{runtime.name} database")
    instrument_http_app(app, runtime.tracer_provider)
    runtime.metrics.serve(app, lambda: runtime.pool, lambda: runtime.loops.consumers)
    # Outermost: the body cap and the client's address come before anything reads the body.
    install_http_guards(app, runtime.settings)

    @app.get(
        "/health",
        tags=["operations"],
        summary="Liveness: the process runs and serves HTTP",
        description="Answers at once, whatever the database and the broker do: an outage is "
        "no reason to restart a service. For them, see /ready.",
    )
    async def health() -> dict[str, str]:
        return {"service": runtime.name, "status": "alive"}

    @app.get(
        "/ready",
        tags=["operations"],
        summary="Readiness: the database and Kafka answer (503 when one does not)",
        description="Each is asked within a second, both at once.",
    )
    async def ready() -> JSONResponse:
        try:
            status = await runtime.readiness()
        except TimeoutError:
            status = {"service": runtime.name, "database": False, "kafka": False}
        is_ready = status["database"] and status["kafka"]
        return JSONResponse(status, status_code=200 if is_ready else 503)

    app.include_router(deadletters_http.router)

    @app.get("/asyncapi", include_in_schema=False)
    async def asyncapi_page() -> HTMLResponse:
        return HTMLResponse(get_asyncapi_html(runtime.asyncapi().to_specification()))

    @app.get("/asyncapi.json", include_in_schema=False)
    async def asyncapi_document() -> JSONResponse:
        return JSONResponse(runtime.asyncapi().to_specification().to_jsonable())

    return app


def uvicorn_options(host: str, port: int) -> dict[str, Any]:
    """How every service's HTTP server runs (the bench's bare HTTP baseline runs under the same)."""
    # uvloop and httptools by name: "auto" would fall back to asyncio and h11 without a word
    # when they are missing, at a fraction of the speed.
    # Forwarded addresses are read by the app's own middleware, from RMA_TRUSTED_PROXIES only.
    return {
        "host": host,
        "port": port,
        "log_config": None,
        "loop": "uvloop",
        "http": "httptools",
        # Longer than the callers' keep-alive (httpx: 5 s, as uvicorn's default): with both at
        # 5 s a client reuses a connection the server is closing that instant ("Server
        # disconnected without sending a response", seen in the web panel's browser test).
        "timeout_keep_alive": 75,
        "proxy_headers": False,
    }


def serve(app: FastAPI, settings: ServiceSettings) -> None:
    """The entry point of every service process (`python -m services.<name>`)."""
    import uvicorn

    uvicorn.run(app, **uvicorn_options(settings.http_host, settings.http_port))
