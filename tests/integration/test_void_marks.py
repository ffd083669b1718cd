"""A void mark turning the next assessment, against the real Kafka and PostgreSQL: the claims and
warranty services run here. An operator marks the claimed unit's warranty void on the claims
service; WarrantyVoidMarked goes through Kafka to warranty, which keeps it in the unit's passport;
the unit's next warranty claim is assessed "not covered" with that reason, while a consumer's
statutory non-conformity claim is still covered by the statute."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from shared import topics
from tests.integration.test_claims import Claims, Customer, claims, error_code
from tests.integration.test_warranty import bearer, eventually, warranty
from tools.support.kafka import TopicProbe
from tools.support.stack import Stack

pytestmark = pytest.mark.integration
__all__ = ["claims", "warranty"]  # the modules' services, shared with their own tests

DISASSEMBLY_PL = "Samodzielny demontaż lub otwarcie urządzenia"


async def filed_and_assessed(
    stack: Stack, customer: Customer, **form: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A claim filed on the claims service, and the verdict warranty published for it."""
    async with TopicProbe(stack.kafka_bootstrap, topics.WARRANTY) as probe:
        response = await customer.file(**form)
        assert response.status_code == 201, response.text
        claim: dict[str, Any] = response.json()
        [verdict] = await probe.wait_for(
            lambda body, _: (
                body["type"] == "WarrantyAssessed" and body["data"]["claim_id"] == claim["claim_id"]
            )
        )
    data: dict[str, Any] = verdict["data"]
    return claim, data


async def cancelled(claims: Claims, customer: Customer, claim: dict[str, Any]) -> None:
    """One open claim per serial: the customer cancels it before filing the next one."""
    response = await claims.client.post(
        f"/api/claims/{claim['claim_id']}/cancel", headers=customer.headers
    )
    assert response.status_code == 200, response.text


async def test_a_void_mark_turns_the_next_assessment(
    claims: Claims, warranty: httpx.AsyncClient, stack: Stack
) -> None:
    customer = await claims.customer_with_document(sold_days_ago=30)
    first, verdict = await filed_and_assessed(stack, customer)
    assert (verdict["covered"], verdict["rule"]) == (True, "dji-standard")
    operator = claims.bearer("operator")
    path = f"/api/operator/claims/{first['claim_id']}"
    [sales_document] = (await claims.client.get(path, headers=operator)).json()["attachments"]
    evidence = sales_document["attachment_id"]

    # A reason the terms do not name is refused, and nothing is announced.
    unknown = await claims.client.post(
        f"{path}/warranty-void", json={"reason": "rain"}, headers=operator
    )
    assert unknown.status_code == 422 and error_code(unknown) == "void_reason_unknown"
    async with TopicProbe(stack.kafka_bootstrap, topics.CLAIMS) as probe:
        marked = await claims.client.post(
            f"{path}/warranty-void",
            json={"reason": "disassembly", "evidence": [evidence], "note": "Zerwana plomba."},
            headers=operator,
        )
        assert marked.status_code == 200, marked.text
        [event] = await probe.wait_for(
            lambda body, _: (
                body["type"] == "WarrantyVoidMarked"
                and body["data"]["claim_id"] == first["claim_id"]
            )
        )
        await probe.settle(1.0)
    assert len([r for r in probe.records if b"WarrantyVoidMarked" in r.value]) == 1
    data = event["data"]
    assert (data["ean"], data["serial_number"], data["reason"]) == (
        "5901234123457",
        customer.serial,
        "disassembly",
    )
    assert data["evidence"] == [evidence] and data["note"] == "Zerwana plomba."
    timeline = (await claims.client.get(path, headers=operator)).json()["timeline"]
    assert DISASSEMBLY_PL in timeline[-1]["note"]

    # Warranty keeps the mark in the unit's passport; the passport's verdict says it.
    found = await eventually(
        lambda: warranty.get(
            f"/api/passport/5901234123457/{customer.serial}", headers=bearer(stack, "operator")
        ),
        lambda r: r.status_code == 200 and r.json()["warranty_void"] is not None,
    )
    passport = found.json()
    assert passport["warranty_void"]["reason"] == "disassembly"
    assert passport["warranty_void"]["evidence"] == [evidence]
    assert passport["warranty_void"]["rma_number"] == first["rma_number"]
    assert (passport["verdict"]["covered"], passport["verdict"]["rule"]) == (
        False,
        "warranty-void",
    )

    # The unit's next warranty claim is not covered, with the reason...
    await cancelled(claims, customer, first)
    second, verdict = await filed_and_assessed(stack, customer)
    assert (verdict["covered"], verdict["rule"]) == (False, "warranty-void")
    assert DISASSEMBLY_PL in verdict["reason"] and first["rma_number"] in verdict["reason"]
    # ...while the consumer's statutory non-conformity claim is still judged by the statute.
    await cancelled(claims, customer, second)
    _, verdict = await filed_and_assessed(stack, customer, claim_type="non_conformity")
    assert (verdict["covered"], verdict["rule"]) == (True, "statutory-non-conformity")
