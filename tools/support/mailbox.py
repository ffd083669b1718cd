"""Reading what reached the SMTP server (Mailpit) over its REST API, and making it refuse mail.

The dicts keep the shape the tests were written against: a listing entry has `id`,
`received_at`, `mail_from`, `rcpt_tos`, `subject` and `message_id` (with its angle brackets);
a full message adds `headers` (name as sent -> value, or a list of values for a repeated
header), `text`, `html` and `attachments` (`index`, `filename`, `content_type`, `size`,
`disposition`, `content_id`). Refusals use Mailpit's chaos triggers (it runs with
`--enable-chaos`): the sender trigger answers MAIL FROM with the chosen code.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterable
from datetime import datetime
from email import policy
from email.parser import BytesHeaderParser
from typing import Any

import httpx
from websockets.exceptions import WebSocketException
from websockets.sync.client import connect

API = "/api/v1"
# Mailpit reports every 4xx/5xx it answers on its event stream; a chaos refusal reads so.
CHAOS_REFUSAL = "Chaos sender error"


class Mailbox:
    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self._refusal_counter: threading.Thread | None = None
        self._stop_counting = threading.Event()

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, timeout=10)

    async def messages(self, to: str) -> list[dict[str, Any]]:
        """Every message with `to` among its recipients (To, Cc, Bcc), oldest first."""
        wanted = to.strip().lower()
        found: list[dict[str, Any]] = []
        async with self._client() as client:
            while True:
                response = await client.get(
                    f"{API}/search",
                    params={"query": f'addressed:"{wanted}"', "start": len(found), "limit": 500},
                )
                response.raise_for_status()
                page = response.json()
                found.extend(page["messages"])
                if not page["messages"] or len(found) >= page["messages_count"]:
                    break
        # Mailpit's search matches a substring in any address field, the sender's included.
        listing = [listing_entry(m) for m in found]
        mine = [entry for entry in listing if wanted in (r.lower() for r in entry["rcpt_tos"])]
        return oldest_first(mine)

    async def message(self, message_id: str) -> dict[str, Any]:
        async with self._client() as client:
            response = await client.get(f"{API}/message/{message_id}")
            response.raise_for_status()
            body: dict[str, Any] = response.json()
            raw = await client.get(f"{API}/message/{message_id}/raw")
            raw.raise_for_status()
        # Mailpit's own header listing canonicalises names (X-Rma-Number); the raw message keeps
        # them as the sender wrote them.
        headers = BytesHeaderParser(policy=policy.default).parsebytes(raw.content)
        parts = [*body["Attachments"], *body["Inline"]]
        return {
            **listing_entry(body, created=body.get("Date")),
            "headers": {
                name: values[0] if len(values) == 1 else values
                for name in dict.fromkeys(headers.keys())
                if (values := [str(value) for value in headers.get_all(name, [])])
            },
            "text": _lines(body["Text"]),
            "html": _lines(body["HTML"]),
            "attachments": [
                {
                    "index": index,
                    "part_id": part["PartID"],
                    "filename": part["FileName"] or None,
                    "content_type": part["ContentType"],
                    "size": part["Size"],
                    "disposition": "attachment" if part in body["Attachments"] else "inline",
                    "content_id": f"<{part['ContentID']}>" if part["ContentID"] else None,
                }
                for index, part in enumerate(parts)
            ],
        }

    async def attachment(self, message_id: str, index: int) -> bytes:
        """The decoded bytes of a message's attachment number `index` (as in `message()`)."""
        details = await self.message(message_id)
        part_id = details["attachments"][index]["part_id"]
        async with self._client() as client:
            response = await client.get(f"{API}/message/{message_id}/part/{part_id}")
            response.raise_for_status()
            return response.content

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

    async def refuse(self, code: int = 451) -> None:
        """Refuse every message with `code` until `accept()` is called."""
        self._stop_refusal_counter()
        await self._set_sender_refusal(code, probability=100)

    async def accept(self) -> None:
        """Accept messages again (ends `refuse()` and `fail_next()`)."""
        self._stop_refusal_counter()
        await self._set_sender_refusal(451, probability=0)

    async def fail_next(self, count: int, code: int = 451) -> None:
        """Refuse the next `count` messages with `code`, then accept again.

        Mailpit's triggers have a probability, not a count: a thread follows Mailpit's event
        stream, counts the refusals it reports and turns the trigger off after the last one.
        """
        self._stop_refusal_counter()
        events = connect(f"{self.url.replace('http', 'ws', 1)}/api/events", open_timeout=10)
        await self._set_sender_refusal(code, probability=100)
        self._stop_counting = threading.Event()
        self._refusal_counter = threading.Thread(
            target=self._accept_after_refusals,
            args=(events, count, self._stop_counting),
            name="mailpit-refusals",
            daemon=True,
        )
        self._refusal_counter.start()

    async def accepting_again(self, timeout: float = 10.0) -> None:
        """Wait until `fail_next`'s refusals have all been seen and the trigger is off: a send
        the test makes happen at once after the last refusal (a resend) is accepted then, not
        refused by a trigger the counting thread has not turned off yet."""
        counter = self._refusal_counter
        if counter is None:
            return
        await asyncio.to_thread(counter.join, timeout)
        if counter.is_alive():
            raise AssertionError(f"Mailpit still refuses {timeout}s after fail_next")

    def _accept_after_refusals(self, events: Any, count: int, stop: threading.Event) -> None:
        refused = 0
        with events:
            while refused < count and not stop.is_set():
                try:
                    frame = events.recv(timeout=0.5)
                except TimeoutError:
                    continue
                except WebSocketException:
                    break
                for line in str(frame).splitlines():  # Mailpit may batch events in one frame
                    event = json.loads(line)
                    if event.get("Type") == "error" and CHAOS_REFUSAL in str(event["Data"]):
                        refused += 1
        if not stop.is_set():
            httpx.put(f"{self.url}{API}/chaos", json={}, timeout=10).raise_for_status()

    def _stop_refusal_counter(self) -> None:
        self._stop_counting.set()
        if self._refusal_counter is not None:
            self._refusal_counter.join(timeout=5)
            self._refusal_counter = None

    async def _set_sender_refusal(self, code: int, probability: int) -> None:
        async with self._client() as client:
            response = await client.put(
                f"{API}/chaos",
                json={"Sender": {"ErrorCode": code, "Probability": probability}},
            )
            response.raise_for_status()


