"""The browser tests' Chromium (Debian's, driven by Playwright) and the web panel's address."""

from __future__ import annotations

from pathlib import Path

from tests.support.services import WEB_PORT

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
