"""A service's FastAPI app run in this process, with its real lifespan (database, Kafka)."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
import uvicorn
from fastapi import FastAPI

from services.claims.bootstrap import build_app as build_claims
from services.claims.settings import ClaimsSettings
from services.notifications.bootstrap import build_app as build_notifications
from services.notifications.settings import NotificationsSettings
from tools.support.kafka import start_from_now
from tools.support.stack import Stack


@asynccontextmanager
async def running_app(
    app: FastAPI, base_url: str = "http://service"
) -> AsyncIterator[httpx.AsyncClient]:
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url) as client,
    ):
        yield client


@asynccontextmanager
async def serving_app(app: FastAPI) -> AsyncIterator[str]:
    """The app served over real HTTP on a free loopback port, in this process; yields its URL.

    For a caller whose HTTP client must go through the network, such as the web panel's
    calls to the APIs, whose trace context the httpx instrumentation adds on the wire."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on")
    )
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if serving.done():
                serving.result()  # raises why it stopped
                raise RuntimeError("the server stopped before it started")
            await asyncio.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await serving


@dataclass(frozen=True)
class ClaimsWithNotifications:
    claims: httpx.AsyncClient
    claims_url: str
    notifications_url: str


@asynccontextmanager
async def claims_with_notifications(
    stack: Stack, name: str
) -> AsyncIterator[ClaimsWithNotifications]:
    """The claims and notifications services in this process, each on a database of its own,
    their consumer groups starting from now (the earlier tests' events on the broker are not
    this module's: not replayed, nor emailed, first). `name` names the databases and groups."""
    from tests.conftest import create_database, drop_database

    claims_url = await create_database(stack, f"rma_test_{name}_claims")
    notifications_url = await create_database(stack, f"rma_test_{name}_notifications")
    claims_settings = ClaimsSettings(
        kafka_bootstrap_servers=stack.kafka_bootstrap,
        database_url=claims_url,
        consumer_group=f"test-{name}-{uuid.uuid4().hex[:8]}",
        token_public_key_file=stack.keys_dir / "token_public.pem",
    )
    notifications_settings = NotificationsSettings(
        kafka_bootstrap_servers=stack.kafka_bootstrap,
        database_url=notifications_url,
        token_public_key_file=stack.keys_dir / "token_public.pem",
        seal_private_key_file=stack.keys_dir / "seal_private.pem",
        smtp_host=stack.smtp_host,
        smtp_port=stack.smtp_port,
        smtp_first_retry_seconds=0.3,
        consumer_group=f"test-{name}-mail-{uuid.uuid4().hex[:8]}",
    )
    groups = [claims_settings.consumer_group, notifications_settings.consumer_group]
    await start_from_now(stack.kafka_bootstrap, groups)
    try:
        async with (
            running_app(build_claims(claims_settings)) as claims_client,
            running_app(build_notifications(notifications_settings)),
        ):
            yield ClaimsWithNotifications(claims_client, claims_url, notifications_url)
    finally:
        await drop_database(stack, claims_url)
        await drop_database(stack, notifications_url)
