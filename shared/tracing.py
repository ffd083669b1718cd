"""OpenTelemetry traces: one claim is one trace, from the customer's POST to the SMTP send.

The trace context (W3C `traceparent`) travels
- in HTTP headers: FastAPI's instrumentation reads it, the web panel's httpx calls send it;
- from the request or handler that writes an event into its outbox row (`trace_context`), so
  the relay, later and in another task, publishes the event as a child of that span;
- in Kafka headers, which the consumer loop reads into a span around every record's handling
  (`consumer_span`);
- from the handler that records an e-mail into its row, so the SMTP send joins the trace too.

Each service has its own tracer provider (the tests run several services in one process).
Spans are exported over OTLP/HTTP when `RMA_OTLP_ENDPOINT` is set and nowhere otherwise. Spans
are recorded only while they go somewhere (a processor is added: the exporter, or a test's):
otherwise each request still gets its span's ids, so logs carry the trace id and the
`traceparent` travels on, but nothing is recorded for nobody (issue 27: a recorded span cost
about 13 µs, FastAPI's request span about 90 µs); a record's handling, a relay's publish and an
email's send under such a caller start no span of their own and carry on in the caller's. A
span per database query only when it is exported: no log line is written inside one, and making
them cost a consumer up to a fifth of its CPU (issue 15).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping, Sequence
from contextlib import contextmanager
from typing import Any

from fastapi import FastAPI
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import (
    ALWAYS_ON,
    Decision,
    ParentBased,
    Sampler,
    SamplingResult,
)
from opentelemetry.trace import Link, SpanKind, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from opentelemetry.util.types import Attributes

_PROPAGATOR = TraceContextTextMapPropagator()
# The attribute naming the database of a query's span, in the old and the new conventions.
_DATABASE_SYSTEM = frozenset({"db.system", "db.system.name"})
# Polled by nobody's request: the scraper, the health checks.
_UNTRACED_URLS = "/metrics,/health"


class _NoRootDatabaseSpans(Sampler):
    """Queries that belong to no request or message (the outbox relay's and the mail sender's
    polls, the metrics' reads) would each start a trace of one span: they are not recorded.
    Until `exporting`, no span is recorded but the child of a sampled caller's (a service that
    exports), so that its trace stays whole downstream."""

    def __init__(self) -> None:
        self._delegate = ParentBased(ALWAYS_ON)
        self.exporting = False

    def should_sample(
        self,
        parent_context: otel_context.Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: trace.TraceState | None = None,
    ) -> SamplingResult:
        parent = trace.get_current_span(parent_context).get_span_context()
        if not self.exporting and not parent.trace_flags.sampled:
            return SamplingResult(Decision.DROP)
        if not parent.is_valid and attributes and _DATABASE_SYSTEM.intersection(attributes):
            return SamplingResult(Decision.DROP)
        return self._delegate.should_sample(
            parent_context, trace_id, name, kind, attributes, links, trace_state
        )

    def get_description(self) -> str:
        return "NoRootDatabaseSpans"


class _RecordingWhenExported(TracerProvider):
    """Its sampler records spans once a processor takes them (see the module's docstring)."""

    def __init__(self, service: str) -> None:
        self._spans_sampler = _NoRootDatabaseSpans()
        super().__init__(
            resource=Resource.create({SERVICE_NAME: service}), sampler=self._spans_sampler
        )

    def add_span_processor(self, span_processor: SpanProcessor) -> None:
        super().add_span_processor(span_processor)
        self._spans_sampler.exporting = True


def tracer_provider(service: str, otlp_endpoint: str | None) -> TracerProvider:
    """The service's tracer provider, exporting to `otlp_endpoint` (the collector's base URL)."""
    provider = _RecordingWhenExported(service)
    if otlp_endpoint:
        # Imported only when used: the exporter and its protobuf add to every start-up.
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter(endpoint=f"{otlp_endpoint.rstrip('/')}/v1/traces")
        provider.add_span_processor(BatchSpanProcessor(exporter))
        _instrument_queries(provider)
    _set_process_provider(provider)
    return provider


_process_provider_set = False


def _set_process_provider(provider: TracerProvider) -> None:
    """The first service's provider is the process's: outside the tests a process runs one
    service (OpenTelemetry refuses, with a warning, to set it twice)."""
    global _process_provider_set
    if not _process_provider_set:
        trace.set_tracer_provider(provider)
        _process_provider_set = True


def _instrument_queries(provider: TracerProvider) -> None:
    """asyncpg is instrumented once for the whole process, with the first exporting provider."""
    instrumentor = AsyncPGInstrumentor()  # type: ignore[no-untyped-call]
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument(tracer_provider=provider)


def instrument_http_app(app: FastAPI, provider: TracerProvider) -> None:
    """A server span for every request, child of the caller's `traceparent` if it sent one.

    Without a span per ASGI message sent and received: an upload arrives in many chunks, and
    each would be a span of its own (the server span still has the status and the timing)."""
    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=provider,
        excluded_urls=_UNTRACED_URLS,
        exclude_spans=["receive", "send"],
    )


