"""Notifications against the real Kafka, PostgreSQL and SMTP server (the mailbox): each claim event
becomes exactly one email, even when redelivered or when the SMTP server refuses for a while; a
malformed event goes to the dead-letter topic; the new claim's email carries the parcel label.
Which event asks for which email (and which for none) is tests/unit/notifications/test_service.py's,
on the in-memory unit of work."""

from __future__ import annotations

import asyncio
import io
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import httpx
import pytest
from babel.dates import format_date
from babel.numbers import format_currency
from pypdf import PdfReader

from services.notifications import preview
from services.notifications.bootstrap import build_app
from services.notifications.settings import NotificationsSettings
from shared import topics
from shared.auth import Principal, issue_token
from shared.events import AccountActivated, AccountActivatedData, Event
from shared.outbox import kafka_headers
from tests.support.inprocess import running_app
from tools.support.kafka import TopicProbe, produce
from tools.support.mailbox import Mailbox
from tools.support.stack import Stack

pytestmark = pytest.mark.integration


@dataclass
class Notifications:
    client: httpx.AsyncClient
    database_url: str
    stack: Stack

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(self.database_url)
        try:
            return await conn.fetch(query, *args)
        finally:
            await conn.close()

    async def idle(self, timeout: float = 120.0) -> None:
        """Wait until nothing is pending and no new email appeared for a while, so that no
        other email (a warranty verdict on an earlier test's claim) takes the SMTP refusals."""
        loop = asyncio.get_running_loop()
        deadline, last, quiet_since = loop.time() + timeout, None, loop.time()
        while loop.time() < deadline:
            [row] = await self.fetch(
                "SELECT count(*) AS total, count(*) FILTER (WHERE status = 'pending') AS pending "
                "FROM emails"
            )
            now = (row["total"], row["pending"])
            if now != last:
                last, quiet_since = now, loop.time()
            elif row["pending"] == 0 and loop.time() - quiet_since > 2.0:
                return
            await asyncio.sleep(0.3)
        raise AssertionError(f"notifications still busy after {timeout}s: {last}")


@pytest.fixture(scope="module")
async def notifications(stack: Stack) -> AsyncIterator[Notifications]:
    from tests.conftest import create_database, drop_database

    url = await create_database(stack, "rma_test_notifications")
    settings = NotificationsSettings(
        kafka_bootstrap_servers=stack.kafka_bootstrap,
        database_url=url,
        token_public_key_file=stack.keys_dir / "token_public.pem",
        seal_private_key_file=stack.keys_dir / "seal_private.pem",
        smtp_host=stack.smtp_host,
        smtp_port=stack.smtp_port,
        smtp_first_retry_seconds=0.3,
    )
    async with running_app(build_app(settings)) as client:
        service = Notifications(client, url, stack)
        await service.idle()  # the group's backlog, if any, is emailed first
        yield service
    await drop_database(stack, url)


def recipient() -> str:
    return f"klient-{uuid.uuid4().hex[:12]}@example.com"


def for_customer(event: Event, email: str, **data: Any) -> Event:
    """A sample event (new event_id) for another recipient and, optionally, claim or account."""
    return event.model_copy(
        update={
            "event_id": uuid.uuid4(),
            "data": event.data.model_copy(update={"email": email, **data}),
        }
    )


async def send(stack: Stack, event: Event) -> None:
    await produce(
        stack.kafka_bootstrap,
        event.topic,
        event.model_dump_json().encode(),
        key=event.key.encode(),
        headers=kafka_headers(event.type, str(event.event_id), str(event.correlation_id)),
    )


async def emails_for(
    mailbox: Mailbox, address: str, event: Event, timeout: float = 60.0
) -> list[dict[str, Any]]:
    """The messages to `address` caused by `event` (its Message-ID), once at least one arrived.

    Other services running against the same Kafka answer our events too: a warranty service
    assesses a ClaimCreated, and this service emails that verdict to the same address.
    """
    message_id = f"<{event.event_id}@rma.innpro.example>"
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not (
        mine := [m for m in await mailbox.messages(address) if m["message_id"] == message_id]
    ):
        if loop.time() > deadline:
            raise AssertionError(f"no email for {event.type} to {address} after {timeout}s")
        await asyncio.sleep(0.3)
    return [await mailbox.message(str(m["id"])) for m in mine]


async def settled_count(mailbox: Mailbox, address: str, event: Event) -> int:
    """How many messages `event` caused, after giving a duplicate time to arrive."""
    await asyncio.sleep(3.0)
    message_id = f"<{event.event_id}@rma.innpro.example>"
    return len([m for m in await mailbox.messages(address) if m["message_id"] == message_id])


def bearer(stack: Stack, role: str) -> dict[str, str]:
    token = issue_token(
        (stack.keys_dir / "token_private.pem").read_bytes(),
        Principal(subject=uuid.uuid4(), role=role),  # type: ignore[arg-type]
    )
    return {"Authorization": f"Bearer {token}"}


