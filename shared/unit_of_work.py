"""What every service's unit of work shares, apart from its repositories (cosmicpython ch. 6).

A handler enters a unit of work, works through its repositories and commits; leaving the block
without `commit` rolls back. Each service names its repositories in a protocol that extends
`UnitOfWork`, and opens them in `_open` of its two implementations:

- on PostgreSQL (`PostgresUnitOfWorkBase`): from a pool, a connection of its own and a
  transaction; from a connection already in a transaction (a consumer's batch, with its inbox
  rows: shared/inbox.py), that transaction, which decides alone (commit and rollback leave it
  to its owner, and an exception rolls back the whole of it);
- in memory (`MemoryUnitOfWorkBase`, for tests of the service layer in milliseconds): a copy of
  the committed state, put back on commit, so a refused command changes nothing, as a
  rolled-back transaction would. Units of work run one at a time (a test's tasks, not threads).

A service that publishes events uses the `Outbox*` variants: its events go to the outbox of the
same transaction (a list in the in-memory state), published only if the unit of work commits.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from types import TracebackType
from typing import Generic, Protocol, Self, TypeVar

import asyncpg
from asyncpg.transaction import Transaction

from shared.db import Conn
from shared.events import Event
from shared.idempotency import IdempotentRequest, KeyInUse, remember_made
from shared.outbox import add_to_outbox


class TransactionConflict(Exception):
    """The store aborted the unit of work to break a deadlock: trying again may succeed."""


class UnitOfWork(Protocol):
    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...
    async def rollback(self) -> None: ...


class PostgresUnitOfWorkBase:
    def __init__(self, source: asyncpg.Pool | Conn, acquire_timeout: float | None = None) -> None:
        self._pool = source if isinstance(source, asyncpg.Pool) else None
        self._given = None if isinstance(source, asyncpg.Pool) else source
        self._acquire_timeout = acquire_timeout
        self._conn: Conn | None = None
        self._transaction: Transaction | None = None

    def _open(self, conn: Conn) -> None:
        """Open the service's repositories on `conn`."""
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        if self._pool is None:
            self._conn = self._given
        else:
            self._conn = await self._pool.acquire(timeout=self._acquire_timeout)
            try:
                self._transaction = self._conn.transaction()
                await self._transaction.start()
            except BaseException:
                await self._release()
                raise
        self._open(self.conn)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            await self.rollback()
        finally:
            await self._release()
        if isinstance(exc, asyncpg.DeadlockDetectedError):
            raise TransactionConflict(str(exc)) from exc

    async def _release(self) -> None:
        if self._pool is not None and self._conn is not None:
            await self._pool.release(self._conn, timeout=self._acquire_timeout)  # type: ignore[arg-type]
        self._conn = None

    @property
    def conn(self) -> Conn:
        assert self._conn is not None, "the unit of work is not open"
        return self._conn

    async def commit(self) -> None:
        """Raises TransactionConflict when PostgreSQL aborted the work to break a deadlock."""
        if self._transaction is not None:
            transaction, self._transaction = self._transaction, None
            try:
                await transaction.commit()
            except asyncpg.DeadlockDetectedError as error:
                raise TransactionConflict(str(error)) from error

    async def rollback(self) -> None:
        if self._transaction is not None:
            transaction, self._transaction = self._transaction, None
            await transaction.rollback()


State = TypeVar("State")


class MemoryDatabaseBase(Generic[State]):
    """The committed state every unit of work starts from."""

    def __init__(self, state: State) -> None:
        self.state = state


class MemoryUnitOfWorkBase(Generic[State]):
    def __init__(self, database: MemoryDatabaseBase[State]) -> None:
        self.database = database
        self._work: State | None = None

    def _open(self, work: State) -> None:
        """Open the service's repositories on `work`, the copy this unit of work changes."""
        raise NotImplementedError

    @property
    def work(self) -> State:
        assert self._work is not None, "the unit of work is not open"
        return self._work

    def _copy_of(self, state: State) -> State:
        """The copy a unit of work changes. A state whose stored values are never changed in
        place may copy only its containers (claims' does: deep-copying every stored claim and
        event grew with the state)."""
        return copy.deepcopy(state)

    async def __aenter__(self) -> Self:
        self._work = self._copy_of(self.database.state)
        self._open(self._work)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.rollback()

    async def commit(self) -> None:
        if self._work is not None:
            self.database.state, self._work = self._work, None

    async def rollback(self) -> None:
        self._work = None


# --- with an outbox ---------------------------------------------------------------------------


class OutboxUnitOfWork(UnitOfWork, Protocol):
    async def publish(self, *events: Event) -> None:
        """Into the outbox, published only if the unit of work commits."""
        ...

    async def remember_request(self, request: IdempotentRequest | None, made: object) -> None:
        """The Idempotency-Key of the request that made `made`, kept only if the unit of work
        commits (shared/idempotency.py): a retry after a crash finds what it made. KeyInUse
        when another transaction recorded the key meanwhile; nothing without a keyed request."""
        ...


class PostgresOutboxUnitOfWork(PostgresUnitOfWorkBase):
    async def publish(self, *events: Event) -> None:
        await add_to_outbox(self.conn, *events)

    async def remember_request(self, request: IdempotentRequest | None, made: object) -> None:
        if request is not None:
            await remember_made(self.conn, request, made)


@dataclass
class OutboxState:
    """What an in-memory state with an outbox holds besides its repositories' data."""

    outbox: list[Event] = field(default_factory=list)
    # Idempotency-Keys with what their request made: (owner, key) -> (fingerprint, made).
    made_by_request: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)


OutboxStateT = TypeVar("OutboxStateT", bound=OutboxState)


class MemoryOutboxDatabase(MemoryDatabaseBase[OutboxStateT]):
    @property
    def published(self) -> list[Event]:
        """Every event committed to the outbox, in order."""
        return list(self.state.outbox)


class MemoryOutboxUnitOfWork(MemoryUnitOfWorkBase[OutboxStateT]):
    async def publish(self, *events: Event) -> None:
        self.work.outbox.extend(events)

    async def remember_request(self, request: IdempotentRequest | None, made: object) -> None:
        if request is None:
            return
        if (request.owner, request.key) in self.work.made_by_request:
            raise KeyInUse(request.key)
        self.work.made_by_request[request.owner, request.key] = (request.fingerprint, str(made))
