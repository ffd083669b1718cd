from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from playwright.async_api import Browser, async_playwright

from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, WEB_URL
from tests.support.services import SERVICE_PORTS, WEB_PORT, RunningServices
from tests.support.stack import REPO, STATE_DIR, Stack


@pytest.fixture(scope="session")
async def services(stack: Stack) -> AsyncIterator[RunningServices]:
    running = RunningServices(stack)
    try:
        running.start_all()
        yield running
    finally:
        running.stop_all()
        conn = await asyncpg.connect(f"{stack.postgres_url}/postgres")
        try:
            for service in SERVICE_PORTS:
                name = running.database_url(service).rsplit("/", 1)[1]
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


@pytest.fixture(scope="module")
def chromium() -> Path:
    """Debian's Chromium; installed by the project's script when missing (never skipped)."""
    if not CHROMIUM.exists():
        result = subprocess.run(
            ["bash", str(REPO / "deploy" / "scripts" / "chromium.sh")],
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        assert result.returncode == 0, f"chromium.sh failed:\n{result.stdout}\n{result.stderr}"
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing after deploy/scripts/chromium.sh"
    return CHROMIUM


@pytest.fixture(scope="module")
def web(services: RunningServices, stack: Stack) -> Iterator[str]:
    """The web panel as a real process, pointed at the running services and Kafka."""
    log_dir = STATE_DIR / "logs" / services.run_id
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / "web.log"
    env = {
        **os.environ,
        "RMA_ENVIRONMENT": "test",
        "RMA_HTTP_PORT": str(WEB_PORT),
        "RMA_ACCOUNTS_URL": services.url("accounts"),
        "RMA_CLAIMS_URL": services.url("claims"),
        "RMA_WARRANTY_URL": services.url("warranty"),
        "RMA_NOTIFICATIONS_URL": services.url("notifications"),
        "RMA_KAFKA_BOOTSTRAP_SERVERS": stack.kafka_bootstrap,
        "RMA_LOG_FORMAT": "json",
    }
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "services.web"],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 240
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"web exited with {process.returncode}:\n{log_path.read_text()}")
            try:
                if httpx.get(f"{WEB_URL}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"web not healthy after 240s:\n{log_path.read_text()}")
            time.sleep(0.3)
        yield WEB_URL
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
async def browser(chromium: Path) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(chromium), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield launched
        finally:
            await launched.close()
