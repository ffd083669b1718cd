"""One log line when a dependency goes away and one when it is back, instead of one per failure.

A 26-second broker outage once wrote thousands of error lines per service; operators need two:
when it started (with the first error) and when it ended (with how long and how many failures).
"""

from __future__ import annotations

import time

from shared.logging import get_logger

log = get_logger(__name__)


class OutageLog:
    def __init__(self, what: str) -> None:
        self._what = what
        self._failures = 0
        self._since = 0.0

    @property
    def failures(self) -> int:
        """Failures in a row so far; 0 when the dependency answers."""
        return self._failures

    def failed(self, error: BaseException) -> None:
        if self._failures == 0:
            self._since = time.monotonic()
            log.warning("outage started", dependency=self._what, error=repr(error))
        self._failures += 1

    def recovered(self) -> None:
        if self._failures == 0:
            return
        log.warning(
            "outage ended",
            dependency=self._what,
            failures=self._failures,
            outage_seconds=round(time.monotonic() - self._since, 1),
        )
        self._failures = 0
