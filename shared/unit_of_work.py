"""What every service's unit of work has in common, whatever its repositories: the transaction.

A service's port (e.g. services/warranty/unit_of_work.py) extends `UnitOfWork` with its
repositories; its adapters extend `PostgresTransaction` (asyncpg, in production) and
`MemoryTransaction` (a copy of dicts, for the service-layer tests) and open those repositories in
`_open`. Leaving the block without `commit` rolls back; events handed to `publish` go to the
outbox of the same transaction, so they are published only if it commits.
"""

from __future__ import annotations

import copy
from types import TracebackType
from typing import Generic, Protocol, Self, TypeVar

import asyncpg
from asyncpg.transaction import Transaction

from shared.db import Conn
from shared.events import Event
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

    async def publish(self, *events: Event) -> None:
        """Into the outbox, published only if the unit of work commits."""
        ...

    async def commit(self) -> None:
        """Raises TransactionConflict when the store aborted the work to break a deadlock."""
        ...

    async def rollback(self) -> None: ...


class PostgresTransaction:
    """From a pool: a connection of its own and a transaction. From a connection already in a
    transaction (a consumer's, with its inbox rows): that transaction, which decides alone
    (commit and rollback leave it to its owner, and an exception rolls back the whole of it)."""

    def __init__(self, source: asyncpg.Pool | Conn) -> None:
        self._pool = source if isinstance(source, asyncpg.Pool) else None
        self._given = None if isinstance(source, asyncpg.Pool) else source
        self._conn: Conn | None = None
        self._transaction: Transaction | None = None

    def _open(self, conn: Conn) -> None:
        """Open the service's repositories on the unit of work's connection."""
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        if self._pool is None:
            self._conn = self._given
        else:
            self._conn = await self._pool.acquire()
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
            await self._pool.release(self._conn)  # type: ignore[arg-type]
        self._conn = None

    @property
    def conn(self) -> Conn:
        assert self._conn is not None, "the unit of work is not open"
        return self._conn

    async def publish(self, *events: Event) -> None:
        await add_to_outbox(self.conn, *events)

    async def commit(self) -> None:
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


class MemoryState(Protocol):
    outbox: list[Event]


StateT = TypeVar("StateT", bound=MemoryState)


class MemoryDatabase(Generic[StateT]):
    """The committed state every in-memory unit of work starts from."""

    def __init__(self, state: StateT) -> None:
        self.state = state

    @property
    def published(self) -> list[Event]:
        """Every event committed to the outbox, in order."""
        return list(self.state.outbox)


class MemoryTransaction(Generic[StateT]):
    """Works on a copy of the committed state and puts it back on commit, so a refused command
    changes nothing, as a rolled-back transaction would. Units of work run one at a time (a
    test's tasks, not threads): the row locks of PostgreSQL have nothing to guard here."""

    def __init__(self, database: MemoryDatabase[StateT]) -> None:
        self._database = database
        self._work: StateT | None = None

    def _open(self, work: StateT) -> None:
        """Open the service's repositories on the unit of work's copy of the state."""
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        self._work = copy.deepcopy(self._database.state)
        self._open(self._work)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.rollback()

    async def publish(self, *events: Event) -> None:
        assert self._work is not None, "the unit of work is not open"
        self._work.outbox.extend(events)

    async def commit(self) -> None:
        if self._work is not None:
            self._database.state, self._work = self._work, None

    async def rollback(self) -> None:
        self._work = None
