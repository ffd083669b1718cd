"""A consumer batch's claims assessed with one read and one write between them (issue 27).

In the inbox's transaction of a fetched batch (shared/inbox.py), each ClaimCreated's assessment
reads its unit's overview and writes its claim and assessment. Here the transaction keeps an
`AssessmentBatch` (staged with the inbox, so flushed before it commits):

- the first overview it is asked for is read together with those of the units whose claims the
  consumer collected for the batch and has not assessed yet (`expect_assessment`, by consumer
  task), in one statement; each is handed out once, to its claim;
- the claims and assessments are written together, in one statement, when the transaction's
  effects are over, or before any other statement of warranty's repositories on it
  (`FlushingConnection`).

So every statement still sees what the batch's earlier records wrote, as it would have one record
at a time: a statement other than these reads and writes first flushes the pending rows and
forgets the overviews read (they are read again when asked for); a unit with rows pending is
read again only after they are written (a second claim for the unit in the same batch); the same
claim assessed twice writes the first before keeping the second. A failure in the write fails
the batch's transaction like any effect's, and the batch is then applied record by record.
"""

from __future__ import annotations

import asyncio
import weakref
from collections import deque
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import asyncpg

from services.warranty.adapters import repository
from shared import inbox
from shared.db import Conn

# Units per consumer task whose claims were collected for a batch and not yet read; a batch
# whose effects never ran (handled before, read again) leaves at most this many behind.
_MAX_UNITS_TO_COME = 1000
_units_to_come: weakref.WeakKeyDictionary[asyncio.Task[Any], deque[tuple[str, str]]] = (
    weakref.WeakKeyDictionary()
)

Unit = tuple[str, str]  # EAN, serial number


def expect_assessment(ean: str, serial: str | None) -> None:
    """A claim for the unit was collected for the consumer's batch: its overview may be read
    with the batch's first."""
    task = asyncio.current_task()
    if serial is None or task is None:
        return
    units = _units_to_come.get(task)
    if units is None:
        units = _units_to_come[task] = deque(maxlen=_MAX_UNITS_TO_COME)
    units.append((ean, serial))


def _take_units_to_come() -> list[Unit]:
    task = asyncio.current_task()
    units = None if task is None else _units_to_come.get(task)
    if not units:
        return []
    taken = list(units)
    units.clear()
    return taken


@dataclass(frozen=True)
class AssessedRows:
    """What one assessment writes: its assessment and, for a unit, its claim among the unit's."""

    claim_id: UUID
    rma_number: str
    claim: dict[str, Any]
    verdict: dict[str, Any]
    unit_claim: dict[str, Any] | None


@dataclass
class AssessmentBatch:
    """One inbox transaction's overviews read ahead and assessments not yet written."""

    overviews: dict[Unit, asyncpg.Record] = field(default_factory=dict)
    to_read_again: list[Unit] = field(default_factory=list)
    pending: list[AssessedRows] = field(default_factory=list)
    pending_units: set[Unit] = field(default_factory=set)
    pending_claims: set[UUID] = field(default_factory=set)

    async def overview(self, conn: Conn, unit: Unit) -> asyncpg.Record:
        if (known := self.overviews.pop(unit, None)) is not None:
            return known
        if unit in self.pending_units:
            await self.flush(conn)
        ahead = [*self.to_read_again, *_take_units_to_come()]
        self.to_read_again.clear()
        wanted = [
            unit,
            *dict.fromkeys(u for u in ahead if u != unit and u not in self.pending_units),
        ]
        rows = await repository.unit_overviews(conn, wanted)
        self.overviews.update(zip(wanted[1:], rows[1:], strict=True))
        return rows[0]

    async def save(self, conn: Conn, rows: AssessedRows) -> None:
        if rows.claim_id in self.pending_claims:
            await self.flush(conn)  # one statement cannot write a claim's assessment twice
        self.pending.append(rows)
        self.pending_claims.add(rows.claim_id)
        if rows.unit_claim is not None:
            unit = (rows.unit_claim["ean"], rows.unit_claim["serial_number"])
            self.pending_units.add(unit)
            if unit in self.overviews:  # read before this write: read again when asked for
                del self.overviews[unit]
                self.to_read_again.append(unit)

    async def flush(self, conn: Conn) -> None:
        """Write what is pending (the inbox calls it before the commit)."""
        pending, self.pending = self.pending, []
        self.pending_units.clear()
        self.pending_claims.clear()
        if pending:
            await repository.save_assessments(
                conn,
                [(rows.claim_id, rows.rma_number, rows.claim, rows.verdict) for rows in pending],
                [rows.unit_claim for rows in pending if rows.unit_claim is not None],
            )

    async def before_other_statement(self, conn: Conn) -> None:
        """Another statement is about to run on the transaction: it sees the rows pending, and
        what it writes is seen by the overviews, read again when asked for."""
        self.to_read_again.extend(self.overviews)
        self.overviews.clear()
        await self.flush(conn)


def batch_of(conn: Conn) -> AssessmentBatch | None:
    """The batch of the inbox transaction under way on `conn`; None outside one."""
    return inbox.staged(AssessmentBatch, AssessmentBatch, on=conn)


class FlushingConnection:
    """The transaction's connection as warranty's repositories use it: each statement first lets
    the batch write what is pending (`AssessmentBatch.before_other_statement`)."""

    def __init__(self, conn: Conn, batch: AssessmentBatch) -> None:
        self._conn = conn
        self._batch = batch

    async def execute(self, query: str, *args: Any) -> str:
        await self._batch.before_other_statement(self._conn)
        return await self._conn.execute(query, *args)

    async def executemany(self, query: str, args: Any) -> None:
        await self._batch.before_other_statement(self._conn)
        await self._conn.executemany(query, args)

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        await self._batch.before_other_statement(self._conn)
        return await self._conn.fetch(query, *args)

    async def fetchrow(self, query: str, *args: Any) -> asyncpg.Record | None:
        await self._batch.before_other_statement(self._conn)
        return await self._conn.fetchrow(query, *args)

    async def fetchval(self, query: str, *args: Any) -> Any:
        await self._batch.before_other_statement(self._conn)
        return await self._conn.fetchval(query, *args)
