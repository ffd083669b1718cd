"""Crashes of real service processes (kill -9), against the real Kafka, PostgreSQL and SMTP server.

- notifications killed right after the SMTP server accepted an email (its answer held back by
  a relay, so the kill lands in that window every time): after the restart the email goes out
  at most once more, with the same Message-ID, and is then marked sent;
- the short chaos run of CI: claims filed over HTTP while a service is killed and restarted
  and the broker is restarted; every claim is stored, published, assessed and emailed once.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from services.notifications import preview
from shared.outbox import kafka_headers
from tools.chaos import run_chaos
from tools.chaos_parts import Pipeline, Report
from tools.support.kafka import produce
from tools.support.mailbox import Mailbox
from tools.support.services import RunningServices
from tools.support.smtp_relay import SmtpRelay
from tools.support.stack import Stack

pytestmark = pytest.mark.e2e


@pytest.fixture
async def relayed_notifications(
    stack: Stack, services: RunningServices
) -> AsyncIterator[SmtpRelay]:
    """The session's notifications process, restarted to send through a relay."""
    relay = await SmtpRelay(stack.smtp_host, stack.smtp_port).start()
    services.stop("notifications")
    services.overrides["notifications"] = {
        "RMA_SMTP_HOST": "127.0.0.1",
        "RMA_SMTP_PORT": str(relay.port),
        # The claim on an email being sent expires after 2 * timeout + 5 s.
        "RMA_SMTP_TIMEOUT_SECONDS": "3",
    }
    services.start("notifications")
    await asyncio.to_thread(services.wait_healthy, "notifications")
    await _wait_quiet(services.database_url("notifications"))
    try:
        yield relay
    finally:
        relay.release()
        services.stop("notifications")
        services.overrides.pop("notifications")
        services.start("notifications")
        await asyncio.to_thread(services.wait_healthy, "notifications")
        await relay.stop()


async def test_killed_right_after_the_server_accepted_an_email_repeats_it_at_most_once(
    stack: Stack, services: RunningServices, mailbox: Mailbox, relayed_notifications: SmtpRelay
) -> None:
    relay = relayed_notifications
    address = f"klient-{uuid.uuid4().hex[:12]}@example.com"
    sample = preview.status_changed("pl", "in_inspection")
    event = sample.model_copy(
        update={"event_id": uuid.uuid4(), "data": sample.data.model_copy(update={"email": address})}
    )
    relay.hold_acceptance_for(address)
    await produce(
        stack.kafka_bootstrap,
        event.topic,
        event.model_dump_json().encode(),
        key=event.key.encode(),
        headers=kafka_headers(event.type, str(event.event_id), str(event.correlation_id)),
    )
    await relay.wait_held(timeout=120)
    services.kill("notifications")  # the server has the email; the sender never heard "250"
    relay.release()
    assert len(await mailbox.messages(address)) == 1
    services.start("notifications")
    await asyncio.to_thread(services.wait_healthy, "notifications")

    database = services.database_url("notifications")
    status = await _wait_sent(database, event.event_id)
    await asyncio.sleep(3)  # a further repeat would come now
    copies = await mailbox.messages(address)
    assert len(copies) == 2  # the one repeat, after the claim on the email expired
    assert {m["message_id"] for m in copies} == {f"<{event.event_id}@rma.innpro.example>"}
    assert status["attempts"] == 2


async def _wait_quiet(database_url: str, timeout: float = 300.0) -> None:
    """Until no email is pending and none was added for a few seconds: a backlog the group
    reads first (a broker kept between runs) must not take the relay's hold."""
    loop = asyncio.get_running_loop()
    deadline, last, quiet_since = loop.time() + timeout, None, loop.time()
    while loop.time() < deadline:
        try:
            conn = await asyncpg.connect(database_url)
        except (OSError, asyncpg.PostgresError):
            await asyncio.sleep(0.5)  # the database is created at start-up
            continue
        try:
            now = tuple(
                await conn.fetchrow(
                    "SELECT count(*), count(*) FILTER (WHERE status = 'pending') FROM emails"
                )
            )
        finally:
            await conn.close()
        if now != last:
            last, quiet_since = now, loop.time()
        elif now[1] == 0 and loop.time() - quiet_since > 3.0:
            return
        await asyncio.sleep(0.5)
    raise AssertionError(f"notifications still busy after {timeout}s: {last}")


async def _wait_sent(
    database_url: str, event_id: uuid.UUID, timeout: float = 60.0
) -> asyncpg.Record:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    conn = await asyncpg.connect(database_url)
    try:
        while True:
            row = await conn.fetchrow(
                "SELECT status, attempts FROM emails WHERE event_id = $1", event_id
            )
            if row is not None and row["status"] == "sent":
                return row
            if loop.time() > deadline:
                raise AssertionError(f"email not sent after {timeout}s: {row}")
            await asyncio.sleep(0.3)
    finally:
        await conn.close()


async def test_short_chaos_run_loses_nothing_and_repeats_nothing(
    stack: Stack, services: RunningServices, mailbox: Mailbox
) -> None:
    """CI's version of `make chaos`: a service killed, the broker killed; exact counts after."""
    pipeline = Pipeline(stack, services, mailbox)
    reports, problems = await run_chaos(pipeline, short=True, rate=1.0)
    print(Report.table(reports))
    assert [r.phase for r in reports] == [
        "kill -9 claims during a burst (4x), keys retried",
        "kill -9 Kafka, restart",
    ]
    assert problems == []
    burst = reports[0]
    assert burst.keys_resent == burst.acknowledged and burst.resent_other_answer == 0
    assert burst.stored_unacknowledged == 0  # no retried key filed a second claim
    for report in reports:
        assert report.acknowledged > 0 and report.acknowledged == report.stored
        assert report.emails_arrived == report.emails_expected == 2 * report.acknowledged
        assert report.emails_per_message_id_max == 1
