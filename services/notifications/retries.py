"""When a refused email is tried again (pure: no I/O).

Exactly-once delivery across SMTP is impossible; see delivery.MailDelivery for what is guaranteed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class RetryPolicy:
    first_delay: timedelta
    max_delay: timedelta
    retry_for: timedelta

    def next_attempt(
        self, *, attempts: int, retry_from: datetime, now: datetime, permanent: bool
    ) -> datetime | None:
        """When to try again after `attempts` failed tries, or None to give the email up: a
        permanent refusal at once, a temporary one once retrying would outlast `retry_for`."""
        if permanent:
            return None
        # The exponent is bounded: timedelta overflows long before 2**500.
        delay = min(self.first_delay * 2 ** min(max(attempts - 1, 0), 40), self.max_delay)
        retry_at: datetime = now + delay
        if retry_at - retry_from > self.retry_for:
            return None
        return retry_at
