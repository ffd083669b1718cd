"""What the browser tests share: Debian's Chromium and its flags, the web panel's address, the
viewports, screenshots, and waiting for the eventually consistent system."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from playwright.async_api import Page, ViewportSize

from tests.support.services import WEB_PORT
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
