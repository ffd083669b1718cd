"""What every service process runs: its database, Kafka consumers, outbox relay and HTTP API.

A service builds one `ServiceRuntime`, registers its subscribers with `runtime.subscriber` and
its HTTP routes on the FastAPI app that `create_app` returns. The FastAPI lifespan starts, in
order: the database (created if missing, migrated), the Kafka topics, the outbox relay and the
broker's consumers; it stops them in reverse order, so no handler runs without its database.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import asyncpg
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from fastapi import FastAPI
from fastapi.responses import HTMLResponse, JSONResponse
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.specification import AsyncAPI
from faststream.specification.asyncapi.site import get_asyncapi_html

from shared import topics
from shared.consumer import dead_letter_middleware
from shared.db import close_pool, create_pool, ensure_database, migrate
from shared.kafka import KafkaConnectionSettings, broker_security, client_options
from shared.logging import configure_logging, get_logger
from shared.outbox import OutboxRelay, new_producer
from shared.settings import ServiceSettings

log = get_logger(__name__)
Handler = TypeVar("Handler", bound=Callable[..., Awaitable[None]])


async def ensure_topics(
    bootstrap_servers: str,
    names: Sequence[str] = topics.ALL,
    partitions: int = 3,
    replication_factor: int = 1,
    min_insync_replicas: int = 1,
    connection: KafkaConnectionSettings | None = None,
) -> None:
    """Create the platform's topics if missing; an existing topic is left as it is."""
    admin = AIOKafkaAdminClient(**client_options(bootstrap_servers, connection))
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [
            NewTopic(
                name,
                num_partitions=partitions,
                replication_factor=replication_factor,
                topic_configs={"min.insync.replicas": str(min_insync_replicas)},
            )
            for name in names
            if name not in existing
        ]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(missing)
    finally:
        await admin.close()


@dataclass
class ServiceRuntime:
    name: str
    settings: ServiceSettings
    migrations_package: str
    broker: KafkaBroker = field(init=False)
    pool: asyncpg.Pool | None = field(default=None, init=False)
    relay: OutboxRelay | None = field(default=None, init=False)
    on_started: list[Callable[[ServiceRuntime], Awaitable[None]]] = field(default_factory=list)
    on_stopping: list[Callable[[ServiceRuntime], Awaitable[None]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.broker = KafkaBroker(
            self.settings.kafka_bootstrap_servers,
            security=broker_security(self.settings),
            client_id=self.name,
            enable_idempotence=True,
            acks="all",
            logger=get_logger(f"faststream.{self.name}"),
            middlewares=[
                dead_letter_middleware(
                    lambda: self.broker,
                    consumer_group=self.settings.consumer_group or self.name,
                    max_attempts=self.settings.consumer_max_attempts,
                )
            ],
        )

    @property
    def db(self) -> asyncpg.Pool:
        if self.pool is None:
            raise RuntimeError(f"{self.name}: the database pool is not started")
        return self.pool

    def subscriber(self, topic: str, *, description: str) -> Callable[[Handler], Handler]:
        """A consumer of `topic` in this service's group, committing only after its effect."""
        decorator: Callable[[Handler], Handler] = self.broker.subscriber(  # type: ignore[assignment]
            topic,
            group_id=self.settings.consumer_group or self.name,
            ack_policy=AckPolicy.NACK_ON_ERROR,
            auto_offset_reset="earliest",
            description=description,
        )
        return decorator

    def publishes(self, topic: str, schema: Any, *, description: str) -> None:
        """Declare, for the AsyncAPI document, events this service publishes (via its outbox)."""
        self.broker.publisher(topic, schema=schema, description=description)

    @asynccontextmanager
    async def running(self) -> AsyncIterator[ServiceRuntime]:
        settings = self.settings
        await ensure_database(settings.database_url)
        self.pool = await create_pool(settings.database_url, max_size=settings.database_pool_size)
        producer = new_producer(
            settings.kafka_bootstrap_servers, client_id=f"{self.name}-outbox", connection=settings
        )
        try:
            await migrate(self.pool, self.migrations_package)
            await ensure_topics(
                settings.kafka_bootstrap_servers,
                partitions=settings.topic_partitions,
                replication_factor=settings.topic_replication_factor,
                min_insync_replicas=settings.topic_min_insync_replicas,
                connection=settings,
            )
            await producer.start()
            self.relay = OutboxRelay(self.pool, producer)
            await self.relay.start()
            await self.broker.start()
            for hook in self.on_started:
                await hook(self)
            log.info("service started", service=self.name)
            yield self
        finally:
            for hook in self.on_stopping:
                with contextlib.suppress(Exception):
                    await hook(self)
            await self.broker.stop()
            if self.relay is not None:
                await self.relay.stop()
            await producer.stop()
            await close_pool(self.pool)
            log.info("service stopped", service=self.name)

    async def health(self) -> dict[str, Any]:
        database = False
        if self.pool is not None:
            with contextlib.suppress(Exception):
                database = await asyncio.wait_for(self.pool.fetchval("SELECT true"), 2) is True
        kafka = await self.broker.ping(timeout=2)
        return {"service": self.name, "database": database, "kafka": kafka}

    def asyncapi(self) -> AsyncAPI:
        return AsyncAPI(
            self.broker,
            title=f"RMA {self.name} events",
            description=f"Events consumed and published by the {self.name} service",
        )


def create_app(runtime: ServiceRuntime, *, title: str, description: str) -> FastAPI:
    configure_logging(runtime.name, runtime.settings.log_level, runtime.settings.log_format)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async with runtime.running():
            yield

    app = FastAPI(title=title, description=description, lifespan=lifespan)
    app.state.runtime = runtime

    @app.get("/health", tags=["operations"], summary="Database and Kafka reachability")
    async def health() -> JSONResponse:
        status = await runtime.health()
        healthy = status["database"] and status["kafka"]
        return JSONResponse(status, status_code=200 if healthy else 503)

    @app.get("/asyncapi", include_in_schema=False)
    async def asyncapi_page() -> HTMLResponse:
        return HTMLResponse(get_asyncapi_html(runtime.asyncapi().to_specification()))

    @app.get("/asyncapi.json", include_in_schema=False)
    async def asyncapi_document() -> JSONResponse:
        return JSONResponse(runtime.asyncapi().to_specification().to_jsonable())

    return app


def serve(app: FastAPI, settings: ServiceSettings) -> None:
    """The entry point of every service process (`python -m services.<name>`)."""
    import uvicorn

    uvicorn.run(app, host=settings.http_host, port=settings.http_port, log_config=None)
