"""The mailbox: a real SMTP server (aiosmtpd) that keeps every message for inspection.

Run: python deploy/mailbox/mailbox.py --smtp-port 1025 --http-port 8025 --store DIR

Messages are stored as .eml files in DIR and survive restarts. An HTTP API lets tests and people
read them: `GET /` (a page), `GET /api/messages[?to=addr]`, `GET /api/messages/{id}`,
`GET /api/messages/{id}/raw`, `GET /api/messages/{id}/attachments/{n}`, `DELETE /api/messages`,
`POST /api/fail?count=N&code=451` (refuse the next N messages, to test a sender's retries) and
`GET /health`.
"""

from __future__ import annotations

import argparse
import html
import json
import threading
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any
from uuid import uuid4

import uvicorn
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from fastapi import FastAPI, HTTPException, Response
from fastapi.responses import HTMLResponse


class Store:
    """Messages on disk: `<id>.eml` plus `<id>.json` with the envelope."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self.failures_left = 0
        self.failure_code = 451

    def add(self, mail_from: str, rcpt_tos: list[str], content: bytes) -> str:
        message_id = f"{datetime.now(UTC):%Y%m%d%H%M%S%f}-{uuid4().hex[:8]}"
        envelope = {
            "id": message_id,
            "received_at": datetime.now(UTC).isoformat(),
            "mail_from": mail_from,
            "rcpt_tos": rcpt_tos,
        }
        with self._lock:
            (self.folder / f"{message_id}.eml").write_bytes(content)
            (self.folder / f"{message_id}.json").write_text(json.dumps(envelope))
        return message_id

    def take_failure(self) -> int | None:
        with self._lock:
            if self.failures_left <= 0:
                return None
            self.failures_left -= 1
            return self.failure_code

    def ids(self) -> list[str]:
        return sorted(path.stem for path in self.folder.glob("*.json"))

    def envelope(self, message_id: str) -> dict[str, Any]:
        path = self.folder / f"{Path(message_id).name}.json"
        if not path.exists():
            raise HTTPException(404, "no such message")
        envelope: dict[str, Any] = json.loads(path.read_text())
        return envelope

    def parsed(self, message_id: str) -> EmailMessage:
        raw = (self.folder / f"{Path(message_id).name}.eml").read_bytes()
        message = BytesParser(policy=policy.default).parsebytes(raw)
        assert isinstance(message, EmailMessage)
        return message

    def clear(self) -> None:
        with self._lock:
            for path in self.folder.iterdir():
                path.unlink()


class Handler:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if (code := self.store.take_failure()) is not None:
            return f"{code} Mailbox temporarily refusing messages (test mode)"
        content = envelope.original_content or b""
        self.store.add(str(envelope.mail_from), [str(r) for r in envelope.rcpt_tos], content)
        return "250 Message accepted for delivery"


def summary(store: Store, message_id: str) -> dict[str, Any]:
    envelope = store.envelope(message_id)
    message = store.parsed(message_id)
    return {
        **envelope,
        "subject": str(message.get("Subject", "")),
        "to": str(message.get("To", "")),
        "message_id": str(message.get("Message-ID", "")),
    }


def details(store: Store, message_id: str) -> dict[str, Any]:
    message = store.parsed(message_id)
    text = message.get_body(preferencelist=("plain",))
    rich = message.get_body(preferencelist=("html",))
    attachments = [
        {
            "filename": part.get_filename(),
            "content_type": part.get_content_type(),
            "size": len(part.get_payload(decode=True) or b""),
        }
        for part in message.iter_attachments()
    ]
    return {
        **summary(store, message_id),
        "headers": {key: str(value) for key, value in message.items()},
        "text": text.get_content() if text is not None else None,
        "html": rich.get_content() if rich is not None else None,
        "attachments": attachments,
    }


def build_api(store: Store) -> FastAPI:
    app = FastAPI(title="RMA mailbox", docs_url="/api/docs")

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/api/messages")
    def list_messages(to: str | None = None) -> list[dict[str, Any]]:
        listing = [summary(store, message_id) for message_id in store.ids()]
        if to is not None:
            wanted = to.lower()
            listing = [m for m in listing if wanted in (r.lower() for r in m["rcpt_tos"])]
        return listing

    @app.get("/api/messages/{message_id}")
    def get_message(message_id: str) -> dict[str, Any]:
        return details(store, message_id)

    @app.get("/api/messages/{message_id}/raw")
    def get_raw(message_id: str) -> Response:
        store.envelope(message_id)
        raw = (store.folder / f"{Path(message_id).name}.eml").read_bytes()
        return Response(raw, media_type="message/rfc822")

    @app.get("/api/messages/{message_id}/attachments/{index}")
    def get_attachment(message_id: str, index: int) -> Response:
        store.envelope(message_id)
        parts = list(store.parsed(message_id).iter_attachments())
        if not 0 <= index < len(parts):
            raise HTTPException(404, "no such attachment")
        part = parts[index]
        return Response(part.get_payload(decode=True) or b"", media_type=part.get_content_type())

    @app.delete("/api/messages")
    def clear() -> dict[str, str]:
        store.clear()
        return {"status": "cleared"}

    @app.post("/api/fail")
    def fail(count: int = 1, code: int = 451) -> dict[str, int]:
        store.failures_left, store.failure_code = count, code
        return {"failures_left": count, "code": code}

    @app.get("/", response_class=HTMLResponse)
    def page() -> str:
        rows = "".join(
            f"<tr><td>{html.escape(m['received_at'][:19])}</td>"
            f"<td>{html.escape(', '.join(m['rcpt_tos']))}</td>"
            f"<td><a href='/view/{m['id']}'>{html.escape(m['subject'])}</a></td></tr>"
            for m in reversed([summary(store, i) for i in store.ids()])
        )
        return (
            "<!doctype html><html lang='pl'><meta charset='utf-8'><title>Mailbox</title>"
            "<h1>Wiadomości e-mail</h1><table border='1' cellpadding='4'>"
            f"<tr><th>Odebrano</th><th>Do</th><th>Temat</th></tr>{rows}</table></html>"
        )

    @app.get("/view/{message_id}", response_class=HTMLResponse)
    def view(message_id: str) -> str:
        message = details(store, message_id)
        links = "".join(
            f"<li><a href='/api/messages/{message_id}/attachments/{index}'>"
            f"{html.escape(a['filename'] or 'attachment')}</a></li>"
            for index, a in enumerate(message["attachments"])
        )
        # The email's own HTML is shown in a sandboxed frame, never inline.
        return (
            f"<!doctype html><meta charset='utf-8'><h1>{html.escape(message['subject'])}</h1>"
            f"<p>Do: {html.escape(message['to'])}</p><ul>{links}</ul>"
            f"<iframe sandbox style='width:100%;height:70vh' "
            f"srcdoc='{html.escape(message['html'] or '')}'></iframe>"
            f"<pre>{html.escape(message['text'] or '')}</pre>"
        )

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smtp-port", type=int, default=1025)
    parser.add_argument("--http-port", type=int, default=8025)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--store", type=Path, required=True)
    args = parser.parse_args()
    store = Store(args.store)
    controller = Controller(Handler(store), hostname=args.host, port=args.smtp_port)
    controller.start()
    try:
        uvicorn.run(build_api(store), host=args.host, port=args.http_port, log_level="warning")
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
