"""What the mail sender guarantees, against the real Kafka, PostgreSQL and SMTP server:

- the database away at the moment the SMTP server accepts an email: the email is marked sent
  once the database is back, and never sent again;
- temporary refusals (451) for 16 s, with a backoff (2 s doubling) whose next tries come 14 s
  and more after the server's return: the sender probes the server every second meanwhile,
  and when it accepts again every email is delivered once within seconds, none failed (the
  five-minute outage with the production backoff is tests/unit/notifications/
  test_smtp_outage.py's on a fake clock, and make chaos's); a permanent refusal (550) fails the
  email at once, and an operator's resend delivers it;
- several emails in flight over a bounded pool of SMTP connections.

(A crash right after acceptance is in tests/e2e/test_reliability.py: it needs a real process.)
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from services.notifications import preview
from services.notifications.bootstrap import build_app
from services.notifications.settings import NotificationsSettings
from shared.auth import Principal, issue_token
from shared.events import Event
from shared.outbox import kafka_headers
from tests.support.inprocess import running_app
from tools.support.kafka import produce
from tools.support.mailbox import Mailbox
from tools.support.smtp_relay import SmtpRelay
from tools.support.stack import Stack, start_postgres, stop_postgres

pytestmark = pytest.mark.integration

# Three or four tries of each email at the fixture's backoff (0, 2, 6, 14 s): the next would
# come 14 s after the server's return (less the time the test takes to look), far beyond
# RELEASED_WITHIN; the probes (every second) find the server back within a second or two.
REFUSAL_SECONDS = 16
RELEASED_WITHIN = timedelta(seconds=6)


@dataclass
class Sender:
    client: httpx.AsyncClient
    database_url: str
    stack: Stack
    relay: SmtpRelay

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(self.database_url)
        try:
            return await conn.fetch(query, *args)
        finally:
            await conn.close()

    async def email(self, event: Event) -> asyncpg.Record | None:
        rows = await self.fetch("SELECT * FROM emails WHERE event_id = $1", event.event_id)
        return rows[0] if rows else None

    async def wait_status(self, event: Event, status: str, timeout: float = 60.0) -> asyncpg.Record:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            with_status = None
            try:
                row = await self.email(event)
                with_status = row if row is not None and row["status"] == status else None
            except (OSError, asyncpg.PostgresError):
                pass  # the database is still coming back
            if with_status is not None:
                return with_status
            if loop.time() > deadline:
                raise AssertionError(f"email of {event.type} not {status} after {timeout}s")
            await asyncio.sleep(0.3)

    async def idle(self, timeout: float = 120.0) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            [row] = await self.fetch("SELECT count(*) FROM emails WHERE status = 'pending'")
            if row["count"] == 0:
                return
            await asyncio.sleep(0.3)
        raise AssertionError("emails still pending")

    async def caught_up(self, quiet_for: float = 3.0, timeout: float = 600.0) -> None:
        """A new consumer group reads the topics from the start: wait until the earlier tests'
        events are handled and their emails sent, so these tests time only their own."""
        loop = asyncio.get_running_loop()
        deadline, last, quiet_since = loop.time() + timeout, -1, loop.time()
        while loop.time() < deadline:
            [row] = await self.fetch(
                """SELECT (SELECT count(*) FROM inbox) AS handled,
                          (SELECT count(*) FROM emails WHERE status = 'pending') AS pending"""
            )
            if row["handled"] != last or row["pending"]:
                last, quiet_since = row["handled"], loop.time()
            elif loop.time() - quiet_since > quiet_for:
                return
            await asyncio.sleep(0.3)
        raise AssertionError(f"still catching up after {timeout}s ({last} events handled)")

    def operator(self) -> dict[str, str]:
        token = issue_token(
            (self.stack.keys_dir / "token_private.pem").read_bytes(),
            Principal(subject=uuid.uuid4(), role="operator"),
        )
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
async def sender(stack: Stack) -> AsyncIterator[Sender]:
    from tests.conftest import create_database, drop_database

    relay = await SmtpRelay(stack.smtp_host, stack.smtp_port).start()
    url = await create_database(stack, "rma_test_delivery")
    settings = NotificationsSettings(
        kafka_bootstrap_servers=stack.kafka_bootstrap,
        database_url=url,
        token_public_key_file=stack.keys_dir / "token_public.pem",
        seal_private_key_file=stack.keys_dir / "seal_private.pem",
        smtp_host="127.0.0.1",
        smtp_port=relay.port,
        smtp_first_retry_seconds=2.0,
        smtp_max_retry_seconds=120.0,
        smtp_probe_seconds=1.0,
        smtp_timeout_seconds=5.0,
        smtp_connections=4,
    )
    app = build_app(settings)
    async with running_app(app) as client:
        sender = Sender(client, url, stack, relay)
        await sender.caught_up()
        yield sender
    await relay.stop()
    await drop_database(stack, url)


def customer_event(sample: Event) -> tuple[Event, str]:
    address = f"klient-{uuid.uuid4().hex[:12]}@example.com"
    event = sample.model_copy(
        update={"event_id": uuid.uuid4(), "data": sample.data.model_copy(update={"email": address})}
    )
    return event, address


async def send(stack: Stack, event: Event) -> None:
    await produce(
        stack.kafka_bootstrap,
        event.topic,
        event.model_dump_json().encode(),
        key=event.key.encode(),
        headers=kafka_headers(event.type, str(event.event_id), str(event.correlation_id)),
    )


async def copies(mailbox: Mailbox, address: str, event: Event) -> list[dict[str, Any]]:
    listing = await mailbox.messages(address)
    return [m for m in listing if m["message_id"] == f"<{event.event_id}@rma.innpro.example>"]


async def test_database_away_when_the_server_accepts_sends_the_email_once(
    sender: Sender, mailbox: Mailbox
) -> None:
    event, address = customer_event(preview.status_changed("pl", "in_inspection"))
    sender.relay.hold_acceptance_for(address)
    await send(sender.stack, event)
    await sender.relay.wait_held(timeout=60)  # stored by the server; the sender does not know
    await asyncio.to_thread(stop_postgres)
    try:
        sender.relay.release()  # now the sender hears "250" and cannot mark the email sent
        await asyncio.sleep(3)
        assert len(await copies(mailbox, address, event)) == 1
    finally:
        await asyncio.to_thread(start_postgres)
    row = await sender.wait_status(event, "sent", timeout=60)
    assert row["attempts"] == 1
    await asyncio.sleep(3)  # a repeat would come now
    assert len(await copies(mailbox, address, event)) == 1


async def test_temporary_refusals_for_a_while_then_every_email_once_soon_after_the_return(
    sender: Sender, mailbox: Mailbox
) -> None:
    await sender.idle()
    events = [customer_event(preview.status_changed("pl", "in_inspection")) for _ in range(12)]
    await mailbox.refuse(451)
    try:
        for event, _ in events:
            await send(sender.stack, event)
        await asyncio.sleep(REFUSAL_SECONDS)
        for event, address in events:
            row = await sender.email(event)
            assert row is not None and row["status"] == "pending", row
            assert row["attempts"] >= 3 and "451" in row["last_error"]
            assert await copies(mailbox, address, event) == []
    finally:
        await mailbox.accept()
        returned = datetime.now(UTC)
    for event, _ in events:
        row = await sender.wait_status(event, "sent", timeout=60)
        late = row["sent_at"] - returned
        assert late <= RELEASED_WITHIN, f"sent {late.total_seconds():.1f} s after the return"
    await asyncio.sleep(3)
    for event, address in events:
        [message] = await copies(mailbox, address, event)
        assert message["rcpt_tos"] == [address]


async def test_permanent_refusal_fails_at_once_and_an_operator_resends_it(
    sender: Sender, mailbox: Mailbox
) -> None:
    await sender.idle()
    event, address = customer_event(preview.decided("pl", "repair"))
    await mailbox.fail_next(1, code=550)
    await send(sender.stack, event)
    failed = await sender.wait_status(event, "failed", timeout=30)
    assert failed["attempts"] == 1 and "550" in failed["last_error"]
    assert await copies(mailbox, address, event) == []

    not_failed = await sender.client.post(
        f"/api/emails/{uuid.uuid4()}/resend", headers=sender.operator()
    )
    assert not_failed.status_code == 404
    # The resend goes out at once: after the trigger of the one refusal is off.
    await mailbox.accepting_again()
    response = await sender.client.post(
        f"/api/emails/{failed['email_id']}/resend", headers=sender.operator()
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"resent": [str(failed["email_id"])]}
    await sender.wait_status(event, "sent", timeout=30)
    await asyncio.sleep(2)
    assert len(await copies(mailbox, address, event)) == 1
    again = await sender.client.post(
        f"/api/emails/{failed['email_id']}/resend", headers=sender.operator()
    )
    assert again.status_code == 409  # sent: a resend would send a second copy
    everything = await sender.client.post("/api/emails/failed/resend", headers=sender.operator())
    assert everything.status_code == 200 and everything.json() == {"resent": []}
    customer = await sender.client.post("/api/emails/failed/resend")
    assert customer.status_code == 401


async def test_emails_go_out_several_at_a_time_over_a_few_kept_connections(
    sender: Sender, mailbox: Mailbox
) -> None:
    await sender.idle()
    relay = sender.relay
    relay.most_connections_open, opened_before = relay.connections_open, relay.connections_opened
    events = [customer_event(preview.status_changed("pl", "in_inspection")) for _ in range(40)]
    for event, _ in events:
        await send(sender.stack, event)
    for event, _ in events:
        await sender.wait_status(event, "sent", timeout=60)
    for event, address in events:
        assert len(await copies(mailbox, address, event)) == 1
    assert 2 <= relay.most_connections_open <= 4  # smtp_connections
    assert relay.connections_opened - opened_before <= 8  # reused, not one per email
