"""A background loop woken by PostgreSQL NOTIFY, with a poll as a safety net.

The outbox relay and the mail sender both wait for rows that a committed transaction announced;
this is their common loop: listen on a pooled connection, do the work, back off while the
database or broker is away, and release the connection cleanly on stop.
"""

from __future__ import annotations

import asyncio
import contextlib
from abc import ABC, abstractmethod
from typing import Any

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from shared.logging import get_logger

log = get_logger(__name__)


class NotifiedWorker(ABC):
    def __init__(
        self, pool: asyncpg.Pool, *, channel: str, name: str, poll_interval: float = 1.0
    ) -> None:
        self._pool = pool
        self._channel = channel
        self._name = name
        self._poll_interval = poll_interval
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._listener: PoolConnectionProxy[asyncpg.Record] | None = None

    @abstractmethod
    async def work(self) -> None:
        """Handle everything that is due now."""

    async def start(self) -> None:
        self._listener = await self._pool.acquire()
        await self._listener.add_listener(self._channel, self._on_notify)
        self._task = asyncio.create_task(self._run(), name=self._name)

    async def stop(self) -> None:
        # The flag, not the cancellation alone, ends the loop: a cancellation that lands as the
        # wake-up wait completes can be lost, and the loop would then run on for ever.
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._listener is not None:
            # A pooled connection must not keep listening once released.
            with contextlib.suppress(Exception):
                await self._listener.remove_listener(self._channel, self._on_notify)
            await self._pool.release(self._listener, timeout=5)
            self._listener = None

    def _on_notify(self, *_: Any) -> None:
        self._wake.set()

    async def _run(self) -> None:
        failures = 0
        while not self._stopping:
            # Cleared before working, so a NOTIFY that arrives meanwhile is not lost.
            self._wake.clear()
            try:
                await self.work()
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the broker or database is away: keep trying, slower
                failures += 1
                log.warning(f"{self._name} failed", error=repr(error), failures=failures)
                await asyncio.sleep(min(0.5 * 2**failures, 30.0))
                continue
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._poll_interval):
                    await self._wake.wait()
