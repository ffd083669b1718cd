"""Spans go over OTLP/HTTP to a configured endpoint and nowhere without one; a stored trace
context continues its trace; log lines carry the trace id beside correlation_id."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import structlog
from opentelemetry import trace
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from shared.logging import configure_logging
from shared.tracing import (
    consumer_span,
    current_trace_context,
    span_from_stored_context,
    tracer_provider,
)


class Collector(ThreadingHTTPServer):
    """A loopback stand-in for an OpenTelemetry collector: keeps what is POSTed to it."""

    def __init__(self) -> None:
        self.received: list[tuple[str, str, bytes]] = []
        collector = self

        class Receive(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                collector.received.append((self.path, self.headers["Content-Type"], body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_: object) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Receive)


@pytest.fixture
def collector() -> Iterator[Collector]:
    server = Collector()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_spans_are_exported_over_otlp_to_the_configured_endpoint(collector: Collector) -> None:
    host, port = collector.server_address[:2]
    provider = tracer_provider("claims", f"http://{host!s}:{port}/")
    with provider.get_tracer("test").start_as_current_span("POST /api/claims"):
        pass
    assert provider.force_flush(10_000)
    [(path, content_type, body)] = collector.received
    assert path == "/v1/traces" and content_type == "application/x-protobuf"
    request = ExportTraceServiceRequest.FromString(body)
    [resource_spans] = request.resource_spans
    service = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
    assert service["service.name"] == "claims"
    assert [span.name for scope in resource_spans.scope_spans for span in scope.spans] == [
        "POST /api/claims"
    ]
    provider.shutdown()


def test_without_an_endpoint_nothing_is_exported() -> None:
    provider = tracer_provider("claims", None)
    assert provider._active_span_processor._span_processors == ()


_QUERIES_TRACED = """
import sys
from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
from shared.tracing import tracer_provider
tracer_provider("claims", sys.argv[1] or None)
print(AsyncPGInstrumentor().is_instrumented_by_opentelemetry)
"""


@pytest.mark.parametrize(("endpoint", "traced"), [("", "False"), ("http://127.0.0.1:9/", "True")])
def test_queries_get_spans_only_where_they_are_exported(endpoint: str, traced: str) -> None:
    # asyncpg's instrumentation is process-wide: a fresh process shows what one service does.
    run = subprocess.run(
        [sys.executable, "-c", _QUERIES_TRACED, endpoint],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert run.stdout.strip() == traced


def test_a_stored_context_continues_its_trace() -> None:
    provider = tracer_provider("claims", None)
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("POST /api/claims"):
        stored = current_trace_context()
    assert stored["traceparent"].startswith("00-")
    with span_from_stored_context(tracer, "rma.claims.v1 publish", stored) as headers:
        pass
    request, publish = sorted(exporter.get_finished_spans(), key=lambda s: s.start_time or 0)
    assert request.context is not None and publish.context is not None
    assert publish.context.trace_id == request.context.trace_id
    assert publish.parent is not None and publish.parent.span_id == request.context.span_id
    assert headers["traceparent"].split("-")[2] == f"{publish.context.span_id:016x}"


def test_log_lines_carry_the_trace_id(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("unit", fmt="json")
    tracer = tracer_provider("claims", None).get_tracer("test")
    with tracer.start_as_current_span("work") as span:
        structlog.get_logger().info("event handled", correlation_id="c-1")
    structlog.get_logger().info("outside any span")
    inside, outside = (json.loads(line) for line in capsys.readouterr().err.splitlines()[-2:])
    assert inside["trace_id"] == f"{span.get_span_context().trace_id:032x}"
    assert inside["span_id"] == f"{span.get_span_context().span_id:016x}"
    assert inside["correlation_id"] == "c-1"
    assert "trace_id" not in outside


def test_a_query_outside_any_request_or_message_starts_no_trace() -> None:
    provider = tracer_provider("claims", None)
    provider.add_span_processor(SimpleSpanProcessor(InMemorySpanExporter()))
    tracer = provider.get_tracer("test")
    poll = tracer.start_span("SELECT", attributes={"db.system": "postgresql"})
    assert not poll.is_recording()
    with tracer.start_as_current_span("rma.claims.v1 process"):
        query = tracer.start_span("SELECT", attributes={"db.system": "postgresql"})
        assert query.is_recording()


def test_spans_that_go_nowhere_are_not_recorded_but_keep_their_ids() -> None:
    tracer = tracer_provider("claims", None).get_tracer("test")
    with tracer.start_as_current_span("POST /api/claims") as request:
        stored = current_trace_context()
        child = tracer.start_span("rma.claims.v1 publish")
    assert not request.is_recording() and not child.is_recording()
    ids = request.get_span_context()
    assert ids.is_valid and child.get_span_context().trace_id == ids.trace_id
    # The traceparent goes on with the request's ids, unsampled.
    _, trace_id, span_id, flags = stored["traceparent"].split("-")
    assert (trace_id, span_id) == (f"{ids.trace_id:032x}", f"{ids.span_id:016x}")
    assert not _sampled(flags)


def test_a_processor_added_later_records_from_then_on() -> None:
    provider = tracer_provider("claims", None)
    tracer = provider.get_tracer("test")
    assert not tracer.start_span("before").is_recording()
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    with tracer.start_as_current_span("after"):
        pass
    assert [span.name for span in exporter.get_finished_spans()] == ["after"]


def test_a_sampled_callers_trace_is_recorded_even_where_spans_go_nowhere() -> None:
    """A service that exports called one that does not: the chain stays sampled downstream."""
    exporting = tracer_provider("web", None)
    exporting.add_span_processor(SimpleSpanProcessor(InMemorySpanExporter()))
    with exporting.get_tracer("test").start_as_current_span("GET /claims"):
        caller = current_trace_context()
    tracer = tracer_provider("claims", None).get_tracer("test")
    with span_from_stored_context(tracer, "POST /api/claims", caller) as downstream:
        pass
    assert _sampled(caller["traceparent"].split("-")[3])
    assert _sampled(downstream["traceparent"].split("-")[3])


def _sampled(flags: str) -> bool:
    return bool(int(flags, 16) & 0x01)


UNSAMPLED_CALLER = {"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00"}


def test_work_under_an_unsampled_caller_goes_on_in_its_span_where_nothing_records() -> None:
    """No span of its own for a record, a publish or a send that nobody would record: the
    caller's ids carry on, in the logs and in the traceparent passed further."""
    tracer = tracer_provider("notifications", None).get_tracer("test")
    with span_from_stored_context(tracer, "send", UNSAMPLED_CALLER) as headers:
        inside = trace.get_current_span().get_span_context()
    with consumer_span(
        tracer, UNSAMPLED_CALLER, topic="rma.claims.v1", partition=0, offset=7, consumer_group="g"
    ):
        handled = trace.get_current_span().get_span_context()
    assert headers == UNSAMPLED_CALLER
    for ids in (inside, handled):
        assert (f"{ids.trace_id:032x}", f"{ids.span_id:016x}") == (
            "0af7651916cd43dd8448eb211c80319c",
            "b7ad6b7169203331",
        )
    assert not trace.get_current_span().get_span_context().is_valid  # left as it was


def test_work_under_an_unsampled_caller_gets_its_span_where_spans_are_exported() -> None:
    """An exporting service keeps a span per send (unrecorded, as its caller's trace is not
    sampled: its ids are its own)."""
    provider = tracer_provider("notifications", None)
    provider.add_span_processor(SimpleSpanProcessor(InMemorySpanExporter()))
    tracer = provider.get_tracer("test")
    with span_from_stored_context(tracer, "send", UNSAMPLED_CALLER) as headers:
        pass
    _, trace_id, span_id, _ = headers["traceparent"].split("-")
    assert trace_id == "0af7651916cd43dd8448eb211c80319c"
    assert span_id != "b7ad6b7169203331"


def test_a_record_without_a_trace_gets_a_span_and_so_a_trace_id() -> None:
    tracer = tracer_provider("warranty", None).get_tracer("test")
    record = {"topic": "rma.claims.v1", "partition": 0, "offset": 1, "consumer_group": "g"}
    with consumer_span(tracer, {}, **record):  # type: ignore[arg-type]
        assert trace.get_current_span().get_span_context().is_valid
