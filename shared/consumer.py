"""The consuming side: idempotent handling (inbox), bounded retries and the dead-letter topic.

Each subscriber's consumer loop (shared/subscriptions.py) hands every record it fetched to
`RecordHandling.handle`, in order per partition. Every subscriber here:
- commits only after the handler's transaction committed and the dead letters landed, once per
  fetched batch (through shared/commits.py);
- records the handled `event_id` in the inbox in the same transaction as its effect, so a
  redelivery changes nothing; a service may have its records' effects applied per batch, in one
  transaction with one inbox query, before the batch's commit (shared/inbox.py), and a record
  whose effect fails there is retried and dead-lettered alone (`EffectBatches`);
- dead-letters at once a message that can never succeed (it does not decode, fails validation,
  or has an unknown type or version), its dead letter in flight with the batch's others, so a
  flood of bad messages does not hold up good ones;
- retries any other failing message a bounded number of times, then dead-letters it and moves
  on. Only an outage (database or broker away) is retried without bound, since dead-lettering
  every message during an outage would lose their order: what came before it is committed and
  the consumer reads it again. The outage is logged once when it starts and once when it ends.

A dead letter never fails for size: the error headers are cut short, and the dead-letter topic
and the producer take messages twice the broker's default limit, so the copy of any message the
broker accepted fits. Should it still not fit (a topic configured otherwise), the body is left
out and the headers say where the original lies.
"""

from __future__ import annotations

import asyncio
import json
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeAlias

import asyncpg
import pydantic
import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaConnectionError, KafkaTimeoutError, MessageSizeTooLargeError
from faststream.kafka import KafkaBroker
from opentelemetry.trace import Tracer

from shared import inbox, topics
from shared.commits import BatchOutcome, ConsumerCommits, RecordEffects
from shared.db import Conn
from shared.events import Event
from shared.logging import get_logger
from shared.metrics import SubscriberMetrics
from shared.outage import OutageLog
from shared.tracing import consumer_span

log = get_logger(__name__)

# The dead-letter topic's max.message.bytes and its producer's max_request_size: twice the
# broker's default message.max.bytes (1 MiB), so a dead letter of any message the broker
# accepted on the other topics fits, headers and all.
DEAD_LETTER_MAX_BYTES = 2 * 1024 * 1024
_ERROR_CHARS, _TRACEBACK_CHARS = 500, 2000

TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    asyncpg.PostgresConnectionError,
    # Shutting down, starting up, crashed (SQLSTATE class 57): the server is going or coming.
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.TooManyConnectionsError,
    asyncpg.InterfaceError,
    OSError,
    TimeoutError,
    KafkaConnectionError,
    KafkaTimeoutError,
)


class UnprocessableMessage(Exception):
    """Raised by a handler for a message that can never succeed: dead-lettered at once."""


# Errors that no retry can cure: the message is dead-lettered on the first one.
NEVER_SUCCEED: tuple[type[Exception], ...] = (
    pydantic.ValidationError,
    json.JSONDecodeError,
    UnicodeDecodeError,
    UnprocessableMessage,
)
# The message itself is the fault, and the error says how: a traceback through the decoder
# would only cost time, a flood of them a lot of it.
UNDECODABLE: tuple[type[Exception], ...] = (
    pydantic.ValidationError,
    json.JSONDecodeError,
    UnicodeDecodeError,
)
_TRACEBACK_FRAMES = 8


def _traceback(error: Exception) -> str:
    if isinstance(error, UNDECODABLE):
        return ""
    text = "".join(traceback.format_exception(error, limit=-_TRACEBACK_FRAMES))
    return text[-_TRACEBACK_CHARS:]


async def handle_once(
    pool: asyncpg.Pool,
    consumer: str,
    event: Event,
    effect: Callable[[Conn], Awaitable[None]],
) -> bool:
    """Run `effect` in one transaction with the inbox row; False if the event was handled before.
    In a service that applies effects per batch, the effect waits for its batch's transaction
    (shared/inbox.py), and this says True: whether the event is new is known then."""
    if inbox.defer(pool, consumer, event, effect):
        return True
    return await inbox.handle_now(pool, consumer, event, effect)


Record: TypeAlias = ConsumerRecord[bytes, bytes]


def dead_letter_headers(
    record: Record, error: Exception, attempts: int, consumer_group: str
) -> dict[str, str]:
    """The original headers, and what went wrong, where and when (error text cut short)."""
    headers = {key: value.decode(errors="replace") for key, value in record.headers}
    headers.update(
        dead_letter_error=f"{type(error).__name__}: {error}"[:_ERROR_CHARS],
        dead_letter_traceback=_traceback(error),
        dead_letter_consumer=consumer_group,
        dead_letter_source_topic=record.topic,
        dead_letter_source_partition=str(record.partition),
        dead_letter_source_offset=str(record.offset),
        dead_letter_attempts=str(attempts),
        dead_letter_at=datetime.now(UTC).isoformat(),
    )
    return headers


