"""`Idempotency-Key` on creating POSTs (shared/idempotency.py), on the claims API against the real
Kafka and PostgreSQL: a retried claim is filed once and answered as the first time, also when
the process died after its commit, and a process killed before its commit leaves its key free."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import asyncpg
import httpx
import pytest

from services.accounts import handlers as accounts_handlers
from shared import topics
from tests.conftest import drop_database
from tests.integration.test_accounts import (
    PASSWORD,
    Accounts,
    accounts,
    active_customer,
    email,
)
from tests.integration.test_claims import PDF, RETURN_ADDRESS, Claims, Customer, claims
from tools.support.kafka import TopicProbe, start_from_now
from tools.support.services import RunningServices
from tools.support.stack import Stack

pytestmark = pytest.mark.integration
__all__ = ["accounts", "claims"]  # module fixtures, shared with the services' own tests


async def file(customer: Customer, key: str | None, **form: Any) -> httpx.Response:
    body = {
        "document_type": "PA",
        "document_number": customer.document_number,
        "line_no": "1",
        "claim_type": "warranty",
        "serial_number": customer.serial,
        "problem_description": "Dron nie łączy się z aparaturą.",
        "package_contents": "Dron, aparatura",
        **RETURN_ADDRESS,
        **form,
    }
    headers = {**customer.headers, **({"Idempotency-Key": key} if key is not None else {})}
    # httpx draws a new multipart boundary for every request: each retry is encoded anew.
    return await customer.claims.client.post(
        "/api/claims", data=body, files={"attachment": PDF}, headers=headers
    )


async def claims_of(claims: Claims, customer: Customer) -> int:
    conn = await asyncpg.connect(claims.database_url)
    try:
        count: int = await conn.fetchval(
            "SELECT count(*) FROM claims WHERE account_id = $1", customer.account_id
        )
        return count
    finally:
        await conn.close()


async def test_a_retried_claim_is_filed_once_and_answered_as_the_first_time(
    claims: Claims, stack: Stack
) -> None:
    customer = await claims.customer_with_document()
    key = str(uuid.uuid4())
    async with TopicProbe(stack.kafka_bootstrap, topics.CLAIMS) as probe:
        first = await file(customer, key)
        assert first.status_code == 201, first.text
        retry = await file(customer, key)
        await probe.wait_for(
            lambda body, _: body["data"].get("claim_id") == first.json()["claim_id"]
        )
        await probe.settle(1.5)
    assert retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert await claims_of(claims, customer) == 1
    created = [r for r in probe.records if str(customer.account_id).encode() in (r.value or b"")]
    assert len(created) == 1

    other_body = await file(customer, key, problem_description="Inny problem z baterią.")
    assert other_body.status_code == 422
    assert other_body.json()["errors"][0]["code"] == "idempotency_key_reused"
    assert "Idempotency-Key" in other_body.json()["detail"]
    assert await claims_of(claims, customer) == 1

    # Keys belong to their caller: another customer's same key is another request.
    someone_else = await claims.customer_with_document()
    theirs = await file(someone_else, key)
    assert theirs.status_code == 201 and theirs.json()["claim_id"] != first.json()["claim_id"]

    # No key: every POST is a new claim, as before (for the document's other product: one
    # serial number has one open claim at a time).
    without_key = await file(customer, None, line_no="2", serial_number="")
    assert without_key.status_code == 201, without_key.text
    assert await claims_of(claims, customer) == 2


async def test_a_bad_key_is_refused_and_changes_nothing(claims: Claims) -> None:
    customer = await claims.customer_with_document()
    refused = await file(customer, "no spaces allowed")
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "Idempotency-Key"
    assert await claims_of(claims, customer) == 0


async def test_the_same_key_twice_at_once_files_one_claim(claims: Claims) -> None:
    customer = await claims.customer_with_document()
    key = str(uuid.uuid4())
    answers = await asyncio.gather(*(file(customer, key) for _ in range(4)))
    statuses = sorted(answer.status_code for answer in answers)
    assert set(statuses) <= {201, 409} and 201 in statuses, statuses
    assert {a.json()["claim_id"] for a in answers if a.status_code == 201} != set()
    assert len({a.json()["claim_id"] for a in answers if a.status_code == 201}) == 1
    assert all(a.headers.get("retry-after") == "1" for a in answers if a.status_code == 409)
    assert await claims_of(claims, customer) == 1
    later = await file(customer, key)
    assert later.status_code == 201 and later.headers["idempotent-replayed"] == "true"


class ProcessDied(BaseException):
    """A kill -9 as the request sees it: nothing after this point runs, nothing is recorded."""


@contextmanager
def dying_after_the_commit(claims: Claims) -> Iterator[None]:
    """The claims service in this process dies just after a unit of work commits."""
    ctx = claims.app.state.claims
    open_unit_of_work = ctx.uow

    def dying_unit_of_work() -> Any:
        unit = open_unit_of_work()
        commit = unit.commit

        async def commit_and_die() -> None:
            await commit()
            raise ProcessDied

        unit.commit = commit_and_die
        return unit

    ctx.uow = dying_unit_of_work
    try:
        yield
    finally:
        ctx.uow = open_unit_of_work


async def test_a_claim_committed_by_a_process_that_died_is_the_answer_to_its_retry(
    claims: Claims, stack: Stack
) -> None:
    customer = await claims.customer_with_document()
    key = str(uuid.uuid4())
    async with TopicProbe(stack.kafka_bootstrap, topics.CLAIMS) as probe:
        with dying_after_the_commit(claims), pytest.raises(ProcessDied):
            await file(customer, key)
        assert await claims_of(claims, customer) == 1  # committed, never answered
        retry = await file(customer, key)
        assert retry.status_code == 201, retry.text
        filed = retry.json()
        await probe.wait_for(lambda body, _: body["data"].get("claim_id") == filed["claim_id"])
        await probe.settle(1.5)
    assert retry.headers["idempotent-replayed"] == "true"
    assert filed["rma_number"] in filed["message"] and filed["status"] == "submitted"
    assert await claims_of(claims, customer) == 1
    mine = [r for r in probe.records if str(customer.account_id).encode() in (r.value or b"")]
    assert len(mine) == 1  # one ClaimCreated
    # And again, now from the recorded answer: the same body.
    again = await file(customer, key)
    assert (again.status_code, again.json()) == (201, filed)


@asynccontextmanager
async def claims_process(stack: Stack) -> AsyncIterator[tuple[RunningServices, Claims]]:
    """The claims service as a real process on this slot's port, with a database of its own."""
    services = RunningServices(stack)
    # A group of its own, from the broker's end: not the end-to-end layer's claims-e2e, which
    # would otherwise read the whole broker's history here and resume from here later.
    group = f"claims-killed-{uuid.uuid4().hex[:8]}"
    services.overrides["claims"] = {"RMA_CONSUMER_GROUP": group}
    await start_from_now(stack.kafka_bootstrap, [group])
    services.start("claims")
    try:
        await asyncio.to_thread(services.wait_healthy, "claims")
        async with httpx.AsyncClient(base_url=services.url("claims"), timeout=30) as client:
            yield services, Claims(stack, client, services.database_url("claims"))
    finally:
        services.stop_all()
        await drop_database(stack, services.database_url("claims"))


