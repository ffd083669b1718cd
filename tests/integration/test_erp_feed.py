"""The ERP feed publishes to the real Kafka, keyed by document, and a second feed repeats ids."""

from __future__ import annotations

import json
import uuid

import pytest

from shared import topics
from shared.events import SaleRecordedData
from tools import demo_data, erp_feed
from tools.support.kafka import TopicProbe
from tools.support.stack import Stack

pytestmark = pytest.mark.integration


async def test_feed_publishes_every_document_once_per_run_with_stable_ids(stack: Stack) -> None:
    run = uuid.uuid4().hex[:6]
    documents = demo_data.generate(20, seed=11)[3:]  # not the fixed demo documents
    for document in documents:
        document["document_number"] = f"{run}/{document['document_number']}"
    events = [
        erp_feed.sale_event(SaleRecordedData.model_validate(document)) for document in documents
    ]
    async with TopicProbe(stack.kafka_bootstrap, topics.SALES) as probe:
        assert await erp_feed.publish_sales(events, stack.kafka_bootstrap, progress=False) == 20
        assert await erp_feed.publish_sales(events, stack.kafka_bootstrap, progress=False) == 20
        received = await probe.wait_for(lambda body, _: body["key"].split("/")[1] == run, count=40)
    ids = [body["event_id"] for body in received]
    assert sorted(ids) == sorted([str(e.event_id) for e in events] * 2)
    record = next(r for r in probe.records if json.loads(r.value)["event_id"] == ids[0])
    assert record.key.decode() == json.loads(record.value)["key"]