GiveUp = Callable[[Record, Exception, int], "asyncio.Task[None] | None"]
Sleep = Callable[[float], Awaitable[None]]


class DeadLetters:
    """Where a consumer group's messages go when it gives up on them: its service's own
    dead-letter topic (`topic`), written through the FastStream broker's producer."""

    def __init__(
        self,
        broker_ref: Callable[[], KafkaBroker],
        consumer_group: str,
        topic: str,
        outage: OutageLog,
        on_dead_letter: Callable[[str], None],
    ) -> None:
        self._broker_ref = broker_ref
        self._consumer_group = consumer_group
        self._topic = topic
        self._outage = outage
        self._on_dead_letter = on_dead_letter

    def give_up(self, record: Record, error: Exception, attempts: int) -> asyncio.Task[None] | None:
        """Start the record's dead letter; the batch's commit awaits it."""
        self._outage.recovered()
        if topics.is_dead_letter_topic(record.topic):
            # Never feed the dead-letter topic to itself.
            log.error("dead letter not handled", error=repr(error))
            return None
        log.error("event dead-lettered", error=repr(error), attempts=attempts)
        return asyncio.create_task(self._dead_letter(record, error, attempts))

    async def _dead_letter(self, record: Record, error: Exception, attempts: int) -> None:
        headers = dead_letter_headers(record, error, attempts, self._consumer_group)
        body = record.value or b""
        broker = self._broker_ref()
        try:
            await broker.publish(body, topic=self._topic, key=record.key, headers=headers)
        except MessageSizeTooLargeError:
            # The headers say where the original lies (topic, partition, offset).
            headers["dead_letter_body_omitted"] = str(len(body))
            await broker.publish(b"", topic=self._topic, key=record.key, headers=headers)
        self._on_dead_letter(headers["dead_letter_source_topic"])


def outage_backoff(first_backoff: float, outage: OutageLog) -> float:
    """How long to wait before reading again in an outage: doubling, at most 2 s."""
    return min(first_backoff * 2.0**outage.failures, 2.0)