def trace_web_panel(app: FastAPI, otlp_endpoint: str | None) -> None:
    """The web panel's requests start the traces, and its calls to the APIs carry them on.

    httpx is instrumented for the whole process, like asyncpg; the provider is kept in
    `app.state.tracer_provider`.
    """
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor  # the web panel's only

    provider = tracer_provider("web", otlp_endpoint)
    instrument_http_app(app, provider)
    clients = HTTPXClientInstrumentor()
    if not clients.is_instrumented_by_opentelemetry:
        clients.instrument(tracer_provider=provider)
    app.state.tracer_provider = provider


def _recorded_nowhere(tracer: Tracer, parent: otel_context.Context) -> bool:
    """Whether a span under `parent` would be recorded by nobody: its service exports nothing
    and its caller's trace is not sampled (`_NoRootDatabaseSpans` drops it). Such a span cost
    a record's handling, a relay's publish or an email's send 9 µs for nothing but new ids
    (issue 27): the work goes on in the caller's span instead, whose ids the logs carry and the
    `traceparent` takes on. A record without a trace still gets a span, and so a trace id."""
    sampler = getattr(tracer, "sampler", None)
    if not isinstance(sampler, _NoRootDatabaseSpans) or sampler.exporting:
        return False
    caller = trace.get_current_span(parent).get_span_context()
    return caller.is_valid and not caller.trace_flags.sampled


@contextmanager
def _within(parent: otel_context.Context) -> Iterator[None]:
    token = otel_context.attach(parent)
    try:
        yield
    finally:
        otel_context.detach(token)


def current_trace_context() -> dict[str, str]:
    """The current span's context as W3C headers, to be stored beside an event or an e-mail."""
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    return carrier


@contextmanager
def span_from_stored_context(
    tracer: Tracer,
    name: str,
    stored: Mapping[str, str] | None,
    *,
    kind: SpanKind = SpanKind.INTERNAL,
    attributes: Attributes = None,
) -> Iterator[dict[str, str]]:
    """A span that continues the trace stored with a row; yields its own context as W3C
    headers, for a message that carries the trace further."""
    parent = _PROPAGATOR.extract(dict(stored or {}))
    if _recorded_nowhere(tracer, parent):
        with _within(parent):
            yield current_trace_context()
        return
    with tracer.start_as_current_span(name, context=parent, kind=kind, attributes=attributes):
        yield current_trace_context()


@contextmanager
def consumer_span(
    tracer: Tracer,
    headers: Mapping[str, str],
    *,
    topic: str,
    partition: int,
    offset: int,
    consumer_group: str,
) -> Iterator[None]:
    """The span of one record's handling, a child of the producer's span its headers carry
    (named and described as FastStream's telemetry middleware did: "<topic> process")."""
    parent = _PROPAGATOR.extract(headers)
    if _recorded_nowhere(tracer, parent):
        with _within(parent):
            yield
        return
    attributes: dict[str, str | int] = {
        "messaging.system": "kafka",
        "messaging.operation": "process",
        "messaging.destination.name": topic,
        "messaging.consumer.group.name": consumer_group,
        "messaging.kafka.destination.partition": partition,
        "messaging.kafka.message.offset": offset,
        "messaging.message.id": headers.get("event_id", ""),
        "messaging.message.conversation_id": headers.get("correlation_id", ""),
    }
    with tracer.start_as_current_span(
        f"{topic} process", context=parent, kind=SpanKind.CONSUMER, attributes=attributes
    ):
        yield


def add_trace_ids(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: the trace and span of the line, beside its correlation_id."""
    span_context = trace.get_current_span().get_span_context()
    if span_context.is_valid:
        event_dict.setdefault("trace_id", trace.format_trace_id(span_context.trace_id))
        event_dict.setdefault("span_id", trace.format_span_id(span_context.span_id))
    return event_dict
