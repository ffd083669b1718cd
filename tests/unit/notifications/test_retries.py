"""Which SMTP failures are retried, for how long, and how far apart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import aiosmtplib
import pytest

from services.notifications.adapters.smtp import is_permanent
from services.notifications.retries import RetryPolicy

POLICY = RetryPolicy(
    first_delay=timedelta(seconds=2),
    max_delay=timedelta(minutes=10),
    retry_for=timedelta(days=3),
)
START = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_delays_double_up_to_the_cap() -> None:
    delays = [
        POLICY.next_attempt(attempts=n, retry_from=START, now=START, permanent=False)
        for n in range(1, 12)
    ]
    assert [(d - START).total_seconds() for d in delays if d is not None] == [
        2,
        4,
        8,
        16,
        32,
        64,
        128,
        256,
        512,
        600,
        600,
    ]


def test_a_temporary_refusal_is_retried_for_days_then_given_up() -> None:
    two_days_on = START + timedelta(days=2)
    assert POLICY.next_attempt(attempts=400, retry_from=START, now=two_days_on, permanent=False)
    past = START + timedelta(days=3) - timedelta(minutes=5)
    assert POLICY.next_attempt(attempts=500, retry_from=START, now=past, permanent=False) is None


def test_a_permanent_refusal_is_given_up_at_once() -> None:
    assert POLICY.next_attempt(attempts=1, retry_from=START, now=START, permanent=True) is None


@pytest.mark.parametrize(
    ("error", "permanent"),
    [
        (aiosmtplib.SMTPDataError(451, "try later"), False),
        (aiosmtplib.SMTPDataError(550, "no such user"), True),
        (aiosmtplib.SMTPSenderRefused(421, "closing", "a@b"), False),
        (
            aiosmtplib.SMTPRecipientsRefused([aiosmtplib.SMTPRecipientRefused(550, "x", "a@b")]),
            True,
        ),
        (
            aiosmtplib.SMTPRecipientsRefused([aiosmtplib.SMTPRecipientRefused(450, "x", "a@b")]),
            False,
        ),
        (aiosmtplib.SMTPConnectError("refused"), False),
        (aiosmtplib.SMTPServerDisconnected("gone"), False),
        (aiosmtplib.SMTPTimeoutError("slow"), False),
        (ConnectionRefusedError(111, "refused"), False),
    ],
)
def test_only_5xx_answers_are_permanent(error: Exception, permanent: bool) -> None:
    assert is_permanent(error) is permanent