class EffectBatches:
    """Applies the effects a batch's records collected (shared/inbox.py): all in one
    transaction; when that fails for a record's fault, rolled back and applied record by record
    with the record handling's retries, so a poison record is dead-lettered alone and the others are
    still applied, once. An outage leaves the rest of the batch to be read again."""

    def __init__(
        self,
        *,
        give_up: GiveUp,
        outage: OutageLog,
        max_attempts: int,
        first_backoff: float,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._give_up = give_up
        self._outage = outage
        self._max_attempts = max_attempts
        self._first_backoff = first_backoff
        self._sleep = sleep

    async def apply(self, records: list[RecordEffects]) -> BatchOutcome:
        started = time.perf_counter()
        try:
            applied = await inbox.apply_in_one_transaction(
                [effect for record in records for effect in record.effects]
            )
        except TRANSIENT_ERRORS as error:
            return await self._read_again(records, error)
        except Exception as error:
            log.warning(
                "batch failed: its records one by one", records=len(records), error=repr(error)
            )
            return await self._one_by_one(records)
        self._outage.recovered()
        log.info(
            "batch applied",
            records=len(records),
            applied=applied,
            duration_ms=round((time.perf_counter() - started) * 1000, 1),
        )
        return BatchOutcome()

    async def _one_by_one(self, records: list[RecordEffects]) -> BatchOutcome:
        outcome = BatchOutcome()
        for index, record in enumerate(records):
            with record.effects[0].scope():
                try:
                    letter = await self._apply_record(record)
                except TRANSIENT_ERRORS as error:
                    outcome.read_again = (await self._read_again(records[index:], error)).read_again
                    return outcome
            if letter is not None:
                outcome.dead_letters.append((record.partition, record.offset, letter))
        self._outage.recovered()
        return outcome

    async def _apply_record(self, record: RecordEffects) -> asyncio.Task[None] | None:
        """Apply one record's effects, each in its own transaction as `handle_now` does; None
        once applied, else its dead letter, started."""
        for attempt in range(1, self._max_attempts + 1):
            try:
                for effect in record.effects:
                    await effect.apply_alone()
            except TRANSIENT_ERRORS:
                raise
            except NEVER_SUCCEED as error:
                return self._give_up(record.message, error, attempt)
            except Exception as error:
                if attempt == self._max_attempts:
                    return self._give_up(record.message, error, attempt)
                log.warning("handler failed", attempt=attempt, error=repr(error))
                await self._sleep(self._first_backoff * 2 ** (attempt - 1))
                continue
            return None
        return None

    async def _read_again(self, records: list[RecordEffects], error: BaseException) -> BatchOutcome:
        """Not the records' fault: back off; each partition is read again from its first record
        whose effects were not applied."""
        self._outage.failed(error)
        await self._sleep(outage_backoff(self._first_backoff, self._outage))
        outcome = BatchOutcome()
        for record in records:
            tp = record.partition
            outcome.read_again[tp] = min(outcome.read_again.get(tp, record.offset), record.offset)
        return outcome


@dataclass(frozen=True)
class ConsumerPolicy:
    """What every subscriber of one service shares: its group, commits, dead letters, outage
    log, retries and backoff (`sleep`, which a test makes instant)."""

    consumer_group: str
    commits: ConsumerCommits
    dead_letters: DeadLetters
    outage: OutageLog
    tracer: Tracer
    max_attempts: int = 3
    first_backoff: float = 0.2
    effects_per_batch: Callable[[], bool] = lambda: False
    sleep: Sleep = asyncio.sleep

    def effect_batches(self) -> EffectBatches:
        return EffectBatches(
            give_up=self.dead_letters.give_up,
            outage=self.outage,
            max_attempts=self.max_attempts,
            first_backoff=self.first_backoff,
            sleep=self.sleep,
        )


class RecordHandling:
    """One subscriber's handling of each record its consumer loop fetched (the module
    docstring's promises): decoded once per attempt into the handler's parameter type."""

    def __init__(
        self,
        policy: ConsumerPolicy,
        handler: Callable[[Any], Awaitable[None]],
        event_type: pydantic.TypeAdapter[Any],
        metrics: SubscriberMetrics,
    ) -> None:
        self._policy = policy
        self._handler = handler
        self._event_type = event_type
        self._metrics = metrics

    async def handle(self, consumer: AIOKafkaConsumer, record: Record) -> set[TopicPartition]:
        """Handle the record; the partitions the consumer was moved back on (an outage, a
        dead letter that did not land): the rest of their fetched records is read again."""
        headers = {key: value.decode(errors="replace") for key, value in record.headers}
        group = self._policy.consumer_group
        with (
            structlog.contextvars.bound_contextvars(
                event_id=headers.get("event_id"),
                correlation_id=headers.get("correlation_id"),
                event_type=headers.get("event_type"),
                consumer=group,
            ),
            consumer_span(
                self._policy.tracer,
                headers,
                topic=record.topic,
                partition=record.partition,
                offset=record.offset,
                consumer_group=group,
            ),
        ):
            return await self._attempts(consumer, record)

    async def _attempts(self, consumer: AIOKafkaConsumer, record: Record) -> set[TopicPartition]:
        policy = self._policy
        started = time.perf_counter()
        where = (consumer, record.topic, record.partition, record.offset)
        for attempt in range(1, policy.max_attempts + 1):
            # The handler's effects, when they wait for the batch's transaction.
            effects: list[inbox.DeferredEffect] | None = [] if policy.effects_per_batch() else None
            try:
                with self._metrics.attempt(), inbox.collecting(effects):
                    await self._handler(self._event_type.validate_json(record.value or b""))
            except TRANSIENT_ERRORS as error:
                # Not the message's fault: back off and read it again.
                policy.outage.failed(error)
                await policy.commits.rewind(*where)
                await policy.sleep(outage_backoff(policy.first_backoff, policy.outage))
                return {TopicPartition(record.topic, record.partition)}
            except NEVER_SUCCEED as error:
                letter = policy.dead_letters.give_up(record, error, attempt)
                return set(await policy.commits.finished(*where, letter))
            except Exception as error:
                if attempt == policy.max_attempts:
                    letter = policy.dead_letters.give_up(record, error, attempt)
                    return set(await policy.commits.finished(*where, letter))
                log.warning("handler failed", attempt=attempt, error=repr(error))
                await policy.sleep(policy.first_backoff * 2 ** (attempt - 1))
                continue
            if not effects:
                policy.outage.recovered()  # else known once the batch's transaction committed
            log.info(
                "event handled",
                attempt=attempt,
                duration_ms=round((time.perf_counter() - started) * 1000, 1),
                # Effects that wait for the batch's transaction (shared/inbox.py).
                effects_for_batch=len(effects) if effects else None,
            )
            return set(await policy.commits.finished(*where, message=record, effects=effects))
        return set()
