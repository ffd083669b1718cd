"""One log line when a dependency goes away and one when it is back, instead of one per failure.

A 26-second broker outage once wrote thousands of error lines per service; operators need two:
when it started (with the first error) and when it ended (with how long and how many failures).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import asyncpg

from shared.logging import get_logger

log = get_logger(__name__)


# The database away (not answering, shutting down, out of connections): no request's fault.
DATABASE_AWAY: tuple[type[BaseException], ...] = (
    asyncpg.PostgresConnectionError,
    # Shutting down, starting up, crashed (SQLSTATE class 57): the server is going or coming.
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.TooManyConnectionsError,
    asyncpg.InterfaceError,
    ConnectionError,
    TimeoutError,
)


class OutageLog:
    def __init__(self, what: str, clock: Callable[[], float] = time.monotonic) -> None:
        """`clock`: seconds, to measure how long the outage lasted (a service's injected clock
        where its timing is tested)."""
        self._what = what
        self._clock = clock
        self._failures = 0
        self._since = 0.0

    @property
    def failures(self) -> int:
        """Failures in a row so far; 0 when the dependency answers."""
        return self._failures

    def failed(self, error: BaseException) -> None:
        if self._failures == 0:
            self._since = self._clock()
            log.warning("outage started", dependency=self._what, error=repr(error))
        self._failures += 1

    def recovered(self, **details: Any) -> None:
        if self._failures == 0:
            return
        log.warning(
            "outage ended",
            dependency=self._what,
            failures=self._failures,
            outage_seconds=round(self._clock() - self._since, 1),
            **details,
        )
        self._failures = 0


class RepeatedLineFilter(logging.Filter):
    """Lets a library's warning or error line through once per `window` seconds per kind of
    line, and counts the rest. aiokafka retries on its own while the broker is away and logs
    every retry ("Unable connect to node...", "Failed fetch messages..."): the first of each
    kind says that the outage began; the broker's watch (shared/runtime.py) says when it ended,
    with how many lines it held back."""

    def __init__(self, prefixes: tuple[str, ...] = ("aiokafka",), window: float = 60.0) -> None:
        super().__init__()
        self._prefixes = prefixes
        self._window = window
        self._last_passed: dict[tuple[str, object], float] = {}
        self._held_back = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING or not record.name.startswith(self._prefixes):
            return True
        kind = (record.name, record.msg)
        now = time.monotonic()
        if now - self._last_passed.get(kind, -self._window) >= self._window:
            self._last_passed[kind] = now
            return True
        self._held_back += 1
        return False

    def take_held_back(self) -> int:
        """Lines held back since the last call."""
        held, self._held_back = self._held_back, 0
        return held
