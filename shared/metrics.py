"""Prometheus metrics of a service process, served at `/metrics` in the text format.

Each service has its own registry rather than the process-wide default, since the tests run
several services in one process. Two kinds of figures:
- counted as things happen: every handling attempt per subscriber, its time and errors (the
  consumer loop's `SubscriberMetrics`), HTTP requests (shared/http_metrics.py, as
  prometheus-fastapi-instrumentator's defaults counted them), messages dead-lettered;
- states read at every scrape: the outbox backlog and the age of its oldest unpublished event,
  the consumer lag per partition, and the gauges a service reads from its own database
  (claims per status, e-mails pending and failed).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import generate_latest

from shared.http_metrics import CountedRequests, HttpRequestMetrics
from shared.logging import get_logger

log = get_logger(__name__)

# A scrape answers within this time; a figure that could not be read keeps its last value.
_REFRESH_TIMEOUT_SECONDS = 5.0
# Neither of these is traffic worth counting: the scraper and the health checks poll them.
_UNCOUNTED_PATHS = ("/metrics", "/health")


@dataclass(frozen=True)
class DatabaseGauge:
    """A gauge read from the service's own database at every scrape.

    `query` (with `arguments`) returns one row per series: its label values in `labels` order,
    then the value.
    """

    name: str
    documentation: str
    query: str
    labels: tuple[str, ...] = ()
    arguments: tuple[Any, ...] = ()


class SubscriberMetrics:
    """One subscriber's series, bound once: each handling attempt (decoding and the handler; a
    message retried, then dead-lettered, counts each failed attempt as an error)."""

    def __init__(self, metrics: ServiceMetrics, handler: str) -> None:
        self._handler = handler
        self._exceptions = metrics.consumer_exceptions
        self._handled = metrics.consumer_attempts.labels(handler=handler, status="handled")
        self._failed = metrics.consumer_attempts.labels(handler=handler, status="error")
        self._duration = metrics.consumer_duration.labels(handler=handler)
        self._in_process = metrics.consumer_in_process.labels(handler=handler)

    @contextmanager
    def attempt(self) -> Iterator[None]:
        self._in_process.inc()
        started = time.perf_counter()
        try:
            yield
        except Exception as error:
            self._failed.inc()
            self._exceptions.labels(
                handler=self._handler, exception_type=type(error).__name__
            ).inc()
            raise
        else:
            self._handled.inc()
        finally:
            self._duration.observe(time.perf_counter() - started)
            self._in_process.dec()


class ServiceMetrics:
    def __init__(self, service: str) -> None:
        self.service = service
        self.registry = CollectorRegistry()
        self.dead_lettered = Counter(
            "rma_dead_lettered_messages",
            "Messages this service's consumers could not handle and sent to the dead-letter topic",
            ["source_topic"],
            registry=self.registry,
        )
        self.limit_refusals = Counter(
            "rma_rate_limit_refusals",
            "Requests a rate limit refused (guessing, email flooding), per limit",
            ["limit"],
            registry=self.registry,
        )
        self.outbox_unpublished = Gauge(
            "rma_outbox_unpublished_events",
            "Events committed to the outbox and not yet published to Kafka",
            registry=self.registry,
        )
        self.outbox_oldest_age = Gauge(
            "rma_outbox_oldest_unpublished_age_seconds",
            "Age of the oldest event waiting in the outbox (0 when none waits)",
            registry=self.registry,
        )
        self.consumer_lag = Gauge(
            "rma_kafka_consumer_lag_messages",
            "Messages on a partition not yet handled and committed by this service's consumer",
            ["topic", "partition"],
            registry=self.registry,
        )
        self.consumer_attempts = Counter(
            "rma_consumer_attempts",
            "Handling attempts of a subscriber's messages (decoding and handler), by outcome",
            ["handler", "status"],
            registry=self.registry,
        )
        self.consumer_exceptions = Counter(
            "rma_consumer_attempt_exceptions",
            "Failed handling attempts of a subscriber's messages, by the exception's type",
            ["handler", "exception_type"],
            registry=self.registry,
        )
        self.consumer_duration = Histogram(
            "rma_consumer_attempt_duration_seconds",
            "Time of one handling attempt of a subscriber's message (decoding and handler)",
            ["handler"],
            registry=self.registry,
        )
        self.consumer_in_process = Gauge(
            "rma_consumer_messages_in_process",
            "Messages a subscriber is handling now",
            ["handler"],
            registry=self.registry,
        )
        self._database_gauges: list[tuple[DatabaseGauge, Gauge]] = []

    def add_database_gauge(self, gauge: DatabaseGauge) -> None:
        metric = Gauge(gauge.name, gauge.documentation, gauge.labels, registry=self.registry)
        self._database_gauges.append((gauge, metric))

    def subscriber(self, topic: str) -> SubscriberMetrics:
        return SubscriberMetrics(self, topic)

    def count_limit_refusal(self, limit: str) -> None:
        self.limit_refusals.labels(limit=limit).inc()

    def count_dead_letter(self, source_topic: str) -> None:
        self.dead_lettered.labels(source_topic=source_topic).inc()

    async def refresh(
        self, pool: asyncpg.Pool | None, consumers: Sequence[AIOKafkaConsumer]
    ) -> None:
        """Read the states that are gauges; a part that fails is logged and keeps its value."""
        parts = [self._refresh_lag(consumers)]
        if pool is not None:
            parts += [self._refresh_outbox(pool), self._refresh_database_gauges(pool)]
        for part in parts:
            try:
                async with asyncio.timeout(_REFRESH_TIMEOUT_SECONDS):
                    await part
            except Exception as error:
                log.warning("metrics not refreshed", error=repr(error))

    def render(self) -> bytes:
        return generate_latest(self.registry)

    def serve(
        self,
        app: FastAPI,
        pool: Callable[[], asyncpg.Pool | None],
        consumers: Callable[[], Sequence[AIOKafkaConsumer]],
    ) -> None:
        """`consumers`: the Kafka consumers of the service's subscribers now (for their lag)."""
        serve_metrics(app, self.registry, lambda: self.refresh(pool(), consumers()))

    async def _refresh_outbox(self, pool: asyncpg.Pool) -> None:
        row = await pool.fetchrow(
            """SELECT count(*) AS backlog,
                      coalesce(extract(epoch FROM now() - min(created_at)), 0) AS oldest_age
               FROM outbox WHERE published_at IS NULL"""
        )
        assert row is not None
        self.outbox_unpublished.set(row["backlog"])
        self.outbox_oldest_age.set(float(row["oldest_age"]))

    async def _refresh_database_gauges(self, pool: asyncpg.Pool) -> None:
        for gauge, metric in self._database_gauges:
            rows = await pool.fetch(gauge.query, *gauge.arguments)
            # Replaced whole, so a series whose rows disappeared does not linger.
            metric.clear()
            for row in rows:
                *label_values, value = tuple(row)
                if gauge.labels:
                    metric.labels(*(str(label) for label in label_values)).set(value)
                else:
                    metric.set(value)

    async def _refresh_lag(self, consumers: Sequence[AIOKafkaConsumer]) -> None:
        lags: dict[tuple[str, int], int] = {}
        for consumer in consumers:
            lags.update(await partition_lags(consumer, consumer.assignment()))
        self.consumer_lag.clear()
        for (topic, partition), lag in lags.items():
            self.consumer_lag.labels(topic=topic, partition=str(partition)).set(lag)


