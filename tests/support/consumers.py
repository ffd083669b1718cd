"""Consumers under test: how many Kafka consumers a service's runtime starts per topic (issue 27,
item 5: each one, idle, fetches every 500 ms and heartbeats), the records a fetch returns, and
the one-line sale their tests consume."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from aiokafka import ConsumerRecord

from shared.events import SaleLine, SaleRecorded
from shared.runtime import ServiceRuntime
from tools.support import sales


def consumers_per_topic(runtime: ServiceRuntime) -> dict[str, int]:
    """Topic -> the Kafka consumers (consumer loops) its subscriber runs in one process."""
    return {subscription.topic: subscription.workers for subscription in runtime.subscriptions}


def consumer_record(
    topic: str,
    offset: int,
    value: bytes,
    headers: Sequence[tuple[str, bytes]] = (),
    *,
    partition: int = 0,
    key: bytes = b"key",
) -> ConsumerRecord[bytes, bytes]:
    """A record as a consumer's fetch returns it."""
    return ConsumerRecord(
        topic=topic,
        partition=partition,
        offset=offset,
        timestamp=0,
        timestamp_type=0,
        key=key,
        value=value,
        checksum=None,
        serialized_key_size=len(key),
        serialized_value_size=len(value),
        headers=list(headers),
    )


def sale(number: str) -> SaleRecorded:
    """A receipt of one cable, its document number `number`."""
    cable = SaleLine(
        line_no=1,
        ean="5901234123457",
        sku="SKU-1",
        name="Kabel USB-C",
        brand="Other",
        category="cable",
        quantity=1,
        unit_price=Decimal("99.90"),
    )
    return sales.sale(number, cable, sold_on=date(2025, 5, 1))


def gathering_per_topic(runtime: ServiceRuntime) -> dict[str, int]:
    """Topic -> what its subscriber's fetches ask the broker to gather (1: nothing)."""
    return {
        subscription.topic: subscription.fetch_min_bytes for subscription in runtime.subscriptions
    }
