"""The bench's reads of its slot's Mailpit (the SMTP server that keeps every message).

Per recipient, `tests.support.mailbox.Mailbox` reads it as the tests do; here the whole
mailbox at once, as listing entries of the same shape (`id`, `received_at`, `mail_from`,
`rcpt_tos`, `subject`, `message_id` with its angle brackets), oldest first.
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.mailbox import API, _entry

PAGE = 1000


async def everything(mailbox_url: str) -> list[dict[str, Any]]:
    """Every message in the mailbox, oldest first."""
    found: list[dict[str, Any]] = []
    async with httpx.AsyncClient(base_url=mailbox_url, timeout=60) as mailbox:
        while True:
            response = await mailbox.get(
                f"{API}/messages", params={"start": len(found), "limit": PAGE}
            )
            response.raise_for_status()
            page = response.json()
            found.extend(page["messages"])
            if not page["messages"] or len(found) >= page["messages_count"]:
                break
    # Newest first: mail that arrives between two pages shows some messages twice.
    listing = list({entry["id"]: entry for entry in map(_entry, found)}.values())
    return sorted(listing, key=lambda entry: (entry["received_at"], entry["id"]))


async def raw(mailbox: httpx.AsyncClient, message_id: str) -> bytes:
    """The message as the SMTP server received it."""
    response = await mailbox.get(f"{API}/message/{message_id}/raw")
    response.raise_for_status()
    return response.content


def empty(mailbox_url: str) -> None:
    httpx.delete(f"{mailbox_url}{API}/messages", timeout=60).raise_for_status()