async def wait_for_advisory_lock_waiter(conn: asyncpg.Connection, database: str) -> None:
    for _ in range(200):
        if await conn.fetchval(
            """SELECT count(*) FROM pg_stat_activity WHERE datname = $1
               AND wait_event_type = 'Lock' AND wait_event = 'advisory'""",
            database,
        ):
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the claim never reached its serial's lock")


async def test_a_request_killed_before_its_commit_leaves_its_key_free_at_once(
    stack: Stack,
) -> None:
    async with claims_process(stack) as (services, claims):
        customer = await claims.customer_with_document()
        key = str(uuid.uuid4())
        blocker = await asyncpg.connect(claims.database_url)
        try:
            # Hold the serial's filing lock: the request stops inside its transaction.
            transaction = blocker.transaction()
            await transaction.start()
            await blocker.execute(
                "SELECT pg_advisory_xact_lock(hashtext(upper($1)))", customer.serial
            )
            stuck = asyncio.create_task(file(customer, key))
            await wait_for_advisory_lock_waiter(blocker, claims.database_url.rsplit("/", 1)[1])
            services.kill("claims")
            with pytest.raises(httpx.HTTPError):
                await stuck
            await transaction.rollback()
        finally:
            await blocker.close()
        assert await claims_of(claims, customer) == 0
        services.start("claims")
        await asyncio.to_thread(services.wait_healthy, "claims")
        started = time.monotonic()
        retry = await file(customer, key)
        assert retry.status_code == 201, retry.text  # not 409 "still running" for 2 minutes
        assert time.monotonic() - started < 10
        assert "idempotent-replayed" not in retry.headers
        assert await claims_of(claims, customer) == 1
        replayed = await file(customer, key)
        assert replayed.json() == retry.json() and replayed.headers["idempotent-replayed"] == "true"


