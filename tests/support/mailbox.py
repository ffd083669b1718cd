"""Reading what reached the project's SMTP server (the mailbox), over its HTTP API."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx


class Mailbox:
    def __init__(self, url: str) -> None:
        self.url = url

    async def messages(self, to: str) -> list[dict[str, Any]]:
        async with httpx.AsyncClient(base_url=self.url, timeout=10) as client:
            response = await client.get("/api/messages", params={"to": to})
            response.raise_for_status()
            listing: list[dict[str, Any]] = response.json()
            return listing

    async def message(self, message_id: str) -> dict[str, Any]:
        async with httpx.AsyncClient(base_url=self.url, timeout=10) as client:
            response = await client.get(f"/api/messages/{message_id}")
            response.raise_for_status()
            body: dict[str, Any] = response.json()
            return body

    async def wait_for(
        self, to: str, count: int = 1, timeout: float = 30.0
    ) -> list[dict[str, Any]]:
        """Wait until `to` has at least `count` messages; returns them in full, oldest first."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            listing = await self.messages(to)
            if len(listing) >= count:
                return [await self.message(str(item["id"])) for item in listing]
            if loop.time() > deadline:
                raise AssertionError(f"{len(listing)} of {count} emails to {to} after {timeout}s")
            await asyncio.sleep(0.3)

    async def fail_next(self, count: int, code: int = 451) -> None:
        async with httpx.AsyncClient(base_url=self.url, timeout=10) as client:
            response = await client.post("/api/fail", params={"count": count, "code": code})
            response.raise_for_status()

    async def refuse(self, code: int = 451) -> None:
        """Refuse every message with `code` until `accept` is called."""
        async with httpx.AsyncClient(base_url=self.url, timeout=10) as client:
            response = await client.post("/api/refuse", params={"code": code})
            response.raise_for_status()

    async def accept(self) -> None:
        async with httpx.AsyncClient(base_url=self.url, timeout=10) as client:
            response = await client.post("/api/accept")
            response.raise_for_status()
