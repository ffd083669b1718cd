"""Helpers both the tools (bench, chaos) and the tests use: the test servers (`stack`), the
services as processes (`services`), Kafka (`kafka`), sales (`sales`), the mailbox (`mailbox`)
and an SMTP relay that can hold an answer (`smtp_relay`).

The tests import these; nothing here imports `tests`, so the arrow points one way only.
"""