class DyingAfter:
    """The accounts handlers' log, where the process dies at the line after a commit."""

    def __init__(self, real: Any, line: str) -> None:
        self.real, self.line = real, line

    def info(self, event: str, **fields: Any) -> None:
        if event == self.line:
            raise ProcessDied
        self.real.info(event, **fields)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


def mentioning(probe: TopicProbe, event_type: bytes, text: str) -> list[Any]:
    return [
        record
        for record in probe.records
        if event_type in (record.value or b"") and text.encode() in (record.value or b"")
    ]


async def posted_across_a_death(
    accounts: Accounts,
    monkeypatch: pytest.MonkeyPatch,
    dies_at: str,
    path: str,
    **request: Any,
) -> httpx.Response:
    """The POST, in a process that dies at the log line after its commit, then its retry."""
    with monkeypatch.context() as patch:
        patch.setattr(accounts_handlers, "log", DyingAfter(accounts_handlers.log, dies_at))
        with pytest.raises(ProcessDied):
            await accounts.client.post(path, **request)
    return await accounts.client.post(path, **request)


async def test_a_document_link_committed_by_a_process_that_died_is_answered_on_retry(
    accounts: Accounts, stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, bearer = await active_customer(accounts, stack)
    number = await accounts.sale(total="59.00")
    link = {"document_number": f"PA{number}", "document_total": "59"}
    headers = {**bearer, "Idempotency-Key": str(uuid.uuid4())}
    async with TopicProbe(stack.kafka_bootstrap, topics.ACCOUNTS) as probe:
        retry = await posted_across_a_death(
            accounts, monkeypatch, "document linked", "/api/me/documents", json=link,
            headers=headers,
        )  # fmt: skip
        await probe.settle(1.5)
    assert retry.status_code == 201, retry.text
    assert retry.headers["idempotent-replayed"] == "true" and retry.json()["notices"]
    assert len(mentioning(probe, b"DocumentLinked", number)) == 1
    linked = "SELECT count(*) FROM linked_documents WHERE document_number = $1"
    assert await accounts.sql(linked, number) == 1


async def test_a_registration_committed_by_a_process_that_died_is_answered_on_retry(
    accounts: Accounts, stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    number, address = await accounts.sale(), email()
    key = {"Idempotency-Key": str(uuid.uuid4())}
    body = {
        "account_type": "private",
        "full_name": "Jan Kowalski",
        "email": address,
        "password": PASSWORD,
        "document_number": number,
        "document_total": "4 299,00",
    }
    async with TopicProbe(stack.kafka_bootstrap, topics.ACCOUNTS) as probe:
        retry = await posted_across_a_death(
            accounts, monkeypatch, "account registered", "/api/accounts", json=body, headers=key
        )
        await probe.settle(1.5)
    assert retry.status_code == 202, retry.text
    assert retry.headers["idempotent-replayed"] == "true"
    assert len(mentioning(probe, b"AccountRegistered", address)) == 1
    assert await accounts.sql("SELECT count(*) FROM accounts WHERE email = $1", address) == 1


async def test_a_parcel_scanned_by_a_process_that_died_is_queued_once(claims: Claims) -> None:
    """Issue 28, fault probe 1: a scan of a label that matches no claim, with no tracking number,
    keeps its key with the parcel it queued; the retry gets that parcel, not a second one."""
    unknown = f"RMA/{uuid.uuid4().int % 10**8}/ZZ/2026"
    headers = {**claims.bearer("scanner"), "Idempotency-Key": str(uuid.uuid4())}
    scan = {"rma_number": unknown}
    with dying_after_the_commit(claims), pytest.raises(ProcessDied):
        await claims.client.post("/api/parcels", json=scan, headers=headers)
    retry = await claims.client.post("/api/parcels", json=scan, headers=headers)
    assert retry.status_code == 200, retry.text
    assert retry.headers["idempotent-replayed"] == "true"
    answer = retry.json()
    assert (answer["identified"], answer["rma_number"], answer["duplicate"]) == (
        False, unknown, False,
    )  # fmt: skip
    queued = await claims.client.get(
        "/api/operator/parcels/unidentified", headers=claims.bearer("operator")
    )
    mine = [p for p in queued.json() if p["rma_number"] == unknown]
    assert [p["parcel_id"] for p in mine] == [answer["parcel_id"]]
