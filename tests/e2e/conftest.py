from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from playwright.async_api import Browser, async_playwright

from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, WEB_URL, Screens
from tools.support.kafka import start_from_now
from tools.support.services import (
    SERVICE_PORTS,
    WEB_PORT,
    RunningServices,
    stop_process,
    wait_until_healthy,
)
from tools.support.stack import REPO, STATE_DIR, Stack


@pytest.fixture(scope="session")
async def services(stack: Stack) -> AsyncIterator[RunningServices]:
    running = RunningServices(stack)
    # A first run on a new broker starts from now, as a re-run resumes where the last one
    # stopped: the integration tests' history is not replayed (nor emailed) first.
    await start_from_now(stack.kafka_bootstrap, [running.consumer_group(s) for s in SERVICE_PORTS])
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


# --- the browser tests: Chromium and the web panel as a process -------------------------------


# Chromium and the web panel start once per session, as the services do: each browser module
# opens its own contexts and pages, and nothing a module does to the panel outlives its pages.
@pytest.fixture(scope="session")
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


@pytest.fixture(scope="session")
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
        wait_until_healthy(process, WEB_URL, "web", log_path.read_text)
        yield WEB_URL
    finally:
        stop_process(process)


@pytest.fixture(scope="session")
async def browser(chromium: Path) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(chromium), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture(scope="module")
def screens(request: pytest.FixtureRequest) -> Screens:
    """The module's numbered screenshots (`SCREENSHOT_PREFIX` keeps modules apart)."""
    return Screens(SCREENSHOTS, prefix=getattr(request.module, "SCREENSHOT_PREFIX", ""))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test taking `wording` runs once per language of its module's `LANGUAGES` (the
    browser's language, and the texts the pages, APIs and e-mails say in it)."""
    if "wording" in metafunc.fixturenames:
        languages = metafunc.module.LANGUAGES
        metafunc.parametrize("wording", languages, ids=[w.language for w in languages])
