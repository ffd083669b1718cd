"""The deadline scheduler against the real PostgreSQL, Kafka and SMTP server, with its clock
injected (nothing sleeps): a consumer complaint is accepted by law, a quote expires and the
service desk hears of a claim at risk; two schedulers running at once publish each event once,
and each email arrives once (issue 24)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import pytest

from services.claims import handlers
from services.claims.bootstrap import build_app as claims_app
from services.claims.bootstrap import postgres_context
from services.claims.domain.claim import DecisionInput
from services.claims.domain.deadlines import add_working_days
from services.claims.domain.intake import read_label
from services.claims.entrypoints.scheduler import DeadlineScheduler
from services.claims.settings import ClaimsSettings
from services.notifications.bootstrap import build_app as notifications_app
from services.notifications.settings import NotificationsSettings
from shared import topics
from shared.calendar import polish_date
from shared.db import create_pool
from tests.support.claims_service import Clock, Desk
from tests.support.inprocess import running_app
from tools.support.days import polish_today
from tools.support.kafka import TopicProbe, caught_up, start_from_now
from tools.support.mailbox import Mailbox
from tools.support.stack import Stack

pytestmark = pytest.mark.integration

ACTED = ("ClaimDeemedAccepted", "ClaimOfferExpired", "DeadlinesAtRisk")


@dataclass
class World:
    pool: asyncpg.Pool
    desk: Desk
    service_desk: str
    mail_group: str
    mail_url: str


@pytest.fixture
async def world(stack: Stack) -> AsyncIterator[World]:
    from tests.conftest import create_database, drop_database

    claims_url = await create_database(stack, "rma_test_deadlines")
    mail_url = await create_database(stack, "rma_test_deadline_mail")
    service_desk = f"serwis-{uuid.uuid4().hex[:10]}@example.com"
    claims = ClaimsSettings(
        kafka_bootstrap_servers=stack.kafka_bootstrap,
        database_url=claims_url,
        consumer_group=f"test-claims-{uuid.uuid4().hex[:8]}",
        token_public_key_file=stack.keys_dir / "token_public.pem",
        deadline_scan_seconds=0,  # the test runs the schedulers itself
    )
    mail = NotificationsSettings(
        kafka_bootstrap_servers=stack.kafka_bootstrap,
        database_url=mail_url,
        consumer_group=f"test-notifications-{uuid.uuid4().hex[:8]}",
        token_public_key_file=stack.keys_dir / "token_public.pem",
        seal_private_key_file=stack.keys_dir / "seal_private.pem",
        smtp_host=stack.smtp_host,
        smtp_port=stack.smtp_port,
        service_desk_email=service_desk,
    )
    # The earlier tests' events on the broker are not this test's: not replayed (nor emailed).
    await start_from_now(stack.kafka_bootstrap, [claims.consumer_group, mail.consumer_group])
    async with running_app(claims_app(claims)), running_app(notifications_app(mail)):
        pool = await create_pool(claims_url)
        clock = Clock(datetime.now(UTC) - timedelta(days=16))
        desk = Desk(clock=clock, ctx=replace(postgres_context(pool), clock=clock))
        yield World(pool, desk, service_desk, str(mail.consumer_group), mail_url)
        await pool.close()
    await drop_database(stack, claims_url)
    await drop_database(stack, mail_url)


async def outbox_types(pool: asyncpg.Pool) -> list[str]:
    rows = await pool.fetch("SELECT event_type FROM outbox ORDER BY id")
    return [row["event_type"] for row in rows if row["event_type"] in ACTED]


async def mail_to(mailbox: Mailbox, address: str, subject_part: str) -> list[dict[str, Any]]:
    return [m for m in await mailbox.messages(address) if subject_part in m["subject"]]


async def wait_for_mail(mailbox: Mailbox, address: str, subject_part: str) -> None:
    for _ in range(200):
        if await mail_to(mailbox, address, subject_part):
            return
        await asyncio.sleep(0.3)
    raise AssertionError(f"no email '{subject_part}' to {address}")


async def all_mail_sent(world: World, stack: Stack) -> None:
    """Until notifications has handled every claims event on the broker and sent its emails:
    then whatever it would send twice is in the mailbox (a wait for a condition, not a sleep)."""
    await caught_up(stack.kafka_bootstrap, world.mail_group, [topics.CLAIMS])
    conn = await asyncpg.connect(world.mail_url)
    try:
        for _ in range(200):
            if not await conn.fetchval("SELECT count(*) FROM emails WHERE status = 'pending'"):
                return
            await asyncio.sleep(0.3)
    finally:
        await conn.close()
    raise AssertionError("emails still pending")


async def test_two_schedulers_act_on_each_deadline_once_and_each_email_arrives_once(
    world: World, stack: Stack
) -> None:
    desk = world.desk
    customer = await desk.customer(sold_days_ago=5)
    # Filed 16 days ago: its 14-day answer ran out two days ago.
    complaint = (await customer.file(claim_type="non_conformity")).data.claim_id
    filed_on = polish_date(desk.clock.now)
    await desk.assess(complaint, complaint_answer=filed_on + timedelta(days=14))
    # A quote valid until yesterday.
    quoted = (await customer.file(line_no=2, serial_number=None)).data.claim_id
    rma = (await desk.claim(quoted)).rma_number
    await handlers.receive_parcel(desk.ctx, desk.scanner, read_label(rma), uuid.uuid4())
    await desk.run(quoted, desk.operator, lambda c, a: c.start_inspection(a))
    today = polish_today()
    quote = DecisionInput(
        "paid_repair", "Zalane złącze.", amount=Decimal("120"), valid_until=today - timedelta(1)
    )
    await desk.run(quoted, desk.operator, lambda c, a: c.decide(a, quote))
    # A complaint answered in time so far, due in two working days: at risk.
    other = await desk.customer(sold_days_ago=5)
    near = (await other.file()).data.claim_id
    await desk.assess(near, complaint_answer=add_working_days(today, 2))

    desk.clock.now = datetime.now(UTC)
    schedulers = [DeadlineScheduler(desk.ctx, world.pool, 60.0) for _ in range(2)]  # type: ignore[arg-type]
    async with TopicProbe(stack.kafka_bootstrap, topics.CLAIMS) as probe:
        await asyncio.gather(*(scheduler.tick() for scheduler in schedulers))
        await asyncio.gather(*(scheduler.tick() for scheduler in schedulers))
        assert sorted(await outbox_types(world.pool)) == sorted(ACTED)
        keys = {str(complaint), str(quoted), today.isoformat()}
        await probe.wait_for(lambda body, _: body["type"] == "DeadlinesAtRisk", timeout=60)
        await probe.settle(2.0)
    published = [
        r for r in probe.records if r.key is not None and r.key.decode() in keys
        and any(kind.encode() in r.value for kind in ACTED)
    ]  # fmt: skip
    assert len(published) == 3

    mailbox = Mailbox(stack.mailbox_url)
    await wait_for_mail(mailbox, str(customer.email), "uznana za zasadną")
    await wait_for_mail(mailbox, str(customer.email), "oferta wygasła")
    await wait_for_mail(mailbox, world.service_desk, "Terminy zagrożone")
    await all_mail_sent(world, stack)  # a duplicate would have been sent by now
    assert len(await mail_to(mailbox, str(customer.email), "uznana za zasadną")) == 1
    assert len(await mail_to(mailbox, str(customer.email), "oferta wygasła")) == 1
    # Only this test's digest names its claim (a Kafka kept from an earlier run may hold others).
    digests = [
        await mailbox.message(str(m["id"]))
        for m in await mail_to(mailbox, world.service_desk, "Terminy zagrożone")
    ]
    [digest] = [d for d in digests if f"/operator/claims/{near}" in (d["text"] or "")]
    assert (await desk.claim(near)).rma_number in digest["text"]
