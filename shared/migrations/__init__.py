"""The tables every service has (outbox, inbox, idempotency keys, token_not_before).

RENAMED: files renamed after databases had applied them (three shared `0002_`); the runner
brings those databases' bookkeeping to the new names instead of running the files again.
"""

RENAMED = {
    "0002_outbox_trace_context.sql": "0003_outbox_trace_context.sql",
    "0002_token_not_before.sql": "0004_token_not_before.sql",
}