async def partition_lags(
    consumer: AIOKafkaConsumer, partitions: Sequence[TopicPartition] | set[TopicPartition]
) -> dict[tuple[str, int], int]:
    """End offset minus committed offset of each partition the consumer has fetched from."""
    lags: dict[tuple[str, int], int] = {}
    for partition in partitions:
        end = consumer.highwater(partition)
        if end is None:
            continue  # nothing fetched from it yet
        committed = await consumer.committed(partition)
        if committed is None:
            committed = await consumer.position(partition)
        lags[(partition.topic, partition.partition)] = max(end - committed, 0)
    return lags


def serve_metrics(
    app: FastAPI,
    registry: CollectorRegistry | None = None,
    refresh: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Count the app's HTTP requests into `registry` (a new one by default: the web panel's) and
    serve it at `/metrics`, after `refresh` has read the gauges that are states."""
    if registry is None:
        registry = CollectorRegistry()
    app.add_middleware(
        CountedRequests, metrics=HttpRequestMetrics(registry), uncounted=_UNCOUNTED_PATHS
    )

    @app.get(
        "/metrics",
        tags=["operations"],
        summary="Prometheus metrics of this service",
        response_class=PlainTextResponse,  # documented as the text format it is
    )
    async def metrics() -> Response:
        if refresh is not None:
            await refresh()
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
