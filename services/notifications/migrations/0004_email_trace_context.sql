-- The trace of the event that asked for the e-mail (W3C traceparent), so its SMTP send, done
-- later by the mail sender, joins the claim's trace.
ALTER TABLE emails ADD COLUMN trace_context jsonb NOT NULL DEFAULT '{}';
