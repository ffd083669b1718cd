"""Customers filing claims over HTTP: at an offered rate (open loop) or N requests in flight."""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass
from typing import Any

import httpx

from tools.bench.customers import Customer

# Where the unit goes back to: the claims API wants one with every claim (the bench's customers
# keep none on their accounts).
RETURN_ADDRESS = {
    "return_recipient": "Klient Testowy",
    "return_street": "ul. Zielona 5",
    "return_postal_code": "44-200",
    "return_city": "Rybnik",
}


@dataclass
class FiledClaim:
    phase: str
    sent_at: float  # wall clock (time.time()), like Kafka's and the mailbox's timestamps
    responded_at: float
    status: int
    claim_id: str | None


class ClaimFiler:
    """Round-robin over customers and over the claims instances; one real PDF as the receipt."""

    def __init__(self, claims_urls: list[str], customers: list[Customer], receipt: bytes) -> None:
        limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
        self._clients = [
            httpx.AsyncClient(base_url=url, timeout=60, limits=limits) for url in claims_urls
        ]
        self._targets = itertools.cycle(
            [(client, customer) for customer in customers for client in self._clients]
        )
        self._receipt = receipt
        self._customers = customers
        # A unit has one open claim at most: each claim names its own, after the customer's.
        self._units = itertools.count(1)

    def aimed_at(self, urls: list[str]) -> ClaimFiler:
        """The same customers and receipt, filing at other servers."""
        return ClaimFiler(urls, self._customers, self._receipt)

    async def close(self) -> None:
        for client in self._clients:
            await client.aclose()

    async def file(self, phase: str) -> FiledClaim:
        client, customer = next(self._targets)
        form = {
            "document_type": "PA",
            "document_number": customer.document_number,
            "line_no": "1",
            "claim_type": "dji",
            "serial_number": f"{customer.serial_number}N{next(self._units):06d}",
            "problem_description": "Dron nie łączy się z aparaturą po aktualizacji.",
            "package_contents": "Dron, aparatura, kabel USB-C",
            **RETURN_ADDRESS,
        }
        files = {"attachment": ("paragon.pdf", self._receipt, "application/pdf")}
        sent = time.time()
        try:
            response = await client.post(
                "/api/claims", data=form, files=files, headers={"Authorization": customer.bearer}
            )
        except httpx.HTTPError:
            return FiledClaim(phase, sent, time.time(), 0, None)
        body: dict[str, Any] = response.json() if response.status_code == 201 else {}
        return FiledClaim(phase, sent, time.time(), response.status_code, body.get("claim_id"))

    async def warm_up(self, customers: int, timeout: float = 60.0) -> None:
        """One claim per customer and instance, retried until claims knows the linked document."""
        deadline = time.monotonic() + timeout
        pending = customers * len(self._clients)
        while pending and time.monotonic() < deadline:
            filed = await self.file("warm-up")
            if filed.status == 201:
                pending -= 1
            else:
                await asyncio.sleep(0.2)
        if pending:
            raise RuntimeError(f"{pending} customers still cannot file a claim after {timeout} s")


async def at_rate(
    filer: ClaimFiler, phase: str, rate: float, seconds: float, max_in_flight: int = 128
) -> list[FiledClaim]:
    """Offer `rate` claims/s for `seconds`, whatever the answers take (bounded in flight)."""
    slots = asyncio.Semaphore(max_in_flight)
    tasks: list[asyncio.Task[FiledClaim]] = []

    async def one() -> FiledClaim:
        try:
            return await filer.file(phase)
        finally:
            slots.release()

    start = time.monotonic()
    for n in range(int(rate * seconds)):
        delay = start + n / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        await slots.acquire()
        tasks.append(asyncio.create_task(one()))
    return list(await asyncio.gather(*tasks))


async def in_flight(
    filer: ClaimFiler, phase: str, concurrency: int, seconds: float
) -> list[FiledClaim]:
    """`concurrency` customers each filing their next claim as soon as the last one is answered."""
    deadline = time.monotonic() + seconds
    results: list[FiledClaim] = []

    async def customer() -> None:
        while time.monotonic() < deadline:
            results.append(await filer.file(phase))

    await asyncio.gather(*(customer() for _ in range(concurrency)))
    return results
