"""The operators' live feed (services/web/live.py) against the real Kafka, as the web panel's
own Kafka user: an event on the claims topic reaches every open stream as its summary."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from services.web.live import LIVE_TOPICS, KafkaFeed, LiveHub
from shared.events import ClaimedProduct, ClaimStatusChanged, ClaimStatusChangedData
from shared.runtime import ensure_topics
from tools.support.kafka import publish
from tools.support.stack import Stack

pytestmark = pytest.mark.integration


def status_changed(claim_id: uuid.UUID) -> ClaimStatusChanged:
    return ClaimStatusChanged(
        producer="test",
        key=str(claim_id),
        data=ClaimStatusChangedData(
            claim_id=claim_id,
            rma_number=f"RMA/{claim_id.int % 10**6}/SR/2026",
            account_id=uuid.uuid4(),
            email=f"live-{claim_id.hex[:10]}@example.com",
            claim_type="warranty",
            product=ClaimedProduct(
                ean="5900000000001", sku="T-1", name="Test", brand="DJI", category="drone"
            ),
            from_status="received",
            to_status="in_inspection",
            changed_at=datetime.now(UTC),
            actor="test",
        ),
    )


async def test_an_event_on_the_claims_topic_reaches_every_open_stream(stack: Stack) -> None:
    await ensure_topics(stack.kafka_bootstrap, list(LIVE_TOPICS))
    hub = LiveHub()
    feed = KafkaFeed(stack.kafka_bootstrap, hub, stack.kafka_user("web"))
    claim_id = uuid.uuid4()
    feed.start()
    try:
        await asyncio.wait_for(hub.ready.wait(), timeout=60)
        async with hub.subscribe() as first, hub.subscribe() as second:
            summaries = await _until_seen(stack, first, claim_id)
            assert await asyncio.wait_for(_first_of(second, claim_id), timeout=10) == summaries
    finally:
        await feed.stop()

    assert summaries["type"] == "ClaimStatusChanged"
    assert summaries["status"] == "in_inspection"
    assert summaries["rma_number"] == f"RMA/{claim_id.int % 10**6}/SR/2026"
    assert "email" not in summaries


async def _first_of(stream: asyncio.Queue[dict[str, Any]], claim_id: uuid.UUID) -> dict[str, Any]:
    while (summary := await stream.get())["claim_id"] != str(claim_id):
        pass
    return summary


async def _until_seen(
    stack: Stack, stream: asyncio.Queue[dict[str, Any]], claim_id: uuid.UUID
) -> dict[str, Any]:
    """Publishes the event until the stream shows it: a consumer starting from the latest offset
    may look that offset up just after the first one was written."""
    for _ in range(15):
        await publish(stack.kafka_bootstrap, status_changed(claim_id))
        try:
            return await asyncio.wait_for(_first_of(stream, claim_id), timeout=2)
        except TimeoutError:
            continue
    raise AssertionError("the live feed never handed the event on")
