"""A service's FastAPI app run in this process, with its real lifespan (database, Kafka)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import uvicorn
from fastapi import FastAPI


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
