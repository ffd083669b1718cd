"""The mailbox: a real SMTP server that keeps every message it receives, for tests and people.

Run: python deploy/mailbox/mailbox.py --smtp-port 1025 --http-port 8025 --store DIR

SMTP is aiosmtpd's. Each message is kept as DIR/<id>.eml, listed in DIR/index.json, so the
messages survive restarts. HTTP (standard library, same process):

  GET    /                                   the messages as a web page, newest first
  GET    /messages/<id>                      one message as a web page
  GET    /api/messages[?to=addr]             JSON list, oldest first (envelope recipient filter)
  GET    /api/messages/<id>                  JSON: headers, text, html, attachments
  GET    /api/messages/<id>/raw              the .eml as received
  GET    /api/messages/<id>/attachments/<n>  the bytes of attachment n (from 0)
  DELETE /api/messages                       delete every message
  POST   /api/fail?count=N&code=451          refuse the next N messages at DATA with that code,
                                             so tests can see that a sender retries
  POST   /api/refuse?code=451                refuse every message at DATA until /api/accept
  POST   /api/accept                         accept messages again (ends both refusal modes)
  GET    /health                             {"status": "ok", ...}
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import signal
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit
from uuid import uuid4

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

INDEX_FILE = "index.json"
ID_PATTERN = re.compile(r"[0-9A-Za-z-]{1,64}")
PARSER = BytesParser(policy=policy.default)


def parse(raw: bytes, headers_only: bool = False) -> EmailMessage:
    message = PARSER.parsebytes(raw, headersonly=headers_only)
    assert isinstance(message, EmailMessage)  # policy.default always makes EmailMessage
    return message


def write_atomically(path: Path, data: bytes) -> None:
    # A crash mid-write must leave the old file or the new one, never half of one.
    scratch = path.with_name(f".{path.name}.tmp")
    scratch.write_bytes(data)
    os.replace(scratch, path)


class Store:
    """The messages on disk and their index, shared by the SMTP and the HTTP threads."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._failures_left = 0
        self._failure_code = 451
        self._refusing: int | None = None
        self._entries: list[dict[str, Any]] = []
        self._recover()

    def _recover(self) -> None:
        index = self.folder / INDEX_FILE
        try:
            entries: list[dict[str, Any]] = json.loads(index.read_text()) if index.exists() else []
        except (ValueError, OSError) as error:
            print(f"mailbox: {index} is unreadable ({error}); rebuilding it", file=sys.stderr)
            entries = []
        # The index is written after the .eml: a crash between the two, an .eml put there by
        # hand or a deleted one must not lose or invent messages.
        entries = [e for e in entries if (self.folder / f"{e['id']}.eml").exists()]
        known = {entry["id"] for entry in entries}
        recovered = [
            self._entry_from_headers(path)
            for path in sorted(self.folder.glob("*.eml"))
            if path.stem not in known and ID_PATTERN.fullmatch(path.stem)
        ]
        entries = sorted(entries + recovered, key=lambda e: (e["received_at"], e["id"]))
        with self._lock:
            self._entries = entries
            self._write_index()

    def _entry_from_headers(self, path: Path) -> dict[str, Any]:
        message = parse(path.read_bytes(), headers_only=True)
        recipients = getaddresses([str(v) for k in ("To", "Cc") for v in message.get_all(k, [])])
        received = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        return self._entry(
            path.stem,
            received,
            getaddresses([str(message.get("From", ""))])[0][1],
            [address for _, address in recipients if address],
            message,
        )

    @staticmethod
    def _entry(
        message_id: str,
        received: datetime,
        mail_from: str,
        rcpt_tos: list[str],
        message: EmailMessage,
    ) -> dict[str, Any]:
        return {
            "id": message_id,
            "received_at": received.isoformat(),
            "mail_from": mail_from,
            "rcpt_tos": rcpt_tos,
            "subject": str(message.get("Subject", "")),  # policy.default decodes =?utf-8?...
            "message_id": str(message.get("Message-ID", "")),
        }

    def _write_index(self) -> None:
        data = json.dumps(self._entries, ensure_ascii=False, indent=1).encode()
        write_atomically(self.folder / INDEX_FILE, data)

    def add(self, mail_from: str, rcpt_tos: list[str], raw: bytes) -> dict[str, Any]:
        received = datetime.now(UTC)
        # Sortable by time, unique without coordination.
        message_id = f"{received:%Y%m%d%H%M%S%f}-{uuid4().hex[:8]}"
        entry = self._entry(message_id, received, mail_from, rcpt_tos, parse(raw, True))
        with self._lock:
            write_atomically(self.folder / f"{message_id}.eml", raw)
            self._entries.append(entry)
            self._write_index()
        return entry

    def entries(self, to: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            entries = list(self._entries)
        if to is None:
            return entries
        wanted = to.strip().lower()
        return [e for e in entries if wanted in (r.lower() for r in e["rcpt_tos"])]

    def entry(self, message_id: str) -> dict[str, Any] | None:
        if not ID_PATTERN.fullmatch(message_id):
            return None
        with self._lock:
            return next((e for e in self._entries if e["id"] == message_id), None)

    def raw(self, message_id: str) -> bytes:
        return (self.folder / f"{message_id}.eml").read_bytes()

    def clear(self) -> int:
        with self._lock:
            count = len(self._entries)
            for entry in self._entries:
                (self.folder / f"{entry['id']}.eml").unlink(missing_ok=True)
            self._entries = []
            self._write_index()
        return count

    def fail_next(self, count: int, code: int) -> None:
        with self._lock:
            self._failures_left, self._failure_code = count, code

    def refuse(self, code: int | None) -> None:
        with self._lock:
            self._refusing, self._failures_left = code, 0

    def take_failure(self) -> int | None:
        with self._lock:
            if self._refusing is not None:
                return self._refusing
            if self._failures_left <= 0:
                return None
            self._failures_left -= 1
            return self._failure_code

    def failures_left(self) -> int:
        with self._lock:
            return self._failures_left


class Handler:
    """aiosmtpd handler: every message that gets through DATA is stored."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if (code := self.store.take_failure()) is not None:
            print(f"mailbox: refused a message with {code} (fail mode)", flush=True)
            return f"{code} Refused on request of POST /api/fail or /api/refuse (test mode)"
        raw = envelope.original_content or b""
        recipients = [str(r) for r in envelope.rcpt_tos]
        entry = self.store.add(str(envelope.mail_from or ""), recipients, raw)
        print(
            f"mailbox: {entry['id']} from {entry['mail_from']} to {', '.join(recipients)}: "
            f"{entry['subject']}",
            flush=True,
        )
        return f"250 OK: stored as {entry['id']}"


# --- reading a stored message -------------------------------------------------------------------


def payload_of(part: EmailMessage) -> bytes:
    payload = part.get_payload(decode=True)  # bytes for every leaf part
    return payload if isinstance(payload, bytes) else b""


def content_of(part: EmailMessage) -> str:
    try:
        # Mail arrives with CRLF line ends; readers (and regexes in tests) expect \n.
        return str(part.get_content()).replace("\r\n", "\n")
    except (LookupError, UnicodeError):  # an unknown or lying charset: show what can be shown
        return payload_of(part).decode("utf-8", "replace").replace("\r\n", "\n")


def attachment_parts(message: EmailMessage) -> Iterator[EmailMessage]:
    """Every leaf part but the text and HTML bodies: attachments and inline images alike."""
    bodies = {id(message.get_body(("plain",))), id(message.get_body(("html",)))}
    for part in message.walk():
        if not part.is_multipart() and id(part) not in bodies:
            assert isinstance(part, EmailMessage)
            yield part


def details(store: Store, entry: dict[str, Any]) -> dict[str, Any]:
    message = parse(store.raw(entry["id"]))
    # name -> value; a header that repeats (Received...) -> its values in order
    headers: dict[str, Any] = {}
    for name in dict.fromkeys(message.keys()):
        values = [str(value) for value in message.get_all(name, [])]
        headers[name] = values[0] if len(values) == 1 else values
    text, rich = message.get_body(("plain",)), message.get_body(("html",))
    return {
        **entry,
        "headers": headers,
        "text": content_of(text) if isinstance(text, EmailMessage) else None,
        "html": content_of(rich) if isinstance(rich, EmailMessage) else None,
        "attachments": [
            {
                "index": index,
                "filename": part.get_filename(),
                "content_type": part.get_content_type(),
                "size": len(payload_of(part)),
                "disposition": part.get_content_disposition(),
                "content_id": part.get("Content-ID"),
            }
            for index, part in enumerate(attachment_parts(message))
        ],
    }


# --- HTTP -----------------------------------------------------------------------------------------

PAGE_STYLE = (
    "body{font-family:sans-serif;margin:2em;max-width:70em}"
    "table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.3em .6em;"
    "text-align:left;vertical-align:top}pre{white-space:pre-wrap;background:#f6f6f6;padding:1em}"
    "iframe{width:100%;height:60vh;border:1px solid #ccc}"
)


def page(title: str, body: str) -> bytes:
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{PAGE_STYLE}</style></head><body>{body}</body></html>"
    ).encode()


def list_page(entries: list[dict[str, Any]]) -> bytes:
    rows = "".join(
        f"<tr><td>{html.escape(e['received_at'][:19].replace('T', ' '))}</td>"
        f"<td>{html.escape(', '.join(e['rcpt_tos']))}</td>"
        f"<td><a href='/messages/{e['id']}'>{html.escape(e['subject'] or '(no subject)')}</a>"
        f"</td></tr>"
        for e in reversed(entries)
    )
    return page(
        "Mailbox",
        f"<h1>Mailbox: {len(entries)} message(s)</h1>"
        "<table><tr><th>Received (UTC)</th><th>To</th><th>Subject</th></tr>"
        f"{rows}</table>",
    )


def message_page(message: dict[str, Any]) -> bytes:
    base = f"/api/messages/{message['id']}"
    attachments = "".join(
        f"<li><a href='{base}/attachments/{a['index']}'>"
        f"{html.escape(a['filename'] or 'part ' + str(a['index']))}</a> "
        f"({html.escape(a['content_type'])}, {a['size']} bytes)</li>"
        for a in message["attachments"]
    )
    # The email's own HTML goes into a sandboxed frame: no scripts, no access to this page.
    rich = (
        f"<h2>HTML</h2><iframe sandbox srcdoc='{html.escape(message['html'])}'></iframe>"
        if message["html"]
        else ""
    )
    text = f"<h2>Text</h2><pre>{html.escape(message['text'])}</pre>" if message["text"] else ""
    return page(
        message["subject"] or "(no subject)",
        "<p><a href='/'>&larr; all messages</a></p>"
        f"<h1>{html.escape(message['subject'] or '(no subject)')}</h1>"
        f"<p>From {html.escape(message['mail_from'])} "
        f"to {html.escape(', '.join(message['rcpt_tos']))}, "
        f"received {html.escape(message['received_at'])} (<a href='{base}/raw'>raw</a>, "
        f"<a href='{base}'>JSON</a>)</p>"
        + (f"<h2>Attachments</h2><ul>{attachments}</ul>" if attachments else "")
        + rich
        + text,
    )


class HttpError(Exception):
    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status


class Api(BaseHTTPRequestHandler):
    store: Store  # set on the subclass made in serve_http
    server_version = "rma-mailbox"

    def log_message(self, format: str, *args: Any) -> None:
        # Tests poll /api/messages many times a second: the log would hold nothing else.
        pass

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        # "+" stays a plus: ?to=jan+rma@example.com is an address, never one with a space.
        pairs = parse_qs(url.query.replace("+", "%2B")).items()
        query = {key: values[-1] for key, values in pairs}
        parts = [part for part in url.path.split("/") if part]
        try:
            self._route(method, parts, query)
        except HttpError as error:
            self._json({"error": str(error)}, error.status)
        except BrokenPipeError:
            pass
        except Exception as error:  # one unreadable message must not take the server down
            failure = f"{type(error).__name__}: {error}"
            self._json({"error": failure}, HTTPStatus.INTERNAL_SERVER_ERROR)

    def _route(self, method: str, parts: list[str], query: dict[str, str]) -> None:
        store = self.store
        match method, parts:
            case "GET", ["health"]:
                self._json({"status": "ok", "messages": len(store.entries())})
            case "GET", []:
                self._send(list_page(store.entries()), "text/html; charset=utf-8")
            case "GET", ["messages", message_id]:
                message = details(store, self._entry(message_id))
                self._send(message_page(message), "text/html; charset=utf-8")
            case "GET", ["api", "messages"]:
                self._json(store.entries(query.get("to")))
            case "DELETE", ["api", "messages"]:
                self._json({"deleted": store.clear()})
            case "GET", ["api", "messages", message_id]:
                self._json(details(store, self._entry(message_id)))
            case "GET", ["api", "messages", message_id, "raw"]:
                entry = self._entry(message_id)
                self._send(store.raw(entry["id"]), "message/rfc822", f"{entry['id']}.eml")
            case "GET", ["api", "messages", message_id, "attachments", number]:
                self._attachment(self._entry(message_id), number)
            case "POST", ["api", "fail"]:
                count, code = self._int(query, "count", 1), self._int(query, "code", 451)
                if count < 0 or not 400 <= code <= 599:
                    raise HttpError(HTTPStatus.BAD_REQUEST, "count must be >= 0, code 400..599")
                store.fail_next(count, code)
                self._json({"failures_left": count, "code": code})
            case "POST", ["api", "refuse"]:
                code = self._int(query, "code", 451)
                if not 400 <= code <= 599:
                    raise HttpError(HTTPStatus.BAD_REQUEST, "code must be 400..599")
                store.refuse(code)
                self._json({"refusing": code})
            case "POST", ["api", "accept"]:
                store.refuse(None)
                self._json({"refusing": None})
            case _:
                raise HttpError(HTTPStatus.NOT_FOUND, f"no {method} /{'/'.join(parts)}")

    def _entry(self, message_id: str) -> dict[str, Any]:
        entry = self.store.entry(message_id)
        if entry is None:
            raise HttpError(HTTPStatus.NOT_FOUND, f"no message {message_id}")
        return entry

    def _attachment(self, entry: dict[str, Any], number: str) -> None:
        parts = list(attachment_parts(parse(self.store.raw(entry["id"]))))
        if not number.isdigit() or int(number) >= len(parts):
            raise HttpError(HTTPStatus.NOT_FOUND, f"no attachment {number} ({len(parts)} in all)")
        part = parts[int(number)]
        self._send(
            payload_of(part),
            part.get_content_type(),
            part.get_filename() or f"attachment-{number}",
        )

    @staticmethod
    def _int(query: dict[str, str], name: str, default: int) -> int:
        try:
            return int(query.get(name, default))
        except ValueError:
            raise HttpError(HTTPStatus.BAD_REQUEST, f"{name} must be a number") from None

    def _json(self, body: Any, status: HTTPStatus = HTTPStatus.OK) -> None:
        self._send(json.dumps(body, ensure_ascii=False).encode(), "application/json", status=status)

    def _send(
        self,
        body: bytes,
        content_type: str,
        filename: str | None = None,
        status: HTTPStatus = HTTPStatus.OK,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if filename is not None:
            self.send_header("Content-Disposition", f"inline; filename*=UTF-8''{quote(filename)}")
        self.end_headers()
        self.wfile.write(body)


class HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64  # the default 5 refuses connections when parallel tests poll


def serve_http(store: Store, host: str, port: int) -> ThreadingHTTPServer:
    handler = type("BoundApi", (Api,), {"store": store})
    server = HttpServer((host, port), handler)
    threading.Thread(target=server.serve_forever, name="http", daemon=True).start()
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--smtp-port", type=int, default=1025)
    parser.add_argument("--http-port", type=int, default=8025)
    parser.add_argument("--host", default="127.0.0.1", help="address of both servers")
    parser.add_argument("--store", type=Path, required=True, help="folder of the messages")
    args = parser.parse_args()

    store = Store(args.store)
    controller = Controller(
        Handler(store),
        hostname=args.host,
        port=args.smtp_port,
        enable_SMTPUTF8=True,  # Polish names and subjects may come unencoded
        ready_timeout=10,
    )
    try:
        controller.start()
    except Exception as error:  # aiosmtpd re-raises whatever its server thread hit
        sys.exit(f"mailbox: cannot serve SMTP on {args.host}:{args.smtp_port}: {error}")
    try:
        http_server = serve_http(store, args.host, args.http_port)
    except OSError as error:
        controller.stop()
        sys.exit(f"mailbox: cannot serve HTTP on {args.host}:{args.http_port}: {error}")

    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    print(
        f"mailbox: SMTP on {args.host}:{args.smtp_port}, http://{args.host}:{args.http_port}/ "
        f"({len(store.entries())} stored messages in {args.store})",
        flush=True,
    )
    stopping.wait()
    http_server.shutdown()
    controller.stop()
    print("mailbox: stopped", flush=True)


if __name__ == "__main__":
    main()
