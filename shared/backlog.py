"""Whether a backlog is being read: the rule by which batching that waits stops waiting.

A consumer's fetch that gathers (shared/subscriptions.py, FetchGathering) and the outbox relay
that lingers (shared/outbox.py) both wait, at a few events a second, for more to come in one
batch. On a backlog more is there already, and the wait would only hold its end back: for a
while after a full batch (the consumer's 64 KiB, the relay's 50 events) neither waits.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class BacklogWindow:
    """`active` for `seconds` after the last batch of at least `full` (bytes, events)."""

    def __init__(
        self, full: int, seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.full = full
        self._seconds = seconds
        self._clock = clock
        self._seen_at: float | None = None

    def saw(self, size: int) -> None:
        """A batch of `size` came."""
        if size >= self.full:
            self._seen_at = self._clock()

    @property
    def active(self) -> bool:
        seen_at = self._seen_at
        return seen_at is not None and self._clock() - seen_at < self._seconds
