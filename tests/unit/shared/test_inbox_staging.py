"""Rows an inbox transaction's effects stage (shared/inbox.py, `staged`): written by one flush
after the last effect and before the commit, on the fake database of test_effect_batches."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import asyncpg
import pytest

from shared.inbox import DeferredEffect, apply_in_one_transaction, handle_now, staged
from tests.support.consumers import sale
from tests.unit.shared.test_effect_batches import FakeDatabase


@dataclass
class Lines:
    """What the effects staged; a flush writes them as one row."""

    numbers: list[str] = field(default_factory=list)
    flushes: int = 0

    async def flush(self, conn: Any) -> None:
        self.flushes += 1
        await conn.write("+".join(self.numbers))


def staging(
    database: FakeDatabase, number: str, into: list[Lines], *, own_row: bool = True
) -> DeferredEffect:
    """An effect that writes its number as a row of its own (a POISON one fails there), and
    stages it."""

    async def effect(conn: Any) -> None:
        if own_row:
            await conn.write(number)
        lines = staged(Lines, Lines)
        assert lines is not None
        if lines not in into:
            into.append(lines)
        lines.numbers.append(number)

    pool: asyncpg.Pool = database  # type: ignore[assignment]
    return DeferredEffect(pool, "unit", sale(number), effect)


async def test_a_batchs_staged_rows_are_flushed_once_after_its_effects() -> None:
    database, stages = FakeDatabase(), []  # type: ignore[var-annotated]
    seen_before = staging(database, "OLD", stages)
    database.inbox.add(("unit", seen_before.event.event_id))
    effects = [staging(database, "1", stages), seen_before, staging(database, "2", stages)]
    assert await apply_in_one_transaction(effects) == 2
    assert database.rows == ["1", "2", "1+2"]
    assert [lines.flushes for lines in stages] == [1]
    assert database.transactions == 1


async def test_a_failing_flush_rolls_the_batch_back() -> None:
    database, stages = FakeDatabase(), []  # type: ignore[var-annotated]
    effects = [
        staging(database, "POISON-1", stages, own_row=False),
        staging(database, "2", stages),
    ]
    with pytest.raises(ValueError, match="cannot be handled"):  # "POISON-1+2", the flush's
        await apply_in_one_transaction(effects)
    assert [lines.flushes for lines in stages] == [1]
    assert (database.rows, database.inbox, database.transactions) == ([], set(), 0)


async def test_nothing_is_flushed_when_an_effect_fails() -> None:
    database, stages = FakeDatabase(), []  # type: ignore[var-annotated]
    effects = [staging(database, "1", stages), staging(database, "POISON-2", stages)]
    with pytest.raises(ValueError, match="cannot be handled"):  # the second effect's own row
        await apply_in_one_transaction(effects)
    assert [(lines.numbers, lines.flushes) for lines in stages] == [(["1"], 0)]
    assert (database.rows, database.transactions) == ([], 0)


async def test_an_event_handled_alone_flushes_its_own_staged_rows() -> None:
    database, stages = FakeDatabase(), []  # type: ignore[var-annotated]
    effect = staging(database, "1", stages)
    assert await handle_now(effect.pool, "unit", effect.event, effect.effect)
    assert not await handle_now(effect.pool, "unit", effect.event, effect.effect)
    assert database.rows == ["1", "1"]  # its own row, then the flushed one
    assert [lines.flushes for lines in stages] == [1]


async def test_an_effect_run_outside_the_inbox_stages_nothing() -> None:
    """It writes its rows itself (None), so no row waits for a flush that never comes."""
    assert staged(Lines, Lines) is None


async def test_rows_meant_for_another_connection_are_not_staged() -> None:
    """An effect that writes through a connection of its own (a transaction apart from the
    batch's) gets None: its rows must commit with that transaction, not with the batch."""
    database = FakeDatabase()
    answers: list[tuple[bool, bool]] = []

    async def effect(conn: Any) -> None:
        answers.append(
            (staged(Lines, Lines, on=conn) is not None, staged(Lines, Lines, on=object()) is None)
        )

    pool: asyncpg.Pool = database  # type: ignore[assignment]
    assert await apply_in_one_transaction([DeferredEffect(pool, "unit", sale("1"), effect)]) == 1
    assert answers == [(True, True)]
