"""The send's span: in the trace of its email's event when spans are exported, and not made at
all when they would go nowhere (no log line is written inside it, so it would only cost CPU)."""

from __future__ import annotations

from dataclasses import dataclass, field

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from services.notifications.adapters.memory import MemoryDatabase
from services.notifications.adapters.mime import OutgoingEmail
from services.notifications.bootstrap import memory_context
from services.notifications.delivery import MailDelivery, exporting_tracer
from services.notifications.settings import NotificationsSettings
from tests.support.notifications_contract import NOW, new_email

TRACE_ID = 0x4BF92F3577B34DA6A3CE929D0E0E4736
EVENTS_TRACE = {"traceparent": f"00-{TRACE_ID:032x}-00f067aa0ba902b7-01"}


@dataclass
class SpanSeeingMailer:
    """Accepts every email, noting the span current while it was sent."""

    spans: list[trace.Span] = field(default_factory=list)

    async def send(self, message: OutgoingEmail) -> None:
        self.spans.append(trace.get_current_span())


async def sent_with(tracer: trace.Tracer | None) -> SpanSeeingMailer:
    database = MemoryDatabase()
    ctx = memory_context(NotificationsSettings(), database, clock=lambda: NOW)
    async with database.unit_of_work() as uow:
        await uow.emails.add_all([new_email(trace_context=EVENTS_TRACE)], NOW)
        await uow.commit()
    mailer = SpanSeeingMailer()
    assert await MailDelivery(ctx, mailer, tracer).send_due() == 1
    return mailer


async def test_a_send_is_a_span_in_its_events_trace_when_spans_are_exported() -> None:
    provider, exporter = TracerProvider(), InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    mailer = await sent_with(exporting_tracer(provider))
    [span] = exporter.get_finished_spans()
    assert span.name == "smtp send"
    assert span.kind is trace.SpanKind.CLIENT
    assert span.context is not None and span.context.trace_id == TRACE_ID
    assert mailer.spans[0].get_span_context().span_id == span.context.span_id


async def test_no_span_is_made_for_a_send_when_spans_go_nowhere() -> None:
    assert exporting_tracer(TracerProvider()) is None
    mailer = await sent_with(None)
    # Not even a non-recording one carrying the event's trace: nothing was started.
    assert not mailer.spans[0].get_span_context().is_valid
