"""What the Idempotency-Key middleware does with a key (shared/idempotency.py), on a fake pool:
the recorded answer again, the answer rebuilt from what a dead request made, 409 while the key
runs, 422 for another request, and nothing recorded of a failure.
tests/integration/test_idempotency.py runs the same on PostgreSQL with the claims service."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

from starlette.datastructures import Headers
from starlette.types import Message, Receive, Scope, Send

from shared.idempotency import (
    IdempotencyMiddleware,
    KeyInUse,
    KeyLocks,
    idempotent_request,
    request_fingerprint,
)
from tests.unit.shared.test_idempotency_locks import FakeServer

PATH, BODY = "/api/things", b'{"name": "x"}'
HEADERS = [(b"idempotency-key", b"k1"), (b"content-type", b"application/json")]


class FakePool:
    """The idempotency_keys table: one row per (owner, key)."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], dict[str, Any]] = {}

    async def fetchrow(self, _query: str, owner: str, key: str) -> dict[str, Any] | None:
        return self.rows.get((owner, key))

    async def execute(self, query: str, *args: Any) -> None:
        if query.lstrip().startswith("DELETE"):
            return
        owner, key, fingerprint, status, headers, body = args
        row = self.rows.setdefault((owner, key), {"request_hash": fingerprint, "made": None})
        if row["request_hash"] == fingerprint:
            row.update(status_code=status, response_headers=headers, response_body=body)


def fingerprint() -> str:
    return request_fingerprint(PATH, Headers(raw=HEADERS), BODY)


class Endpoint:
    """An app that makes a thing (201), or rebuilds the answer from the thing made before."""

    def __init__(self, status: int = 201, fail: BaseException | None = None) -> None:
        self.status, self.fail, self.runs = status, fail, 0
        self.seen_made: list[str | None] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.runs += 1
        served = idempotent_request()
        self.seen_made.append(served.made if served else None)
        if self.fail is not None:
            raise self.fail
        thing = served.made if served and served.made else f"thing-{self.runs}"
        body = json.dumps({"id": thing}).encode()
        headers = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


async def post(
    pool: FakePool, endpoint: Endpoint, locks: KeyLocks | None = None, body: bytes = BODY
) -> tuple[int, dict[str, str], bytes]:
    runtime = SimpleNamespace(db=pool, key_locks=locks or KeyLocks(FakeServer().connect))
    app = SimpleNamespace(state=SimpleNamespace(runtime=runtime))
    scope = {"type": "http", "method": "POST", "path": PATH, "headers": HEADERS, "app": app}
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await IdempotencyMiddleware(endpoint)(scope, receive, send)
    start, *bodies = sent
    headers = {k.decode(): v.decode() for k, v in start["headers"]}
    return start["status"], headers, b"".join(m.get("body", b"") for m in bodies)


async def test_the_first_answer_is_recorded_and_replayed_without_running_again() -> None:
    pool, endpoint = FakePool(), Endpoint()
    first = await post(pool, endpoint)
    again = await post(pool, endpoint)
    assert first[0] == again[0] == 201 and first[2] == again[2] == b'{"id": "thing-1"}'
    assert "idempotent-replayed" not in first[1] and again[1]["idempotent-replayed"] == "true"
    assert endpoint.runs == 1


async def test_what_a_dead_request_made_is_handed_to_the_endpoint_to_answer_from() -> None:
    pool, endpoint = FakePool(), Endpoint()
    # Committed with the effect, never answered: the process died in between.
    pool.rows["anonymous", "k1"] = {
        "request_hash": fingerprint(), "made": "thing-0", "status_code": None,
    }  # fmt: skip
    status, headers, body = await post(pool, endpoint)
    assert (status, body) == (201, b'{"id": "thing-0"}')
    assert headers["idempotent-replayed"] == "true" and endpoint.seen_made == ["thing-0"]
    assert pool.rows["anonymous", "k1"]["status_code"] == 201  # recorded now
    assert idempotent_request() is None  # the key is the request's only


async def test_another_request_with_the_key_is_refused_and_runs_nothing() -> None:
    pool, endpoint = FakePool(), Endpoint()
    await post(pool, endpoint)
    status, _, body = await post(pool, endpoint, body=b'{"name": "y"}')
    assert status == 422 and b"idempotency_key_reused" in body and endpoint.runs == 1


async def test_a_key_running_in_this_process_gets_409_with_retry_after() -> None:
    pool, endpoint = FakePool(), Endpoint()
    locks = KeyLocks(FakeServer().connect)
    async with locks.hold("anonymous", "k1"):
        status, headers, _ = await post(pool, endpoint, locks)
    assert (status, headers["retry-after"]) == (409, "1") and endpoint.runs == 0
    assert (await post(pool, endpoint, locks))[0] == 201  # free again once it ended


async def test_a_key_recorded_meanwhile_by_another_process_is_409_not_a_second_effect() -> None:
    pool = FakePool()
    status, headers, body = await post(pool, Endpoint(fail=KeyInUse("k1")))
    assert (status, headers["retry-after"]) == (409, "1") and b"in_progress" in body
    assert pool.rows == {}


async def test_a_failure_or_a_5xx_is_not_recorded_and_the_retry_runs() -> None:
    pool = FakePool()
    assert (await post(pool, Endpoint(status=503)))[0] == 503
    assert pool.rows == {}
    retry = Endpoint()
    assert (await post(pool, retry))[0] == 201 and retry.runs == 1
