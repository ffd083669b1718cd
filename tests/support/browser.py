"""What the browser tests share: the panel's address, Chromium's flags, waiting
for the eventually consistent system, the mailbox's messages, emailed links, screenshots."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import BrowserContext, Page, Route, ViewportSize

from tools.support.mailbox import Mailbox
from tools.support.services import WEB_PORT, RunningServices
from tools.support.stack import REPO

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
# One place whichever servers the run used (make test runs the browser tests on a second slot).
SCREENSHOTS = REPO / ".run" / "test" / "screenshots"
PASSWORD = "Tajne-Haslo-123"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PHONE = ViewportSize(width=390, height=844)
DESKTOP = ViewportSize(width=1280, height=900)


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


async def keep_return_address(services: RunningServices, email: str) -> None:
    """The postal address kept on the account, the default return address of its claims."""
    async with httpx.AsyncClient(timeout=10) as http:
        login = await http.post(
            f"{services.url('accounts')}/api/auth/login",
            json={"email": email, "password": PASSWORD},
        )
        assert login.status_code == 200, login.text
        kept = await http.put(
            f"{services.url('accounts')}/api/me/contact",
            json={"street": "ul. Zielona 5", "postal_code": "44-200", "city": "Rybnik"},
            headers={"Authorization": f"Bearer {login.json()['access_token']}"},
        )
        assert kept.status_code == 200, kept.text


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


async def cross_site_post(context: BrowserContext, action: str, fields: dict[str, str]) -> Page:
    """Another site on the same host (the same site, another origin) posts a form to the panel
    in the user's browser, so the browser sends the panel's cookies along. It must get 403."""
    evil = f"http://127.0.0.1:{WEB_PORT + 7}/win-a-drone"
    inputs = "".join(f'<input type="hidden" name="{k}" value="{v}">' for k, v in fields.items())
    html = f'<form method="post" action="{action}">{inputs}<button id="go">Odbierz</button></form>'

    async def serve(route: Route) -> None:
        await route.fulfill(status=200, content_type="text/html", body=html)

    await context.route(evil, serve)
    page = await context.new_page()
    await page.goto(evil)
    async with page.expect_response(action) as answer:
        await page.click("#go")
    refused = await answer.value
    assert refused.status == 403, await refused.text()
    return page


class Screens:
    """Numbered full-page screenshots, in the order the test took them. `prefix` keeps one test
    module's apart from another's (each removes only its own from the last run)."""

    def __init__(self, folder: Path, prefix: str = "") -> None:
        self.folder = folder
        self.prefix = prefix
        self.count = 0
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob(f"{prefix}[0-9][0-9]_*.png"):
            old.unlink()

    async def take(self, page: Page, name: str) -> None:
        self.count += 1
        path = self.folder / f"{self.prefix}{self.count:02d}_{name}.png"
        await page.screenshot(path=path, full_page=True)


async def activated_customer(
    services: RunningServices,
    mailbox: Mailbox,
    *,
    email: str,
    full_name: str,
    document: tuple[str, str],
    language: str,
) -> None:
    """A private customer registered over the API with a purchase document (number, total)
    and activated through the emailed link, once the sale has reached the accounts ledger."""
    await register_over_api(services, email, full_name, document, language)
    async with httpx.AsyncClient(base_url=services.url("accounts"), timeout=10) as http:
        subject = "Aktywuj konto" if language == "pl" else "Activate your"
        token = link_token(await email_about(mailbox, email, subject), "activate")
        activated = await http.post("/api/accounts/activation", json={"token": token})
        assert activated.status_code == 200, activated.text


async def log_in(page: Page, web: str, email: str, password: str, *, operator: bool) -> None:
    """Log in through the panel's login page (the operators' or the customers')."""
    await page.goto(f"{web}/operator/login" if operator else f"{web}/login")
    await page.fill("#email", email)
    await page.fill("#password", password)
    async with page.expect_navigation():
        await page.click("button[type=submit].primary")