RMA = preview.RMA_NUMBER
DELAYED_DUE_ON = preview.NOW.date() + timedelta(days=3)
CLAIM_EVENTS = [
    pytest.param(preview.claim_created("pl"), f"Zgłoszenie {RMA} przyjęte", id="ClaimCreated"),
    pytest.param(
        preview.warranty_assessed("en"),
        f"Claim {RMA}: covered by the warranty",
        id="WarrantyAssessed",
    ),
    pytest.param(
        preview.parcel_received("pl"),
        f"Zgłoszenie {RMA}: przesyłka dotarła do serwisu",
        id="ParcelReceived",
    ),
    pytest.param(
        preview.status_changed("pl", "shipped_back"),
        f"Zgłoszenie {RMA}: produkt odesłany do Ciebie",
        id="ClaimStatusChanged",
    ),
    pytest.param(
        preview.decided("pl", "rejection"),
        f"Zgłoszenie {RMA}: decyzja – odrzucenie zgłoszenia",
        id="ClaimDecided",
    ),
    *(
        pytest.param(event, subject, id=event.type)
        for event, subject in zip(
            preview.after_decision("pl"),
            (
                f"Zgłoszenie {RMA}: oferta płatnej naprawy – przyjęta",
                f"Zgłoszenie {RMA}: nowy egzemplarz 1581F7A0D11C",
                f"Zgłoszenie {RMA}: zwrot "
                # The mail header carries the amount's no-break spaces as plain spaces.
                f"{format_currency(Decimal('3109.25'), 'PLN', locale='pl_PL')}".replace(
                    "\xa0", " "
                ),
                f"Zgłoszenie {RMA}: opłata "
                f"{format_currency(Decimal('49.90'), 'PLN', locale='pl_PL')} do zapłaty".replace(
                    "\xa0", " "
                ),
                f"Zgłoszenie {RMA}: naprawa potrwa dłużej niż do "
                f"{format_date(DELAYED_DUE_ON, 'd MMMM y', locale='pl_PL')}",
            ),
            strict=True,
        )
    ),
]


@pytest.mark.parametrize(("sample", "subject"), CLAIM_EVENTS)
async def test_each_claim_event_sends_exactly_one_email(
    notifications: Notifications, mailbox: Mailbox, sample: Event, subject: str
) -> None:
    address, claim_id = recipient(), uuid.uuid4()
    event = for_customer(sample, address, claim_id=claim_id)
    await send(notifications.stack, event)
    [message] = await emails_for(mailbox, address, event)
    assert message["subject"] == subject
    assert message["rcpt_tos"] == [address]
    assert message["headers"]["X-RMA-Number"] == RMA
    assert RMA in message["text"] and RMA in message["html"]
    assert await settled_count(mailbox, address, event) == 1

    # Operators see it, filtered by claim; customers do not.
    response = await notifications.client.get(
        "/api/emails",
        params={"claim_id": str(claim_id)},
        headers=bearer(notifications.stack, "operator"),
    )
    assert response.status_code == 200, response.text
    listing = response.json()
    assert {row["claim_id"] for row in listing} == {str(claim_id)}
    # A running warranty service may have assessed the claim meanwhile: its email is listed too.
    # (An answered offer also tells the service centre: its email goes to another address.)
    [listed] = [
        row for row in listing if row["event_type"] == event.type and row["recipient"] == address
    ]
    assert (listed["recipient"], listed["subject"]) == (address, subject)
    assert (listed["status"], listed["attempts"], listed["rma_number"]) == ("sent", 1, RMA)
    assert [row["created_at"] for row in listing] == sorted(
        (row["created_at"] for row in listing), reverse=True
    )
    forbidden = await notifications.client.get(
        "/api/emails", headers=bearer(notifications.stack, "customer")
    )
    assert forbidden.status_code == 403


async def test_an_answered_quote_tells_the_customer_and_the_service_centre_once_each(
    notifications: Notifications, mailbox: Mailbox
) -> None:
    address, claim_id = recipient(), uuid.uuid4()
    [answered] = [e for e in preview.after_decision("pl") if e.type == "ClaimOfferAnswered"]
    event = for_customer(answered, address, claim_id=claim_id)
    for _ in range(2):  # redelivered: still one email each
        await send(notifications.stack, event)
    [customer] = await emails_for(mailbox, address, event)
    assert customer["subject"] == f"Zgłoszenie {RMA}: oferta płatnej naprawy – przyjęta"
    desk = "serwis@innpro.example"
    staff_id = f"<{event.event_id}.staff-email@rma.innpro.example>"
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60
    while not (found := [m for m in await mailbox.messages(desk) if m["message_id"] == staff_id]):
        assert loop.time() < deadline, "the service centre got no email"
        await asyncio.sleep(0.3)
    staff = await mailbox.message(str(found[0]["id"]))
    assert staff["subject"] == f"Odpowiedź klienta, {RMA}: oferta płatnej naprawy – przyjęta"
    assert address in staff["text"] and "napraw produkt i odeślij go klientowi" in staff["text"]
    assert f"/operator/claims/{claim_id}" in staff["text"]
    await asyncio.sleep(3.0)  # time for a duplicate to arrive
    copies = [m for m in await mailbox.messages(desk) if m["message_id"] == staff_id]
    assert len(copies) == 1
    assert await settled_count(mailbox, address, event) == 1


