"""`Idempotency-Key` on POST: a retry with the same key gets the first answer, not a second claim.

A client that lost the connection after sending a claim cannot know whether it was filed. It
sends each creating POST with an `Idempotency-Key` header (a UUID, say) and, to retry, the same
key again. Every service runs this ASGI middleware (shared/runtime.py), with one table in each
service's database:

- a creating endpoint records the key, with the id of what it created, in the same transaction
  that stores it (`remember_made`, called by the service's unit of work): the key is kept if and
  only if the effect is. The middleware hands the request's key to the endpoint and its
  transaction (`idempotent_request`, a context variable);
- after the handler, the middleware records the answer (status, headers, body); a retry with the
  same key and the same request gets that answer again (header `Idempotent-Replayed: true`), and
  nothing runs twice;
- when the process died between the commit and that record, the retry finds the key with the
  id of what was made: the endpoint rebuilds its answer from it (a claim: the same 201), at
  any time within `KEY_LIFETIME`, and creates nothing;
- while a request runs, its key is locked in this process and by a PostgreSQL session advisory
  lock (`KeyLocks`) on a connection of the process: a retry meanwhile is answered 409 (with
  `Retry-After`). The lock dies with the process or its connection, so a retry after a crash
  runs at once;
- the same key with a different request (path or body) is refused with 422;
- an answer of 5xx, or a request that failed, is not recorded: the retry runs afresh (or, when
  its effect was committed, rebuilds the answer from it);
- keys belong to the caller (the verified token's subject, or "anonymous"), and are forgotten
  after `KEY_LIFETIME`.

Guaranteed: a POST whose transaction records its key with what it made (claims'
`POST /api/claims`, `POST /api/bulk-claims`, `POST /api/parcels`,
`POST /api/operator/claims/{id}/charges`, `POST /api/operator/claims/{id}/manufacturer-handoff`
and the intake evidence's
`POST /api/scanner|operator/claims/{id}/intake-evidence`, accounts' `POST /api/accounts` and
`POST /api/me/documents`, warranty's `POST /api/registrations`) and is retried with that key
makes at most one thing and gets the same answer, whenever the process dies. Any other POST
(a claim's state changes) is replayed from its recorded answer; should the process die between
its commit and that record, the retry runs it again, and the claim's state machine refuses the
repeat (409 then, not the first answer).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import asyncpg
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.auth import InvalidToken, verify_token
from shared.db import Conn
from shared.logging import get_logger

log = get_logger(__name__)

HEADER = "idempotency-key"
KEY_LIFETIME = timedelta(hours=24)
_VALID_KEY = re.compile(r"[A-Za-z0-9_\-:.]{1,255}")
_MAX_RECORDED_BODY = 1024 * 1024
_REPLAYED_HEADERS = {"content-type", "location"}
# A lock query waits no longer: the database away is the 503 of shared/http.py, not a hang.
_LOCK_QUERY_SECONDS = 5.0


def _problem(status: int, code: str, message: str, retry_after: bool = False) -> dict[str, Any]:
    headers = [(b"content-type", b"application/json")]
    if retry_after:
        headers.append((b"retry-after", b"1"))
    body = {
        "detail": message,
        "errors": [{"field": "Idempotency-Key", "code": code, "message": message}],
    }
    return {"status": status, "headers": headers, "body": json.dumps(body).encode()}


BAD_KEY = _problem(
    400,
    "idempotency_key_invalid",
    "Nagłówek Idempotency-Key musi mieć od 1 do 255 znaków: litery, cyfry, '-', '_', ':' lub '.'.",
)
KEY_REUSED = _problem(
    422,
    "idempotency_key_reused",
    "Ten klucz Idempotency-Key został już użyty dla innego żądania. Użyj nowego klucza.",
)
STILL_RUNNING = _problem(
    409,
    "idempotency_key_in_progress",
    "Poprzednie żądanie z tym kluczem Idempotency-Key jeszcze trwa. Spróbuj za chwilę.",
    retry_after=True,
)


def request_fingerprint(path: str, headers: Headers, body: bytes) -> str:
    """The request a key stands for. A multipart body's boundary is random per encoding, so a
    re-encoded retry of the same form must not count as another request."""
    content_type = headers.get("content-type", "")
    boundary = re.search(r"boundary=\"?([^\";]+)", content_type)
    if boundary:
        body = body.replace(boundary.group(1).encode(), b"")
        content_type = content_type.replace(boundary.group(1), "")
    digest = hashlib.sha256()
    for part in (path.encode(), content_type.encode(), body):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


@dataclass(frozen=True)
class IdempotentRequest:
    """A keyed POST as its endpoint sees it. `made`: the id of what an earlier request with this
    key created and committed, when that request died before its answer was recorded."""

    owner: str
    key: str
    fingerprint: str
    made: str | None = None


class KeyInUse(Exception):
    """The key was recorded by another transaction meanwhile (only when a process lost its lock
    connection): the first request's effect stands, this one's is rolled back."""


_SERVED: ContextVar[IdempotentRequest | None] = ContextVar("idempotent_request", default=None)


def idempotent_request() -> IdempotentRequest | None:
    """The keyed POST this task serves, set by the middleware (None without a key): for its
    endpoint, which rebuilds its answer when `made`, and for the transaction that records it."""
    return _SERVED.get()


async def remember_made(conn: Conn, request: IdempotentRequest, made: object) -> None:
    """Record the key with what the request made, in the transaction that stores it."""
    inserted = await conn.fetchval(
        """INSERT INTO idempotency_keys (owner, idempotency_key, request_hash, made)
           VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING true""",
        request.owner,
        request.key,
        request.fingerprint,
        str(made),
    )
    if not inserted:
        raise KeyInUse(request.key)


def lock_id(owner: str, key: str) -> int:
    """The key's PostgreSQL advisory lock: 64 bits of its hash."""
    digest = hashlib.sha256(f"{owner}\x00{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class KeyLocks:
    """Which keys run now. In this process: a set. Across processes: a session advisory lock on
    one connection of this process, which PostgreSQL frees when the process or the connection
    dies, so no lock outlives the request that took it."""

    def __init__(self, connect: Callable[[], Awaitable[Any]]) -> None:
        self._connect = connect  # asyncpg.connect to the service's database, say
        self._held: set[tuple[str, str]] = set()
        self._conn: Any = None
        self._one_query_at_a_time = asyncio.Lock()

    @asynccontextmanager
    async def hold(self, owner: str, key: str) -> AsyncIterator[bool]:
        """True while this request holds the key; False when another request runs it."""
        name = (owner, key)
        if name in self._held:
            yield False
            return
        self._held.add(name)
        try:
            locked = await self._query("SELECT pg_try_advisory_lock($1)", lock_id(*name))
            try:
                yield bool(locked)
            finally:
                if locked:
                    await self._query("SELECT pg_advisory_unlock($1)", lock_id(*name))
        finally:
            self._held.discard(name)

    async def _query(self, query: str, argument: int) -> Any:
        async with self._one_query_at_a_time:
            if self._conn is None or self._conn.is_closed():
                self._conn = await self._connect()
            try:
                return await self._conn.fetchval(query, argument, timeout=_LOCK_QUERY_SECONDS)
            except BaseException:
                # An unlock that may not have happened must not keep its lock: closing the
                # session frees every lock of it (the requests holding them have their set).
                self.close_now()
                raise

    def close_now(self) -> None:
        if self._conn is not None:
            self._conn.terminate()
            self._conn = None

    async def close(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            await conn.close()


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._last_cleanup = 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        key = headers.get(HEADER)
        if key is None:
            await self.app(scope, receive, send)
            return
        if not _VALID_KEY.fullmatch(key):
            await _answer(send, BAD_KEY)
            return
        body = await _read_body(receive)
        state = scope["app"].state
        pool: asyncpg.Pool = state.runtime.db
        request = IdempotentRequest(
            _owner(state, headers), key, request_fingerprint(scope["path"], headers, body)
        )
        await self._forget_old_keys(pool)
        async with state.runtime.key_locks.hold(request.owner, key) as held:
            if not held:
                await _answer(send, STILL_RUNNING)
                return
            await self._answer_once(scope, body, (receive, send), pool, request)

    async def _answer_once(
        self,
        scope: Scope,
        body: bytes,
        channels: tuple[Receive, Send],
        pool: asyncpg.Pool,
        request: IdempotentRequest,
    ) -> None:
        """Under the key's lock: the recorded answer, or the endpoint run (which rebuilds its
        answer when its effect was committed by a request that died before answering)."""
        record = await pool.fetchrow(
            "SELECT * FROM idempotency_keys WHERE owner = $1 AND idempotency_key = $2",
            request.owner,
            request.key,
        )
        if record is not None and (
            record["request_hash"] != request.fingerprint or record["status_code"] is not None
        ):
            await _answer_from_record(channels[1], record, request.fingerprint)
            return
        made = record["made"] if record is not None else None
        served = _SERVED.set(replace(request, made=made))

        async def record_answer(answer: dict[str, Any]) -> None:
            await _record_answer(pool, request, answer)

        try:
            await self._run(scope, body, channels, made is not None, record_answer)
        finally:
            _SERVED.reset(served)

    async def _run(
        self,
        scope: Scope,
        body: bytes,
        channels: tuple[Receive, Send],
        replayed: bool,
        record: Callable[[dict[str, Any]], Awaitable[None]],
    ) -> None:
        """Runs the endpoint, and records its answer when worth it (not a 5xx, not too large)
        before the answer's last part goes out: a client that has the whole answer and sends
        the key again gets it from the record, not 409 "still running"."""
        receive, send = channels
        answer: dict[str, Any] = {"status": None, "headers": [], "body": b""}
        body_given = False

        async def receive_body() -> Message:
            nonlocal body_given
            if not body_given:
                body_given = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # from now on only the client's disconnect

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer["status"], answer["headers"] = message["status"], message.get("headers", [])
                if replayed:
                    message = {**message, "headers": [*answer["headers"], REPLAYED]}
            elif message["type"] == "http.response.body":
                answer["body"] += message.get("body", b"")
                if not message.get("more_body", False) and _worth_recording(answer):
                    await record(answer)
            await send(message)

        try:
            await self.app(scope, receive_body, capture)
        except KeyInUse:
            await _answer(send, STILL_RUNNING)

    async def _forget_old_keys(self, pool: asyncpg.Pool) -> None:
        now = time.monotonic()
        if now - self._last_cleanup < 3600:
            return
        self._last_cleanup = now
        await pool.execute(
            "DELETE FROM idempotency_keys WHERE created_at < now() - $1::interval", KEY_LIFETIME
        )


REPLAYED = (b"idempotent-replayed", b"true")


def _worth_recording(answer: dict[str, Any]) -> bool:
    status = answer["status"]
    return status is not None and status < 500 and len(answer["body"]) <= _MAX_RECORDED_BODY


def _owner(state: Any, headers: Headers) -> str:
    authorization = headers.get("authorization", "")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return "anonymous"
    try:
        principal = verify_token(state.token_public_key, token)
    except (InvalidToken, AttributeError):
        return "anonymous"  # the handler refuses the token itself
    return f"{principal.role}:{principal.subject}"


async def _record_answer(
    pool: asyncpg.Pool, request: IdempotentRequest, answer: dict[str, Any]
) -> None:
    """The answer, beside the key the endpoint's transaction recorded (if it did)."""
    kept = [
        [name.decode("latin-1"), value.decode("latin-1")]
        for name, value in answer["headers"]
        if name.decode("latin-1").lower() in _REPLAYED_HEADERS
    ]
    await pool.execute(
        """INSERT INTO idempotency_keys (owner, idempotency_key, request_hash, status_code,
                                         response_headers, response_body)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (owner, idempotency_key) DO UPDATE
           SET status_code = EXCLUDED.status_code, response_headers = EXCLUDED.response_headers,
               response_body = EXCLUDED.response_body
           WHERE idempotency_keys.request_hash = EXCLUDED.request_hash""",
        request.owner,
        request.key,
        request.fingerprint,
        answer["status"],
        kept,
        answer["body"],
    )


async def _answer_from_record(send: Send, record: asyncpg.Record, fingerprint: str) -> None:
    if record["request_hash"] != fingerprint:
        await _answer(send, KEY_REUSED)
        return
    headers = [(n.encode("latin-1"), v.encode("latin-1")) for n, v in record["response_headers"]]
    body = bytes(record["response_body"])
    await _answer(
        send, {"status": record["status_code"], "headers": [*headers, REPLAYED], "body": body}
    )


async def _answer(send: Send, answer: dict[str, Any]) -> None:
    body: bytes = answer["body"]
    headers = [*answer["headers"], (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": answer["status"], "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)
