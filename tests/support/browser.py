"""What the browser tests share: the panel's address, Debian's Chromium, sales to set a test up,
the patient wait for eventually consistent pages, the emailed links and numbered screenshots."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import Page, ViewportSize

from shared.events import Buyer, SaleLine, SaleRecorded, SaleRecordedData
from tests.support.mailbox import Mailbox
from tests.support.services import WEB_PORT, RunningServices
from tests.support.stack import STATE_DIR

WEB_URL = f"http://127.0.0.1:{WEB_PORT}"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SCREENSHOTS = STATE_DIR / "screenshots"
PASSWORD = "Tajne-Haslo-123"
PHONE = ViewportSize(width=390, height=844)


def gtin13(first12: str) -> str:
    """Append the GTIN-13 check digit."""
    total = sum(int(digit) * (3 if i % 2 else 1) for i, digit in enumerate(first12))
    return first12 + str((10 - total % 10) % 10)


def sale(number: str, *lines: SaleLine, sold_on: date) -> SaleRecorded:
    return SaleRecorded(
        producer="erp",
        key=f"PA/{number}",
        data=SaleRecordedData(
            document_type="PA",
            document_number=number,
            issued_on=sold_on,
            buyer=Buyer(type="consumer", name="Jan Kowalski"),
            total=sum((line.unit_price * line.quantity for line in lines), Decimal(0)),
            lines=lines,
        ),
    )


async def until(
    check: Callable[[], Awaitable[bool]],
    what: str,
    page: Page | None = None,
    timeout: float = 90.0,
) -> None:
    """Retry while projections catch up with events (the system is eventually consistent)."""
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            shown = ""
            if page is not None:
                messages = await page.locator(".alert-error, .field-error").all_inner_texts()
                shown = f" (the page at {page.url} says: {messages})"
            raise AssertionError(f"not within {timeout}s: {what}{shown}")
        await asyncio.sleep(0.5)


async def email_about(
    mailbox: Mailbox, to: str, subject: str, timeout: float = 300.0
) -> dict[str, Any]:
    """The newest message to `to` whose subject contains `subject`. Patient: a shared mailbox
    that many services write to at once can answer slowly, so a slow answer is tried again."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            listing = await mailbox.messages(to)
            found = [item for item in listing if subject in str(item.get("subject", ""))]
            if found:
                return await mailbox.message(str(found[-1]["id"]))
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"no email to {to} about {subject!r} after {timeout}s")
        await asyncio.sleep(0.5)


async def register_over_api(
    services: RunningServices,
    email: str,
    full_name: str,
    document: tuple[str, str],
    language: str,
) -> None:
    """A private account registered over the accounts API with `document` (number, total),
    retried until the sale has reached the accounts ledger through Kafka."""
    number, total = document

    async def register() -> bool:
        async with httpx.AsyncClient(base_url=services.url("accounts"), timeout=10) as http:
            registered = await http.post(
                "/api/accounts",
                json={
                    "account_type": "private",
                    "full_name": full_name,
                    "email": email,
                    "password": PASSWORD,
                    "document_number": number,
                    "document_total": total,
                    "language": language,
                },
            )
        return registered.status_code == 202

    await until(register, "registration accepted")


def link_token(email: dict[str, Any], page: str) -> str:
    """The token of the emailed link to `page`."""
    return link_to(email, page).split("token=")[1]


def link_to(email: dict[str, Any], page: str) -> str:
    """The emailed link to `page`: the web panel's page (RMA_PUBLIC_BASE_URL)."""
    found = re.search(rf"{WEB_URL}/{page}\?token=[\w\-]+", email["text"])
    assert found is not None, email["text"]
    return found.group(0)


class Screens:
    """Numbered full-page screenshots, in the order the test took them."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.png"):
            old.unlink()

    async def take(self, page: Page, name: str) -> None:
        self.count += 1
        await page.screenshot(path=self.folder / f"{self.count:02d}_{name}.png", full_page=True)
