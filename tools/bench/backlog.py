"""Hop capacity: a backlog of ClaimCreated events put straight on the topic, as if claims had
published them all at once, and how fast warranty assesses them and notifications emails them."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

from aiokafka import AIOKafkaProducer

from shared import topics
from shared.kafka import client_options
from shared.outbox import kafka_headers
from tools.bench.mailpit import MailboxReader
from tools.bench.observe import ClaimEvents, emails_accepted, poll_until


def backlog_claims(sample: dict[str, Any], count: int) -> list[dict[str, Any]]:
    """`count` new claims like `sample`, each for a unit of its own, as the filed claims are: one
    unit's thousands of earlier claims would make each copy's passport longer than the last."""
    copies = []
    for _ in range(count):
        claim_id = str(uuid.uuid4())
        serial = sample["data"].get("serial_number")
        copies.append(
            {
                **sample,
                "event_id": str(uuid.uuid4()),
                "key": claim_id,
                "data": {
                    **sample["data"],
                    "claim_id": claim_id,
                    "serial_number": serial and f"{serial}B{claim_id[:8].upper()}",
                },
            }
        )
    return copies


async def publish_backlog(bootstrap: str, sample: dict[str, Any], count: int) -> list[str]:
    producer = AIOKafkaProducer(
        **client_options(bootstrap), enable_idempotence=True, acks="all", linger_ms=5
    )
    await producer.start()
    claim_ids = []
    try:
        deliveries = []
        for event in backlog_claims(sample, count):
            claim_ids.append(event["data"]["claim_id"])
            deliveries.append(
                await producer.send(
                    topics.CLAIMS,
                    value=json.dumps(event).encode(),
                    key=event["key"].encode(),
                    headers=kafka_headers(
                        event["type"], event["event_id"], event["correlation_id"]
                    ),
                )
            )
        await asyncio.gather(*deliveries)
    finally:
        await producer.stop()
    return claim_ids


async def drain_backlog(
    claim_ids: list[str], events: ClaimEvents, mailbox: MailboxReader, timeout: float
) -> tuple[list[float], list[float]]:
    """When each claim was assessed and each of its emails accepted, waiting up to `timeout`."""

    async def look() -> tuple[list[float], list[float]]:
        emails = await emails_accepted(mailbox, events)
        return _assessed(claim_ids, events), [
            at for c in claim_ids for at in emails.get(c, {}).values()
        ]

    return await poll_until(look, lambda found: len(found[1]) >= 2 * len(claim_ids), timeout)


async def drain_assessed(claim_ids: list[str], events: ClaimEvents, timeout: float) -> list[float]:
    """When each claim was assessed (WarrantyAssessed on the topic), waiting up to `timeout`."""

    async def look() -> list[float]:
        return _assessed(claim_ids, events)

    return await poll_until(look, lambda found: len(found) >= len(claim_ids), timeout, 0.5)


def _assessed(claim_ids: list[str], events: ClaimEvents) -> list[float]:
    return [events.assessed[c] for c in claim_ids if c in events.assessed]
