"""`Idempotency-Key` on POST: a retry with the same key gets the first answer, not a second claim.

A client that lost the connection after sending a claim cannot know whether it was filed. It
sends each creating POST with an `Idempotency-Key` header (a UUID, say) and, to retry, the same
key again. Every service runs this ASGI middleware (shared/runtime.py), with one table in each
service's database:

- the first request with a key records it, runs, and records its answer (status, headers,
  body); a retry with the same key and the same request gets that answer again (header
  `Idempotent-Replayed: true`), and nothing runs twice;
- the same key with a different request (path or body) is refused with 422, a retry while the
  first request still runs with 409 (and `Retry-After`);
- an answer of 5xx, or a request that failed, is not recorded: the retry runs afresh;
- keys belong to the caller (the verified token's subject, or "anonymous"), and are forgotten
  after `KEY_LIFETIME`.

Not guaranteed: the answer is recorded just after the handler committed, in a separate step.
Should the process die in those milliseconds, the key stays "running"; after
`ABANDONED_AFTER` a retry runs again and may create a second record.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from datetime import timedelta
from typing import Any

import asyncpg
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.auth import InvalidToken, verify_token
from shared.logging import get_logger

log = get_logger(__name__)

HEADER = "idempotency-key"
KEY_LIFETIME = timedelta(hours=24)
ABANDONED_AFTER = timedelta(minutes=2)
_VALID_KEY = re.compile(r"[A-Za-z0-9_\-:.]{1,255}")
_MAX_RECORDED_BODY = 1024 * 1024
_REPLAYED_HEADERS = {"content-type", "location"}


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
        owner = _owner(state, headers)
        fingerprint = request_fingerprint(scope["path"], headers, body)
        await self._forget_old_keys(pool)
        recorded = await _claim_key(pool, owner, key, fingerprint)
        if recorded is not None:
            await _answer_from_record(send, recorded, fingerprint)
            return
        await self._run_and_record(scope, body, (receive, send), pool, (owner, key))

    async def _run_and_record(
        self,
        scope: Scope,
        body: bytes,
        channels: tuple[Receive, Send],
        pool: asyncpg.Pool,
        owner_key: tuple[str, str],
    ) -> None:
        receive, send = channels
        answer: dict[str, Any] = {"status": None, "headers": [], "body": b""}
        replayed = False

        async def receive_body() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # from now on only the client's disconnect

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer["status"], answer["headers"] = message["status"], message.get("headers", [])
            elif message["type"] == "http.response.body":
                answer["body"] += message.get("body", b"")
            await send(message)

        try:
            await self.app(scope, receive_body, capture)
        except BaseException:
            await _release_key(pool, *owner_key)
            raise
        status = answer["status"]
        if status is None or status >= 500 or len(answer["body"]) > _MAX_RECORDED_BODY:
            await _release_key(pool, *owner_key)
            return
        kept = [
            [name.decode("latin-1"), value.decode("latin-1")]
            for name, value in answer["headers"]
            if name.decode("latin-1").lower() in _REPLAYED_HEADERS
        ]
        await pool.execute(
            """UPDATE idempotency_keys SET status_code = $3, response_headers = $4,
                                           response_body = $5
               WHERE owner = $1 AND idempotency_key = $2""",
            *owner_key,
            status,
            kept,
            answer["body"],
        )

    async def _forget_old_keys(self, pool: asyncpg.Pool) -> None:
        now = time.monotonic()
        if now - self._last_cleanup < 3600:
            return
        self._last_cleanup = now
        await pool.execute(
            "DELETE FROM idempotency_keys WHERE created_at < now() - $1::interval", KEY_LIFETIME
        )


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


async def _claim_key(
    pool: asyncpg.Pool, owner: str, key: str, fingerprint: str
) -> asyncpg.Record | None:
    """None when this request is the first with the key (now recorded as running), otherwise
    the record of the first one."""
    while True:
        async with pool.acquire() as conn, conn.transaction():
            inserted = await conn.fetchval(
                """INSERT INTO idempotency_keys (owner, idempotency_key, request_hash)
                   VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING true""",
                owner,
                key,
                fingerprint,
            )
            if inserted:
                return None
            record: asyncpg.Record | None = await conn.fetchrow(
                """SELECT *, now() - created_at > $3::interval AS abandoned FROM idempotency_keys
                   WHERE owner = $1 AND idempotency_key = $2 FOR UPDATE""",
                owner,
                key,
                ABANDONED_AFTER,
            )
            if record is None:
                continue  # the first request failed and gave its key up meanwhile
            abandoned = record["status_code"] is None and record["abandoned"]
            if abandoned and record["request_hash"] == fingerprint:
                # The first request died before its answer was recorded: this one runs instead.
                await conn.execute(
                    """UPDATE idempotency_keys SET created_at = now()
                       WHERE owner = $1 AND idempotency_key = $2""",
                    owner,
                    key,
                )
                log.warning("idempotency key abandoned by an earlier request; running again")
                return None
            return record


async def _release_key(pool: asyncpg.Pool, owner: str, key: str) -> None:
    await pool.execute(
        "DELETE FROM idempotency_keys WHERE owner = $1 AND idempotency_key = $2 "
        "AND status_code IS NULL",
        owner,
        key,
    )


async def _answer_from_record(send: Send, record: asyncpg.Record, fingerprint: str) -> None:
    if record["request_hash"] != fingerprint:
        await _answer(send, KEY_REUSED)
    elif record["status_code"] is None:
        await _answer(send, STILL_RUNNING)
    else:
        headers = [
            (n.encode("latin-1"), v.encode("latin-1")) for n, v in record["response_headers"]
        ]
        headers.append((b"idempotent-replayed", b"true"))
        body = bytes(record["response_body"])
        await _answer(send, {"status": record["status_code"], "headers": headers, "body": body})


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