def _addresses(people: list[dict[str, str]] | None) -> list[str]:
    return [person["Address"] for person in people or [] if person.get("Address")]


def oldest_first(entries: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(entries, key=received_order)


def received_order(entry: dict[str, Any]) -> tuple[datetime, str]:
    """By the time Mailpit received each, read as a time: its text drops trailing zeros
    (`...22.6Z` is 22.600 s), so the texts themselves would put 22.646 before 22.6."""
    return datetime.fromisoformat(entry["received_at"]), entry["id"]


def listing_entry(message: dict[str, Any], created: str | None = None) -> dict[str, Any]:
    """One message of Mailpit's listing (or its full message) as the tests and the bench read
    it; `created` overrides the listing's received time."""
    sender = message.get("From") or {}
    return {
        "id": message["ID"],
        "received_at": created or message["Created"],
        "mail_from": sender.get("Address", ""),
        "rcpt_tos": [
            *_addresses(message.get("To")),
            *_addresses(message.get("Cc")),
            *_addresses(message.get("Bcc")),
        ],
        "subject": message["Subject"],
        "message_id": f"<{message['MessageID']}>" if message["MessageID"] else "",
    }


def _lines(content: str) -> str | None:
    # Mail arrives with CRLF line ends; readers (and regexes in tests) expect \n.
    return content.replace("\r\n", "\n") if content else None
