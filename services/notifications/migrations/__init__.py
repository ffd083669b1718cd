"""The notifications service's tables.

RENAMED: files renamed after databases had applied them (two `0003_`); the runner brings those
databases' bookkeeping to the new names instead of running the files again.
"""

RENAMED = {
    "0003_email_trace_context.sql": "0004_email_trace_context.sql",
    "0004_pending_emails_in_order.sql": "0005_pending_emails_in_order.sql",
}
