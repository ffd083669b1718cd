"""The verdict is emailed once: warranty and notifications against the real Kafka, PostgreSQL and
SMTP server. A parcel's receipt republishes the verdict with its repair deadline, marked as only
that; the customer is not told "product covered" a second time."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest

from services.notifications.bootstrap import build_app as build_notifications
from services.notifications.settings import NotificationsSettings
from services.warranty.bootstrap import build_app as build_warranty
from services.warranty.settings import WarrantySettings
from shared import topics
from tests.integration.test_passport import status
from tests.integration.test_warranty import claim, random_ean, send
from tests.support.inprocess import running_app
from tests.support.kafka import TopicProbe
from tests.support.mailbox import Mailbox
from tests.support.stack import Stack

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def warranty_and_notifications(stack: Stack) -> AsyncIterator[None]:
    from tests.conftest import create_database, drop_database

    group = uuid.uuid4().hex[:8]
    warranty_url = await create_database(stack, "rma_test_warranty")
    notifications_url = await create_database(stack, "rma_test_notifications")
    keys = stack.keys_dir
    warranty = WarrantySettings(
        kafka_bootstrap_servers=stack.kafka_bootstrap,
        database_url=warranty_url,
        consumer_group=f"test-warranty-{group}",
        token_public_key_file=keys / "token_public.pem",
    )
    notifications = NotificationsSettings(
        kafka_bootstrap_servers=stack.kafka_bootstrap,
        database_url=notifications_url,
        consumer_group=f"test-notifications-{group}",
        token_public_key_file=keys / "token_public.pem",
        seal_private_key_file=keys / "seal_private.pem",
        smtp_host=stack.smtp_host,
        smtp_port=stack.smtp_port,
    )
    async with (
        running_app(build_warranty(warranty)),
        running_app(build_notifications(notifications)),
    ):
        yield
    await drop_database(stack, warranty_url)
    await drop_database(stack, notifications_url)


async def test_the_verdict_is_emailed_once_though_the_receipt_adds_a_deadline(
    warranty_and_notifications: None, stack: Stack, mailbox: Mailbox
) -> None:
    address = f"klient-{uuid.uuid4().hex[:12]}@example.com"
    created = claim(random_ean(), "DJI", "drone", date.today() - timedelta(days=30), email=address)
    async with TopicProbe(stack.kafka_bootstrap, topics.WARRANTY) as probe:
        await send(stack, created)
        await mailbox.wait_for(address, count=2, timeout=60)  # the claim and its verdict
        await send(stack, status(created, "received", datetime.now(UTC)))
        [_, update] = await probe.wait_for(
            lambda body, _: (
                body["type"] == "WarrantyAssessed"
                and body["data"]["claim_id"] == str(created.data.claim_id)
            ),
            count=2,
        )
    assert update["data"]["deadlines_update"] is True
    assert any(d["kind"] == "dji_repair" and d["due_on"] for d in update["data"]["deadlines"])
    await asyncio.sleep(5.0)  # time for a second verdict email to arrive, if one were sent
    listing = await mailbox.messages(address)
    subjects = sorted([(await mailbox.message(str(m["id"])))["subject"] for m in listing])
    rma = created.data.rma_number
    assert subjects == [f"Zgłoszenie {rma} przyjęte", f"Zgłoszenie {rma}: produkt objęty gwarancją"]
