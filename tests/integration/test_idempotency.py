"""`Idempotency-Key` on creating POSTs (shared/idempotency.py), on the claims API against the real
Kafka and PostgreSQL: a retried claim is filed once and answered as the first time."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import asyncpg
import httpx
import pytest

from shared import topics
from tests.integration.test_claims import PDF, RETURN_ADDRESS, Claims, Customer, claims
from tools.support.kafka import TopicProbe
from tools.support.stack import Stack

pytestmark = pytest.mark.integration
__all__ = ["claims"]  # the module fixture, shared with the claims tests


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
