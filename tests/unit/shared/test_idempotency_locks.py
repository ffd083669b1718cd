"""The lock of a running Idempotency-Key (shared/idempotency.py): one request at a time per key,
in a process and across processes, and never longer than the process or connection holding it.

PostgreSQL's session advisory locks are played by `FakeServer`: a lock belongs to a session and
goes with it (tests/integration/test_idempotency.py runs the real ones)."""

from __future__ import annotations

from uuid import uuid4

import pytest

from services.claims import handlers
from services.claims.domain.refusals import Refusal
from shared.idempotency import IdempotentRequest, KeyLocks, lock_id
from tests.support.claims_service import Desk


class FakeServer:
    def __init__(self) -> None:
        self.holders: dict[int, FakeSession] = {}

    async def connect(self) -> FakeSession:
        return FakeSession(self)


class FakeSession:
    def __init__(self, server: FakeServer) -> None:
        self.server = server
        self.closed = False
        self.fail_next = False

    def is_closed(self) -> bool:
        return self.closed

    async def fetchval(self, query: str, lock: int, timeout: float | None = None) -> bool:
        if self.fail_next:
            self.fail_next = False
            raise ConnectionResetError("the connection broke")
        if "pg_try_advisory_lock" in query:
            return self.server.holders.setdefault(lock, self) is self
        assert "pg_advisory_unlock" in query
        return self.server.holders.pop(lock, None) is self

    def terminate(self) -> None:
        """The session ends: the server frees its locks, as PostgreSQL does."""
        self.closed = True
        for lock, holder in list(self.server.holders.items()):
            if holder is self:
                del self.server.holders[lock]

    async def close(self) -> None:
        self.terminate()


async def test_a_key_runs_once_at_a_time_in_a_process_and_then_again() -> None:
    locks = KeyLocks(FakeServer().connect)
    async with locks.hold("customer:a", "k1") as first:
        async with locks.hold("customer:a", "k1") as second:
            assert (first, second) == (True, False)
        async with locks.hold("customer:b", "k1") as someone_elses:
            assert someone_elses is True  # keys belong to their caller
    async with locks.hold("customer:a", "k1") as later:
        assert later is True


async def test_another_process_waits_while_the_key_runs_and_not_after_its_death() -> None:
    server = FakeServer()
    crashed, survivor = KeyLocks(server.connect), KeyLocks(server.connect)
    holding = crashed.hold("customer:a", "k1")
    assert await holding.__aenter__() is True
    async with survivor.hold("customer:a", "k1") as meanwhile:
        assert meanwhile is False
    crashed.close_now()  # kill -9: the connection goes, no unlock is ever sent
    async with survivor.hold("customer:a", "k1") as after_the_crash:
        assert after_the_crash is True


async def test_an_unlock_that_failed_does_not_keep_the_lock() -> None:
    server = FakeServer()
    locks, other = KeyLocks(server.connect), KeyLocks(server.connect)
    with pytest.raises(ConnectionResetError):
        async with locks.hold("customer:a", "k1") as held:
            assert held
            locks._conn.fail_next = True  # the unlock meets a broken connection
    async with other.hold("customer:a", "k1") as retry:
        assert retry is True
        async with locks.hold("customer:a", "k1") as meanwhile:
            assert meanwhile is False  # this process reconnected, and `other` holds it now


def test_a_lock_is_the_same_for_every_process_and_apart_per_owner() -> None:
    assert lock_id("customer:a", "k1") == lock_id("customer:a", "k1")
    assert lock_id("customer:a", "k1") != lock_id("customer:b", "k1")
    assert -(2**63) <= lock_id("customer:a", "k1") < 2**63


async def test_a_claim_keeps_its_key_in_its_commit_and_a_refused_one_keeps_none() -> None:
    desk = Desk()
    customer = await desk.customer()
    request = IdempotentRequest(f"customer:{customer.account_id}", str(uuid4()), "hash")
    created = await handlers.create_claim(desk.ctx, customer.claim_form(), uuid4(), request)
    kept = desk.database.state.made_by_request
    assert kept == {(request.owner, request.key): ("hash", str(created.data.claim_id))}
    refused = IdempotentRequest(request.owner, str(uuid4()), "hash")
    with pytest.raises(Refusal):
        await handlers.create_claim(
            desk.ctx, customer.claim_form(document_number="2026/NOTMINE"), uuid4(), refused
        )
    assert (refused.owner, refused.key) not in desk.database.state.made_by_request
