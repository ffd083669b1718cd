"""The bench's customers: each buys a drone (a sale through Kafka, as the ERP feed sends it),
registers with the receipt, follows the activation link the mailbox received, and logs in."""

from __future__ import annotations

import asyncio
import io
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from aiokafka import AIOKafkaProducer
from reportlab.pdfgen.canvas import Canvas

from shared.events import Event
from shared.kafka import client_options
from shared.outbox import kafka_headers
from tools.bench.servers import BenchError
from tools.support.mailbox import Mailbox
from tools.support.sales import dji_drone_sale
from tools.support.signup import SignUpError, activation_token, retry_post

PASSWORD = "Bench-Haslo-123"


@dataclass(frozen=True)
class Customer:
    email: str
    document_number: str
    serial_number: str
    bearer: str


def receipt_pdf() -> bytes:
    """A real one-page PDF, as a customer's scanned receipt would be."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, invariant=True)
    canvas.drawString(72, 760, "Paragon fiskalny - DJI Mini 4 Pro - 4299,00 PLN")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


async def publish(bootstrap: str, events: list[Event]) -> None:
    producer = AIOKafkaProducer(
        **client_options(bootstrap), enable_idempotence=True, acks="all", linger_ms=5
    )
    await producer.start()
    try:
        deliveries = [
            await producer.send(
                event.topic,
                value=event.model_dump_json().encode(),
                key=event.key.encode(),
                headers=kafka_headers(event.type, str(event.event_id), str(event.correlation_id)),
            )
            for event in events
        ]
        await asyncio.gather(*deliveries)
    finally:
        await producer.stop()


async def _customer(
    accounts: httpx.AsyncClient, mailbox: Mailbox, run_id: str, number: int
) -> Customer:
    document, serial = f"2025/B{run_id}{number:04d}", f"1581FB{run_id}{number:04d}".upper()
    email = f"klient.{run_id}.{number}@bench.example"
    registered = await retry_post(
        accounts,
        "/api/accounts",
        {
            "account_type": "private",
            "full_name": f"Klient {number}",
            "email": email,
            "password": PASSWORD,
            "document_number": f"PA {document}",
            "document_total": "4 299,00",
        },
    )
    if registered.status_code != 202:
        raise BenchError(f"registration refused: {registered.status_code} {registered.text}")
    try:
        token = await activation_token(mailbox, email)
    except SignUpError as error:
        raise BenchError(str(error)) from None
    activated = await accounts.post("/api/accounts/activation", json={"token": token})
    if activated.status_code != 200:
        raise BenchError(f"activation refused: {activated.status_code} {activated.text}")
    login = await accounts.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    if login.status_code != 200:
        raise BenchError(f"login refused: {login.status_code} {login.text}")
    return Customer(email, document, serial, f"Bearer {login.json()['access_token']}")


async def sign_up(
    bootstrap: str, accounts_url: str, mailbox_url: str, count: int
) -> list[Customer]:
    run_id = uuid.uuid4().hex[:6].upper()
    sold_on = datetime.now(UTC).date() - timedelta(days=100)
    await publish(
        bootstrap,
        [
            # No serials listed, so the claims API takes any: each claim names a unit of its
            # own (a unit has one open claim at most), see tools/bench/load.py.
            dji_drone_sale(f"2025/B{run_id}{n:04d}", sold_on, buyer="Klient Testowy")
            for n in range(count)
        ],
    )
    # Registration hashes the password (argon2, deliberately slow): a few at a time.
    slots = asyncio.Semaphore(4)

    async def one(n: int) -> Customer:
        async with slots:
            return await _customer(accounts, mailbox, run_id, n)

    mailbox = Mailbox(mailbox_url)
    async with httpx.AsyncClient(base_url=accounts_url, timeout=120) as accounts:
        return list(await asyncio.gather(*(one(n) for n in range(count))))
