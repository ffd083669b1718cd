"""The send's span: in the trace of its email's event, recorded when spans are exported and not
when they would go nowhere (shared/tracing.py owns that rule for every span)."""

from __future__ import annotations

from dataclasses import dataclass, field

from opentelemetry import trace
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from services.notifications.adapters.memory import MemoryDatabase
from services.notifications.adapters.mime import OutgoingEmail
from services.notifications.bootstrap import memory_context
from services.notifications.delivery import MailDelivery
from services.notifications.settings import NotificationsSettings
from shared.tracing import tracer_provider
from tests.support.notifications_contract import NOW, new_email

TRACE_ID = 0x4BF92F3577B34DA6A3CE929D0E0E4736
EVENTS_TRACE = {"traceparent": f"00-{TRACE_ID:032x}-00f067aa0ba902b7-01"}
# The event's trace as services that export no spans pass it on: not sampled.
UNSAMPLED_TRACE = {"traceparent": f"00-{TRACE_ID:032x}-00f067aa0ba902b7-00"}


@dataclass
class SpanSeeingMailer:
    """Accepts every email, noting the span current while it was sent and whether it was
    recording then (an ended span records nothing any more)."""

    spans: list[trace.Span] = field(default_factory=list)
    recording: list[bool] = field(default_factory=list)

    async def send(self, message: OutgoingEmail) -> None:
        self.spans.append(trace.get_current_span())
        self.recording.append(trace.get_current_span().is_recording())


async def sent_with(
    tracer: trace.Tracer, events_trace: dict[str, str] = EVENTS_TRACE
) -> SpanSeeingMailer:
    database = MemoryDatabase()
    ctx = memory_context(NotificationsSettings(), database, clock=lambda: NOW)
    async with database.unit_of_work() as uow:
        await uow.emails.add_all([new_email(trace_context=events_trace)], NOW)
        await uow.commit()
    mailer = SpanSeeingMailer()
    assert await MailDelivery(ctx, mailer, tracer).send_due() == 1
    return mailer


async def test_a_send_is_a_span_in_its_events_trace_when_spans_are_exported() -> None:
    provider, exporter = tracer_provider("notifications", None), InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    mailer = await sent_with(provider.get_tracer("test"))
    [span] = exporter.get_finished_spans()
    assert span.name == "smtp send"
    assert span.kind is trace.SpanKind.CLIENT
    assert span.context is not None and span.context.trace_id == TRACE_ID
    assert mailer.spans[0].get_span_context().span_id == span.context.span_id
    assert mailer.recording == [True]


async def test_a_sends_span_is_not_recorded_when_spans_go_nowhere() -> None:
    tracer = tracer_provider("notifications", None).get_tracer("test")
    mailer = await sent_with(tracer, UNSAMPLED_TRACE)
    # Still the event's trace (its log lines and any traceparent carry it), but nothing kept.
    assert mailer.recording == [False]
    assert mailer.spans[0].get_span_context().trace_id == TRACE_ID
