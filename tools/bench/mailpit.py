"""The bench's reads of its slot's Mailpit (the SMTP server that keeps every message).

Per recipient, `tools.support.mailbox.Mailbox` reads it as the tests do; here the whole
mailbox at once, as listing entries of the same shape (`id`, `received_at`, `mail_from`,
`rcpt_tos`, `subject`, `message_id` with its angle brackets), oldest first.
"""

from __future__ import annotations

import bisect
from typing import Any

import httpx

from tools.support.mailbox import API, listing_entry, received_order

PAGE = 1000


async def everything(mailbox_url: str) -> list[dict[str, Any]]:
    """Every message in the mailbox, oldest first."""
    return await MailboxReader(mailbox_url).everything()


class MailboxReader:
    """The whole mailbox, as `everything` gives it, read incrementally: each read fetches only
    what arrived since the last, newest first until a message already known.

    The bench reads the mailbox every second while a hop drains its backlog; listing the whole
    mailbox each time (thousands of messages by then) cost Mailpit and the bench nearly 6 ms of
    CPU per claim, taken from the hop they measured on the same two cores."""

    def __init__(self, mailbox_url: str) -> None:
        self._url = mailbox_url
        self._known: dict[str, dict[str, Any]] = {}
        # What is known, kept oldest first: a read puts only its new mail in place.
        self._oldest_first: list[dict[str, Any]] = []

    async def everything(self) -> list[dict[str, Any]]:
        fresh: dict[str, dict[str, Any]] = {}
        async with httpx.AsyncClient(base_url=self._url, timeout=60) as mailbox:
            start = 0
            while True:
                response = await mailbox.get(
                    f"{API}/messages", params={"start": start, "limit": PAGE}
                )
                response.raise_for_status()
                messages = response.json()["messages"]
                # Mail arriving between two pages shifts the next page: some come twice.
                fresh.update(
                    (m["ID"], listing_entry(m)) for m in messages if m["ID"] not in self._known
                )
                if len(messages) < PAGE or any(m["ID"] in self._known for m in messages):
                    break  # the oldest mail reached, or mail already read
                start += len(messages)
        self._known.update(fresh)
        for entry in fresh.values():
            bisect.insort(self._oldest_first, entry, key=received_order)
        return list(self._oldest_first)


async def raw(mailbox: httpx.AsyncClient, message_id: str) -> bytes:
    """The message as the SMTP server received it."""
    response = await mailbox.get(f"{API}/message/{message_id}/raw")
    response.raise_for_status()
    return response.content


def empty(mailbox_url: str) -> None:
    httpx.delete(f"{mailbox_url}{API}/messages", timeout=60).raise_for_status()
