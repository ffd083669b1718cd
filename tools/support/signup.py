"""Signing a customer up through the accounts API, as a person would: register with a receipt,
follow the activation link the mailbox received. Used by the bench and the demo."""

from __future__ import annotations

import asyncio
import re

import httpx

from tools.support.mailbox import Mailbox

_ACTIVATION_LINK = re.compile(r"https?://\S+/activate\?token=([\w\-]+)")


class SignUpError(RuntimeError):
    """The accounts service or the mailbox did not do what a sign-up needs."""


async def retry_post(
    client: httpx.AsyncClient, path: str, body: dict[str, str], timeout: float = 60.0
) -> httpx.Response:
    """POST until the projections have caught up with the sale (the answer is no longer 422)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        response = await client.post(path, json=body)
        if response.status_code != 422 or asyncio.get_running_loop().time() > deadline:
            return response
        await asyncio.sleep(0.3)


async def activation_token(mailbox: Mailbox, email: str, timeout: float = 60.0) -> str:
    """The token of the newest activation link mailed to `email`."""
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        for entry in reversed(await mailbox.messages(email)):
            message = await mailbox.message(entry["id"])
            if found := _ACTIVATION_LINK.search(message["text"] or ""):
                return found.group(1)
        await asyncio.sleep(0.3)
    raise SignUpError(f"no activation email for {email} within {timeout:.0f} s")
