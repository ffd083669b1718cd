"""The deadline scheduler: runs the claims' deadline rules on time, without an operator's click.

One instance of the service schedules at a time: it holds a PostgreSQL advisory lock on a
connection of its own, so the lock dies with the process (or its connection) and another
instance takes over. Running the rules twice at once would still change nothing twice (each
claim is locked while its rules run; the day's list for the service desk is sent once), the
lock only saves the work. Time comes from the context's clock and the injected `sleep`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import asyncpg

from services.claims import handlers
from shared.logging import get_logger

log = get_logger(__name__)

# Any constant works; one per deployment's database.
SCHEDULER_LOCK_ID = 727_003


@dataclass
class DeadlineScheduler:
    ctx: handlers.ClaimsContext
    pool: asyncpg.Pool
    interval_seconds: float = 300.0
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep)

    async def tick(self) -> handlers.DeadlineRun:
        """One run of every rule, now (what the loop does each interval)."""
        return await handlers.run_deadlines(self.ctx)

    async def run(self) -> None:
        """Until cancelled: wait for the lock (another instance may hold it), then run the rules
        every interval. A failed run is logged and tried again at the next interval."""
        while True:
            try:
                async with self.pool.acquire() as conn:
                    if await conn.fetchval("SELECT pg_try_advisory_lock($1)", SCHEDULER_LOCK_ID):
                        try:
                            await self._schedule()
                        finally:
                            await conn.execute("SELECT pg_advisory_unlock($1)", SCHEDULER_LOCK_ID)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("deadline scheduler lost its database; trying again")
            await self.sleep(self.interval_seconds)

    async def _schedule(self) -> None:
        log.info("deadline scheduler runs here", interval_seconds=self.interval_seconds)
        while True:
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("deadline rules failed; trying again at the next interval")
            await self.sleep(self.interval_seconds)
