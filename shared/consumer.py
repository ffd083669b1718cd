"""The consuming side: idempotent handling (inbox), bounded retries and the dead-letter topic.

FastStream's Kafka default commits before handling, and a nack seeks back to the same offset,
so a message that always fails would block its partition forever. Every subscriber here:
- commits only after the handler's transaction committed and the dead letters landed, once per
  batch (`AckPolicy.MANUAL`: the middleware below commits through shared/commits.py);
- records the handled `event_id` in the inbox in the same transaction as its effect, so a
  redelivery changes nothing;
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
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pydantic
import structlog
from aiokafka.errors import KafkaConnectionError, KafkaTimeoutError, MessageSizeTooLargeError
from faststream import BaseMiddleware
from faststream.kafka import KafkaBroker
from faststream.message import StreamMessage

from shared import topics
from shared.commits import ConsumerCommits
from shared.db import Conn
from shared.events import Event
from shared.logging import get_logger
from shared.outage import OutageLog

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
        await effect(conn)
    return True


def _header(message: StreamMessage[Any], name: str) -> str | None:
    value = message.headers.get(name)
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    return str(value) if value is not None else None


def dead_letter_headers(
    msg: StreamMessage[Any], error: Exception, attempts: int, consumer_group: str
) -> dict[str, str]:
    """The original headers, and what went wrong, where and when (error text cut short)."""
    record = msg.raw_message
    headers = {key: _header(msg, key) or "" for key in msg.headers}
    headers.update(
        dead_letter_error=f"{type(error).__name__}: {error}"[:_ERROR_CHARS],
        dead_letter_traceback=_traceback(error),
        dead_letter_consumer=consumer_group,
        dead_letter_source_topic=str(getattr(record, "topic", "")),
        dead_letter_source_partition=str(getattr(record, "partition", "")),
        dead_letter_source_offset=str(getattr(record, "offset", "")),
        dead_letter_attempts=str(attempts),
        dead_letter_at=datetime.now(UTC).isoformat(),
    )
    return headers


def dead_letter_middleware(
    broker_ref: Callable[[], KafkaBroker],
    *,
    consumer_group: str,
    commits: ConsumerCommits,
    max_attempts: int = 3,
    first_backoff: float = 0.2,
    on_dead_letter: Callable[[str], None] = lambda _source_topic: None,
) -> Callable[..., BaseMiddleware]:
    """Middleware factory for a service's subscribers (see the module docstring); their offsets
    are committed by `commits`, once per batch (shared/commits.py)."""
    # FastStream makes a middleware per message: the outage outlives them all.
    outage = OutageLog(f"{consumer_group} consumer dependencies (database or broker)")

    class DeadLetterMiddleware(BaseMiddleware):
        async def consume_scope(
            self, call_next: Callable[[Any], Awaitable[Any]], msg: StreamMessage[Any]
        ) -> Any:
            with structlog.contextvars.bound_contextvars(
                event_id=_header(msg, "event_id"),
                correlation_id=_header(msg, "correlation_id"),
                event_type=_header(msg, "event_type"),
                consumer=consumer_group,
            ):
                return await self._handle(call_next, msg)

        async def _handle(
            self, call_next: Callable[[Any], Awaitable[Any]], msg: StreamMessage[Any]
        ) -> Any:
            started = time.perf_counter()
            record = msg.raw_message
            where = (getattr(msg, "consumer", None), record.topic, record.partition, record.offset)
            for attempt in range(1, max_attempts + 1):
                try:
                    result = await call_next(msg)
                except TRANSIENT_ERRORS as error:
                    # Not the message's fault: back off and read it again.
                    outage.failed(error)
                    await commits.rewind(*where)
                    await asyncio.sleep(min(first_backoff * 2**outage.failures, 2.0))
                    return None
                except NEVER_SUCCEED as error:
                    await commits.finished(*where, self._give_up(msg, error, attempt))
                    return None
                except Exception as error:
                    if attempt == max_attempts:
                        await commits.finished(*where, self._give_up(msg, error, attempt))
                        return None
                    log.warning("handler failed", attempt=attempt, error=repr(error))
                    await asyncio.sleep(first_backoff * 2 ** (attempt - 1))
                    continue
                outage.recovered()
                log.info(
                    "event handled",
                    attempt=attempt,
                    duration_ms=round((time.perf_counter() - started) * 1000, 1),
                )
                await commits.finished(*where)
                return result
            return None

        def _give_up(
            self, msg: StreamMessage[Any], error: Exception, attempts: int
        ) -> asyncio.Task[None] | None:
            """Start the message's dead letter; the batch's commit awaits it."""
            outage.recovered()
            if getattr(msg.raw_message, "topic", None) == topics.DEAD_LETTER:
                # Never feed the dead-letter topic to itself.
                log.error("dead letter not handled", error=repr(error))
                return None
            log.error("event dead-lettered", error=repr(error), attempts=attempts)
            return asyncio.create_task(self._dead_letter(msg, error, attempts))

        async def _dead_letter(
            self, msg: StreamMessage[Any], error: Exception, attempts: int
        ) -> None:
            headers = dead_letter_headers(msg, error, attempts, consumer_group)
            key = getattr(msg.raw_message, "key", None)
            try:
                await broker_ref().publish(
                    msg.body, topic=topics.DEAD_LETTER, key=key, headers=headers
                )
            except MessageSizeTooLargeError:
                # The headers say where the original lies (topic, partition, offset).
                headers["dead_letter_body_omitted"] = str(len(msg.body))
                await broker_ref().publish(b"", topic=topics.DEAD_LETTER, key=key, headers=headers)
            on_dead_letter(headers["dead_letter_source_topic"])

    return DeadLetterMiddleware
