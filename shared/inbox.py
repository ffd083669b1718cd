"""The inbox: what a consumer handled, recorded in the same transaction as its effect.

Per record (`handle_now`), one transaction inserts the event's inbox row and runs the effect
only when the row is new, so a redelivery changes nothing.

Per batch (issue 27): in a service whose runtime applies effects per batch
(`ServiceRuntime.effects_per_batch`), the record handling (shared/consumer.py) lets each
record's handler only collect its effects (`collecting`), and the batch's offset commit
(shared/commits.py) first applies them all in one transaction (`apply_in_one_transaction`): one
INSERT of every inbox row tells which events are new, and their effects run in the order they
were read, so in order per key. One fsync and one inbox round trip per batch instead of per
record. Each effect runs in the trace and log context of its own record (the outbox rows it
writes carry that trace).

An effect may also put rows aside (`staged`) for one statement per transaction instead of one
per effect: what the transaction's effects staged is written by its `flush`, once, after the
last effect ran and before the commit; a failure there rolls the transaction back like any
effect's, so a batch then falls back to record by record (shared/consumer.py, `EffectBatches`).
A stage with a `committed()` method hears once its transaction committed (notifications hands
the emails it just queued to its own sender); not after a rollback.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar, cast
from uuid import UUID

import asyncpg
import structlog
from opentelemetry import context as otel_context

from shared.db import Conn
from shared.events import Event
from shared.logging import get_logger

log = get_logger(__name__)

Effect = Callable[[Conn], Awaitable[None]]


@dataclass
class DeferredEffect:
    """One handler's effect, kept for its batch's transaction, with the record's context."""

    pool: asyncpg.Pool
    consumer: str
    event: Event
    effect: Effect
    trace_context: otel_context.Context = field(default_factory=otel_context.get_current)
    log_context: dict[str, Any] = field(default_factory=structlog.contextvars.get_contextvars)

    async def apply_alone(self) -> bool:
        """In a transaction of its own, as `handle_now`; False if handled before."""
        return await handle_now(self.pool, self.consumer, self.event, self.effect)

    @contextlib.contextmanager
    def scope(self) -> Iterator[None]:
        """The record's trace and log fields, as while its handler ran."""
        token = otel_context.attach(self.trace_context)
        try:
            with structlog.contextvars.bound_contextvars(**self.log_context):
                yield
        finally:
            otel_context.detach(token)


# The effects of the record being handled, when its service applies them per batch.
_collected: ContextVar[list[DeferredEffect] | None] = ContextVar("inbox_collected", default=None)


@contextlib.contextmanager
def collecting(into: list[DeferredEffect] | None) -> Iterator[None]:
    """While the handler runs: `handle_once` puts effects `into` the list (None: runs them)."""
    token = _collected.set(into)
    try:
        yield
    finally:
        _collected.reset(token)


def defer(pool: asyncpg.Pool, consumer: str, event: Event, effect: Effect) -> bool:
    """Keep the effect for its batch when one is collecting; False when none is."""
    into = _collected.get()
    if into is None:
        return False
    into.append(DeferredEffect(pool, consumer, event, effect))
    return True


class Staged(Protocol):
    """Rows the effects of one transaction put aside, written together before it commits."""

    async def flush(self, conn: Conn) -> None: ...


StagedRows = TypeVar("StagedRows", bound=Staged)

# The connection of the inbox transaction under way and what its effects staged, by key; None
# outside one.
_staged: ContextVar[tuple[Conn, dict[Hashable, Staged]] | None] = ContextVar(
    "inbox_staged", default=None
)


def staged(
    key: Hashable, make: Callable[[], StagedRows], *, on: Conn | None = None
) -> StagedRows | None:
    """For an effect run by the inbox: the transaction's rows staged under `key` (made by `make`
    for its first effect that asks), flushed once before that transaction commits. None for an
    effect run otherwise, which then writes its rows itself; None too when `on` names another
    connection than the transaction's (rows meant for a transaction of their own)."""
    under_way = _staged.get()
    if under_way is None:
        return None
    conn, stages = under_way
    if on is not None and on is not conn:
        return None
    if (stage := stages.get(key)) is None:
        stage = stages[key] = make()
    return cast(StagedRows, stage)


@contextlib.asynccontextmanager
async def _flushed_before_commit(conn: Conn) -> AsyncIterator[dict[Hashable, Staged]]:
    """Collects what the effects run inside stage, and flushes it when none of them failed."""
    stages: dict[Hashable, Staged] = {}
    token = _staged.set((conn, stages))
    try:
        yield stages
    finally:
        _staged.reset(token)
    for stage in stages.values():
        await stage.flush(conn)


def _committed(stages: dict[Hashable, Staged]) -> None:
    """The stages' transaction committed: each that asks hears it."""
    for stage in stages.values():
        if (committed := getattr(stage, "committed", None)) is not None:
            committed()


async def handle_now(pool: asyncpg.Pool, consumer: str, event: Event, effect: Effect) -> bool:
    """Run `effect` in one transaction with the inbox row; False if the event was handled before."""
    async with pool.acquire() as conn, conn.transaction():
        first_time = await conn.fetchval(
            """INSERT INTO inbox (consumer, event_id, event_type) VALUES ($1, $2, $3)
               ON CONFLICT DO NOTHING RETURNING true""",
            consumer,
            event.event_id,
            event.type,
        )
        if not first_time:
            log.info("event already handled", consumer=consumer)
            return False
        async with _flushed_before_commit(conn) as stages:
            await effect(conn)
    _committed(stages)
    return True


async def apply_in_one_transaction(effects: list[DeferredEffect]) -> int:
    """Every effect of a batch whose event is new to its consumer, in order, in one transaction
    with their inbox rows; the number applied. Any failure rolls the whole batch back."""
    if not effects:
        return 0
    pool = effects[0].pool
    if any(effect.pool is not pool for effect in effects):
        raise ValueError("a batch's effects must share one database pool")
    applied = 0
    async with pool.acquire() as conn, conn.transaction():
        new = await _record_new_events(conn, effects)
        async with _flushed_before_commit(conn) as stages:
            for effect in effects:
                key = (effect.consumer, effect.event.event_id)
                with effect.scope():
                    if key not in new:  # handled before, or earlier in this very batch
                        log.info("event already handled", consumer=effect.consumer)
                        continue
                    new.discard(key)
                    await effect.effect(conn)
                    applied += 1
    _committed(stages)
    return applied


async def _record_new_events(conn: Conn, effects: list[DeferredEffect]) -> set[tuple[str, UUID]]:
    """Insert the batch's inbox rows in one statement; the (consumer, event) pairs that were new.
    The same event twice in one batch (a redelivery) is inserted, and so returned, once."""
    rows = await conn.fetch(
        """INSERT INTO inbox (consumer, event_id, event_type)
           SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[])
           ON CONFLICT DO NOTHING RETURNING consumer, event_id""",
        [effect.consumer for effect in effects],
        [effect.event.event_id for effect in effects],
        [effect.event.type for effect in effects],
    )
    return {(row["consumer"], row["event_id"]) for row in rows}