async def test_redelivered_event_sends_one_email(
    notifications: Notifications, mailbox: Mailbox
) -> None:
    address = recipient()
    event = for_customer(preview.status_changed("pl", "in_inspection"), address)
    for _ in range(3):
        await send(notifications.stack, event)
    await emails_for(mailbox, address, event)
    assert await settled_count(mailbox, address, event) == 1
    rows = await notifications.fetch("SELECT * FROM emails WHERE event_id = $1", event.event_id)
    assert len(rows) == 1


async def test_refusing_smtp_server_then_recovering_delivers_once(
    notifications: Notifications, mailbox: Mailbox
) -> None:
    await notifications.idle()
    address = recipient()
    event = for_customer(preview.decided("pl", "repair"), address)
    await mailbox.fail_next(2)
    await send(notifications.stack, event)
    [message] = await emails_for(mailbox, address, event)
    assert "naprawa" in message["subject"]
    assert await settled_count(mailbox, address, event) == 1
    [row] = await notifications.fetch(
        "SELECT status, attempts, last_error, sent_at FROM emails WHERE event_id = $1",
        event.event_id,
    )
    assert (row["status"], row["attempts"], row["last_error"]) == ("sent", 3, None)
    assert row["sent_at"] is not None


async def test_malformed_claim_event_is_dead_lettered_and_the_next_one_emailed(
    notifications: Notifications, mailbox: Mailbox
) -> None:
    stack, address = notifications.stack, recipient()
    key = str(uuid.uuid4())  # same key: same partition, so the good event comes after the bad
    marker = f"malformed-{uuid.uuid4().hex}"
    bad = (
        f'{{"event_id": "{uuid.uuid4()}", "type": "ClaimCreated", "producer": "claims", '
        f'"key": "{key}", "data": {{"rma_number": "{marker}"}}}}'
    ).encode()
    good = for_customer(preview.status_changed("pl", "in_inspection"), address)
    good = good.model_copy(update={"key": key})
    async with TopicProbe(
        stack.kafka_bootstrap, topics.dead_letters("notifications")
    ) as dead_letters:
        await produce(stack.kafka_bootstrap, topics.CLAIMS, bad, key=key.encode())
        await send(stack, good)
        [letter] = await dead_letters.wait_for(lambda body, _: marker in str(body), timeout=60)
        record = next(r for r in dead_letters.records if marker.encode() in r.value)
    headers = dict(record.headers)
    assert headers["dead_letter_consumer"] == b"notifications"
    assert headers["dead_letter_source_topic"] == topics.CLAIMS.encode()
    assert letter["data"]["rma_number"] == marker
    [message] = await emails_for(mailbox, address, good)
    assert "w diagnozie" in message["subject"]


async def test_new_claim_email_carries_the_label_with_the_customers_name(
    notifications: Notifications, mailbox: Mailbox
) -> None:
    stack, address, account_id = notifications.stack, recipient(), uuid.uuid4()
    rma_number = f"RMA/{uuid.uuid4().int % 10**6}/SR/2026"
    activated = AccountActivated(
        producer="accounts",
        key=str(account_id),
        data=AccountActivatedData(
            account_id=account_id, account_type="private", full_name="Zofia Wójcik", email=address
        ),
    )
    await send(stack, activated)
    await emails_for(mailbox, address, activated)  # the name is known before the claim arrives
    created = for_customer(
        preview.claim_created("pl"), address, account_id=account_id, rma_number=rma_number
    )
    await send(stack, created)
    [claim_email] = await emails_for(mailbox, address, created)
    assert "Dzień dobry Zofia Wójcik" in claim_email["text"]
    [attachment] = claim_email["attachments"]
    assert attachment["content_type"] == "application/pdf"
    assert attachment["filename"] == f"etykieta-{rma_number.replace('/', '-')}.pdf"
    label = await mailbox.attachment(claim_email["id"], 0)
    text = PdfReader(io.BytesIO(label)).pages[0].extract_text()
    assert rma_number in text
    assert "Zofia Wójcik" in text or "Zofia Wojcik" in text  # without DejaVu: no diacritics
    # The table keeps what the label is drawn from, not its PDF.
    [stored] = await notifications.fetch(
        "SELECT attachments FROM emails WHERE event_id = $1", created.event_id
    )
    [kept] = json.loads(stored["attachments"])
    assert kept["label"] == {"rma_number": rma_number, "customer_name": "Zofia Wójcik"}
    assert "content_base64" not in kept


async def test_failed_count_for_the_dashboard(notifications: Notifications) -> None:
    response = await notifications.client.get(
        "/api/emails/failed/count", headers=bearer(notifications.stack, "operator")
    )
    assert response.status_code == 200, response.text
    [row] = await notifications.fetch("SELECT count(*) FROM emails WHERE status = 'failed'")
    assert response.json() == {"failed": row["count"]}
    anonymous = await notifications.client.get("/api/emails/failed/count")
    assert anonymous.status_code == 401
