"""A background loop woken by PostgreSQL NOTIFY, with a poll as a safety net.

The outbox relay and the mail sender both wait for rows that a committed transaction announced;
this is their common loop: listen on a pooled connection, do the work, back off while the
database or broker is away, and release the connection cleanly on stop.

The listening connection dies with the database (a restart, a failover): it is reopened on
the next round, and its death wakes the loop, so the worker tries again within half a second of
the database's return instead of idling on a long backoff or living on the poll alone. An
outage is logged when it starts and when it ends, not once per failed round.
"""

from __future__ import annotations

import asyncio
import contextlib
from abc import ABC, abstractmethod
from typing import Any

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from shared.logging import get_logger
from shared.outage import OutageLog

log = get_logger(__name__)


class NotifiedWorker(ABC):
    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        channel: str,
        name: str,
        poll_interval: float = 1.0,
        linger: float = 0.0,
    ) -> None:
        self._pool = pool
        self._channel = channel
        self._name = name
        self._poll_interval = poll_interval
        self._linger = linger
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._listener: PoolConnectionProxy[asyncpg.Record] | None = None
        self._outage = OutageLog(f"{name}: database or broker")

    @abstractmethod
    async def work(self) -> None:
        """Handle everything that is due now."""

    def lingers(self) -> bool:
        """Whether a round woken now waits its linger first (always, unless a worker knows
        better)."""
        return True

    async def start(self) -> None:
        await self._listen()
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
        await self._unlisten()

    async def _listen(self) -> None:
        """(Re)open the listening connection if it is missing or died with the database."""
        if self._listening():
            return
        await self._unlisten()
        listener = await self._pool.acquire(timeout=5)
        try:
            await listener.add_listener(self._channel, self._on_notify)
            listener.add_termination_listener(self._on_notify)
        except BaseException:
            await self._pool.release(listener, timeout=5)
            raise
        self._listener = listener

    def _listening(self) -> bool:
        if self._listener is None:
            return False
        try:
            return not self._listener.is_closed()
        except asyncpg.InterfaceError:
            return False  # the pool took the dead connection back already

    async def _unlisten(self) -> None:
        listener, self._listener = self._listener, None
        if listener is None:
            return
        # A pooled connection must not keep listening once released.
        with contextlib.suppress(Exception):
            listener.remove_termination_listener(self._on_notify)
            await listener.remove_listener(self._channel, self._on_notify)
        with contextlib.suppress(Exception):
            await self._pool.release(listener, timeout=5)

    def _on_notify(self, *_: Any) -> None:
        self._wake.set()

    async def _run(self) -> None:
        while not self._stopping:
            # Cleared before working, so a NOTIFY that arrives meanwhile is not lost.
            self._wake.clear()
            try:
                await self._listen()
                await self.work()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the broker or database is away: try again soon
                self._outage.failed(error)
                # Short and capped: the first round after the outage does the work at once.
                await asyncio.sleep(min(0.05 * 2**self._outage.failures, 0.5))
                continue
            self._outage.recovered()
            woken = False
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._poll_interval):
                    woken = await self._wake.wait()
            if woken and self._linger and self.lingers() and not self._stopping:
                # Woken by a commit: what commits within the linger goes in the same round,
                # instead of a round (and its round trips) each.
                await asyncio.sleep(self._linger)
