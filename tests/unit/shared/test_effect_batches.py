"""Effects applied per batch (shared/inbox.py, EffectBatches in shared/consumer.py) and the
commit that follows them (shared/commits.py).

The database is a fake that keeps an inbox and the effects' rows and rolls a failed transaction
back; the same against the real Kafka and PostgreSQL is in
tests/integration/test_batched_consumers.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import asyncpg
import pytest
from aiokafka import TopicPartition

from shared.commits import BatchOutcome, ConsumerCommits, RecordEffects
from shared.consumer import EffectBatches, UnprocessableMessage
from shared.inbox import DeferredEffect, apply_in_one_transaction, collecting, defer
from shared.outage import OutageLog
from tests.support.consumers import sale
from tests.unit.shared.test_consumer_commits import RecordingConsumer

TOPIC = "unit.claims"
P0, P1 = TopicPartition(TOPIC, 0), TopicPartition(TOPIC, 1)


class FakeDatabase:
    """The inbox and the effects' rows; a transaction's writes land only when it commits."""

    def __init__(self) -> None:
        self.inbox: set[tuple[str, uuid.UUID]] = set()
        self.rows: list[str] = []
        self.inbox_queries = 0
        self.transactions = 0
        self.fail_next: list[BaseException] = []  # raised by the next effects, in turn

    @contextlib.asynccontextmanager
    async def acquire(self) -> AsyncIterator[FakeConnection]:
        yield FakeConnection(self)


class FakeConnection:
    def __init__(self, database: FakeDatabase) -> None:
        self.database = database
        self.inbox: set[tuple[str, uuid.UUID]] = set()
        self.rows: list[str] = []

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        self.inbox, self.rows = set(), []
        yield  # an exception rolls back: nothing staged lands
        self.database.transactions += 1
        self.database.inbox |= self.inbox
        self.database.rows += self.rows

    def _insert(self, consumer: str, event_id: uuid.UUID) -> bool:
        key = (consumer, event_id)
        if key in self.database.inbox or key in self.inbox:
            return False
        self.inbox.add(key)
        return True

    async def fetch(
        self, _query: str, consumers: list[str], ids: list[uuid.UUID], _types: list[str]
    ) -> list[dict[str, Any]]:
        self.database.inbox_queries += 1
        return [
            {"consumer": c, "event_id": i}
            for c, i in zip(consumers, ids, strict=True)
            if self._insert(c, i)
        ]

    async def fetchval(self, _query: str, consumer: str, event_id: uuid.UUID, _type: str) -> Any:
        self.database.inbox_queries += 1
        return True if self._insert(consumer, event_id) else None

    async def write(self, row: str) -> None:
        if self.database.fail_next:
            raise self.database.fail_next.pop(0)
        if row.startswith("POISON"):
            raise ValueError(f"{row} cannot be handled")
        self.rows.append(row)


def effect_of(database: FakeDatabase, number: str, event_id: uuid.UUID | None = None) -> Any:
    event = sale(number)
    if event_id is not None:
        event = event.model_copy(update={"event_id": event_id})

    async def write(conn: Any) -> None:
        await conn.write(number)

    pool: asyncpg.Pool = database  # type: ignore[assignment]
    return DeferredEffect(pool, "unit", event, write)


def record(partition: TopicPartition, offset: int, *effects: DeferredEffect) -> RecordEffects:
    return RecordEffects(partition, offset, message=f"message@{offset}", effects=list(effects))


def poisoned_batch(database: FakeDatabase, first_offsets: tuple[int, int]) -> list[RecordEffects]:
    """Sales 1, POISON-1 and 3 on partition 0, sale 2 on partition 1, read in that order."""
    p0, p1 = first_offsets
    return [
        record(P0, p0, effect_of(database, "1")),
        record(P0, p0 + 1, effect_of(database, "POISON-1")),
        record(P1, p1, effect_of(database, "2")),
        record(P0, p0 + 2, effect_of(database, "3")),
    ]


class GivenUp:
    """The dead letters: (message, error, attempts) of each, as the record handling starts them."""

    def __init__(self) -> None:
        self.letters: list[tuple[Any, Exception, int]] = []

    def __call__(self, message: Any, error: Exception, attempts: int) -> asyncio.Task[None]:
        self.letters.append((message, error, attempts))
        return asyncio.create_task(asyncio.sleep(0))


def batches(given_up: GivenUp, outage: OutageLog | None = None) -> EffectBatches:
    return EffectBatches(
        give_up=given_up,
        outage=outage or OutageLog("unit"),
        max_attempts=3,
        first_backoff=0.0,
    )


async def test_a_batch_checks_the_inbox_once_and_applies_new_events_in_order_once() -> None:
    database = FakeDatabase()
    seen_before = effect_of(database, "OLD")
    database.inbox.add(("unit", seen_before.event.event_id))
    again = uuid.uuid4()
    effects = [
        effect_of(database, "1"),
        seen_before,
        effect_of(database, "2", again),
        effect_of(database, "3"),
        effect_of(database, "2", again),  # redelivered within the same batch
    ]
    assert await apply_in_one_transaction(effects) == 3
    assert database.rows == ["1", "2", "3"]
    assert database.inbox_queries == 1
    assert database.transactions == 1


async def test_a_poison_record_rolls_the_batch_back_then_the_others_are_applied_once() -> None:
    database, given_up = FakeDatabase(), GivenUp()
    records = poisoned_batch(database, first_offsets=(10, 5))
    outcome = await batches(given_up).apply(records)
    assert database.rows == ["1", "2", "3"]  # once each, in the order read
    [(message, error, attempts)] = given_up.letters
    assert (message, attempts) == ("message@11", 3)  # retried as the record handling would
    assert "POISON-1 cannot be handled" in str(error)
    assert [(tp, offset) for tp, offset, _ in outcome.dead_letters] == [(P0, 11)]
    assert outcome.read_again == {}


async def test_a_record_that_can_never_succeed_is_dead_lettered_without_retries() -> None:
    database, given_up = FakeDatabase(), GivenUp()
    # The batch's attempt, then the record's own first attempt.
    never = UnprocessableMessage("no such product")
    database.fail_next = [never, never]
    outcome = await batches(given_up).apply(
        [record(P0, 0, effect_of(database, "1")), record(P0, 1, effect_of(database, "2"))]
    )
    assert [(m, a) for m, _, a in given_up.letters] == [("message@0", 1)]
    assert database.rows == ["2"]
    assert len(outcome.dead_letters) == 1


async def test_an_outage_applies_nothing_and_reads_each_partition_again_from_its_first() -> None:
    database, given_up, outage = FakeDatabase(), GivenUp(), OutageLog("unit")
    database.fail_next = [ConnectionRefusedError("database down")]
    outcome = await batches(given_up, outage).apply(
        [
            record(P0, 7, effect_of(database, "1")),
            record(P1, 3, effect_of(database, "2")),
            record(P0, 8, effect_of(database, "3")),
        ]
    )
    assert database.rows == [] and given_up.letters == []
    assert outcome.read_again == {P0: 7, P1: 3}
    assert outage.failures == 1


async def test_an_outage_while_going_record_by_record_keeps_what_came_before(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    database, given_up = FakeDatabase(), GivenUp()
    records = poisoned_batch(database, first_offsets=(0, 0))
    # The batch fails for the poison record; going one by one, the database goes away at "2".
    database.fail_next = [ValueError("batch")]
    original_write = FakeConnection.write

    async def away_at_two(conn: FakeConnection, row: str) -> None:
        if row == "2":
            raise OSError("the database went away")
        await original_write(conn, row)

    monkeypatch.setattr(FakeConnection, "write", away_at_two)
    outcome = await batches(given_up).apply(records)
    assert database.rows == ["1"]
    assert [m for m, _, _ in given_up.letters] == ["message@1"]
    assert outcome.read_again == {P1: 0, P0: 2}


class AppliesBatches:
    """What the commit asks to apply, and the outcome it gets back."""

    def __init__(self, outcome: BatchOutcome | None = None) -> None:
        self.batches: list[list[tuple[TopicPartition, int]]] = []
        self.outcome = outcome or BatchOutcome()

    async def __call__(self, records: list[RecordEffects]) -> BatchOutcome:
        self.batches.append([(r.partition, r.offset) for r in records])
        return self.outcome


async def test_a_batchs_effects_are_applied_once_before_its_offsets_are_committed() -> None:
    consumer = RecordingConsumer({P0: 3})
    commits = ConsumerCommits(max_age=60)
    applier = AppliesBatches()
    commits.apply_batch = applier
    database = FakeDatabase()
    await commits.finished(consumer, TOPIC, 0, 0, effects=[effect_of(database, "1")])
    await commits.finished(consumer, TOPIC, 0, 1)  # a record with no effect (skipped)
    assert applier.batches == [] and consumer.commits == []
    await commits.finished(consumer, TOPIC, 0, 2, effects=[effect_of(database, "2")])
    assert applier.batches == []  # until the consumer loop has handled its fetched batch
    await commits.commit(consumer)
    assert applier.batches == [[(P0, 0), (P0, 2)]]
    assert consumer.commits == [{P0: 3}]


async def test_what_a_batch_could_not_apply_is_read_again_and_not_committed_past() -> None:
    consumer = RecordingConsumer({P0: 3})
    commits = ConsumerCommits(max_age=60)
    commits.apply_batch = AppliesBatches(BatchOutcome(read_again={P0: 1}))
    database = FakeDatabase()
    for offset in range(3):
        await commits.finished(consumer, TOPIC, 0, offset, effects=[effect_of(database, "x")])
    await commits.commit(consumer)
    assert consumer.commits == [{P0: 1}]
    assert consumer.seeks == [(P0, 1)]


async def test_an_outage_at_a_later_record_does_not_skip_an_earlier_one_not_applied() -> None:
    consumer = RecordingConsumer({P0: 10})
    commits = ConsumerCommits(max_age=60)
    commits.apply_batch = AppliesBatches(BatchOutcome(read_again={P0: 4}))
    await commits.finished(consumer, TOPIC, 0, 4, effects=[effect_of(FakeDatabase(), "x")])
    # The message at 6 meets the outage in its handler: read again from 4, not from 6.
    await commits.rewind(consumer, TOPIC, 0, 6)
    assert consumer.commits == [{P0: 4}]
    assert consumer.seeks[-1] == (P0, 4)


async def test_the_dead_letters_of_a_batch_are_awaited_before_its_commit() -> None:
    consumer = RecordingConsumer({P0: 1})
    commits = ConsumerCommits(max_age=60)
    letter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    commits.apply_batch = AppliesBatches(BatchOutcome(dead_letters=[(P0, 0, letter)]))
    await commits.finished(consumer, TOPIC, 0, 0, effects=[effect_of(FakeDatabase(), "x")])
    committing = asyncio.create_task(commits.commit(consumer))
    await asyncio.sleep(0.01)
    assert consumer.commits == []
    letter.set_exception(ConnectionError("not written"))
    await committing
    assert consumer.commits == [{P0: 0}]  # the record is read again, and dead-lettered then
    assert consumer.seeks == [(P0, 0)]


async def test_handle_once_collects_only_while_its_record_is_collecting() -> None:
    database = FakeDatabase()
    event = sale("1")
    pool: asyncpg.Pool = database  # type: ignore[assignment]
    write: Callable[[Any], Awaitable[None]] = lambda conn: conn.write("1")  # noqa: E731
    assert not defer(pool, "unit", event, write)
    collected: list[DeferredEffect] = []
    with collecting(collected):
        assert defer(pool, "unit", event, write)
    with collecting(None):
        assert not defer(pool, "unit", event, write)
    assert [effect.event for effect in collected] == [event]
    assert database.rows == []  # nothing ran yet
