-- The trace of the request or handler that wrote the event (W3C traceparent/tracestate), so the
-- relay publishes it into the same trace however much later it runs.
ALTER TABLE outbox ADD COLUMN trace_context jsonb NOT NULL DEFAULT '{}';
