"""The consuming side: idempotent handling (inbox), bounded retries and the dead-letter topic.

FastStream's Kafka default commits before handling, and a nack seeks back to the same offset,
so a message that always fails would block its partition forever. Every subscriber here:
- commits only after the handler's transaction committed (`AckPolicy.NACK_ON_ERROR`);
- records the handled `event_id` in the inbox in the same transaction as its effect, so a
  redelivery changes nothing;
- retries a failing message a bounded number of times, then publishes it with its error to the
  dead-letter topic and moves on. Only an outage (database or broker away) is retried without
  bound, since dead-lettering every message during an outage would lose their order.
"""

from __future__ import annotations

import asyncio
import time
import traceback
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import asyncpg
import structlog
from aiokafka.errors import KafkaConnectionError, KafkaTimeoutError
from faststream import BaseMiddleware
from faststream.kafka import KafkaBroker
from faststream.message import StreamMessage

from shared import topics
from shared.db import Conn
from shared.events import Event
from shared.logging import get_logger

log = get_logger(__name__)

TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    asyncpg.InterfaceError,
    ConnectionError,
    TimeoutError,
    KafkaConnectionError,
    KafkaTimeoutError,
)


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


def dead_letter_middleware(
    broker_ref: Callable[[], KafkaBroker],
    *,
    consumer_group: str,
    max_attempts: int = 3,
    first_backoff: float = 0.2,
    on_dead_letter: Callable[[str], None] = lambda _source_topic: None,
) -> Callable[..., BaseMiddleware]:
    """Middleware factory for a service's subscribers (see the module docstring)."""

    class DeadLetterMiddleware(BaseMiddleware):
        async def consume_scope(
            self, call_next: Callable[[Any], Awaitable[Any]], msg: StreamMessage[Any]
        ) -> Any:
            structlog.contextvars.bind_contextvars(
                event_id=_header(msg, "event_id"),
                correlation_id=_header(msg, "correlation_id"),
                event_type=_header(msg, "event_type"),
                consumer=consumer_group,
            )
            started = time.perf_counter()
            try:
                for attempt in range(1, max_attempts + 1):
                    try:
                        result = await call_next(msg)
                    except TRANSIENT_ERRORS as error:
                        # Not the message's fault: back off and let the broker redeliver it.
                        log.warning("transient failure, will retry", error=repr(error))
                        await asyncio.sleep(min(first_backoff * 2**attempt, 5.0))
                        raise
                    except Exception as error:
                        if attempt < max_attempts:
                            log.warning("handler failed", attempt=attempt, error=repr(error))
                            await asyncio.sleep(first_backoff * 2 ** (attempt - 1))
                            continue
                        if getattr(msg.raw_message, "topic", None) == topics.DEAD_LETTER:
                            # Never feed the dead-letter topic to itself.
                            log.error("dead letter not handled", error=repr(error))
                            return None
                        await self._dead_letter(msg, error, attempt)
                        return None
                    log.info(
                        "event handled",
                        attempt=attempt,
                        duration_ms=round((time.perf_counter() - started) * 1000, 1),
                    )
                    return result
                return None
            finally:
                structlog.contextvars.unbind_contextvars(
                    "event_id", "correlation_id", "event_type", "consumer"
                )

        async def _dead_letter(
            self, msg: StreamMessage[Any], error: Exception, attempts: int
        ) -> None:
            record = msg.raw_message
            headers = {key: _header(msg, key) or "" for key in msg.headers}
            headers.update(
                dead_letter_error=f"{type(error).__name__}: {error}"[:2000],
                dead_letter_traceback="".join(traceback.format_exception(error))[-4000:],
                dead_letter_consumer=consumer_group,
                dead_letter_source_topic=str(getattr(record, "topic", "")),
                dead_letter_source_partition=str(getattr(record, "partition", "")),
                dead_letter_source_offset=str(getattr(record, "offset", "")),
                dead_letter_attempts=str(attempts),
                dead_letter_at=datetime.now(UTC).isoformat(),
            )
            await broker_ref().publish(
                msg.body,
                topic=topics.DEAD_LETTER,
                key=getattr(record, "key", None),
                headers=headers,
            )
            on_dead_letter(headers["dead_letter_source_topic"])
            log.error("event dead-lettered", error=repr(error), attempts=attempts)

    return DeadLetterMiddleware
