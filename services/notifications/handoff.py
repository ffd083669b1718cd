"""The hand-off: emails the consumer queued already taken for this process's sender, handed to
it in memory once their transaction committed (issue 27, item 3).

Before, each email went from the consumer's INSERT (and its NOTIFY) to a take of the sender's,
which claimed it and read its bodies back from the table: on a backlog a statement per few
emails, at a few claims a second a statement and a notification per email. Now the consumer's
one INSERT of its batch writes the emails as that take would have left them (an attempt
counted, claimed by this sender), and the sender sends what the consumer composed. The row in
the queue stays the truth:
- a batch rolled back hands nothing (the hand-off follows the commit: shared/inbox.py);
- a crash before the send leaves the email to any sender once its claim expires, as a crash
  after a take does (the claim: the take's, plus `WINDOW`);
- an email the sender reaches too late to send within the take's claim (more than `WINDOW`
  after it was queued), and whatever is still here when the sender stops, is released to the
  queue, due at once for any sender (`EmailQueue.release`).
The consumer hands emails over only while the sender runs and the SMTP server is not refusing,
and no more than `limit` at a time; otherwise it queues them as before.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.notifications.unit_of_work import QueuedEmail

# How long after it was queued a handed email may still start its send under its claim.
WINDOW = timedelta(seconds=15)


@dataclass(frozen=True)
class Handed:
    email: QueuedEmail
    claimed_until: datetime


class Handoff:
    def __init__(self, limit: int = 1000) -> None:
        self._handed: deque[Handed] = deque()
        self._limit = limit
        self._wake: Callable[[], None] | None = None  # the sender's, while it runs
        self.refusing = False  # the SMTP server refuses: the queue's backoff decides

    def open(self, wake: Callable[[], None]) -> None:
        self._wake = wake

    def close(self) -> list[Handed]:
        """No more hand-offs; what was handed and not taken (to be released)."""
        self._wake = None
        return self.take(len(self._handed))

    def has_room(self, count: int) -> bool:
        running = self._wake is not None
        return running and not self.refusing and len(self._handed) + count <= self._limit

    def hand(self, emails: list[QueuedEmail], claimed_until: datetime) -> None:
        """The emails of a committed transaction, claimed until `claimed_until`. A transaction
        that committed after the sender stopped leaves its emails to their claim's expiry."""
        if not emails or self._wake is None:
            return
        self._handed.extend(Handed(email, claimed_until) for email in emails)
        self._wake()

    def take(self, limit: int) -> list[Handed]:
        taken: list[Handed] = []
        while self._handed and len(taken) < limit:
            taken.append(self._handed.popleft())
        return taken

    def __len__(self) -> int:
        return len(self._handed)
