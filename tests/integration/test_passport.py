"""The product passport against the real Kafka and PostgreSQL: one scooter's whole story told by
events (sale, registration, a claim repaired in 14 days, the same problem again, a replacement
unit), the repeated defect flagged, warranty carried to the new unit from its hand-back (Civil
Code art. 581 §1), and who may read each passport."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from typing import Any

import httpx
import pytest
from dateutil.relativedelta import relativedelta

from shared import topics
from shared.calendar import polish_date
from shared.events import ClaimCreated
from tests.integration.test_warranty import bearer, eventually, send, warranty
from tests.support.warranty_service import (
    claim,
    decided,
    linked,
    random_ean,
    replaced,
    sale,
    status,
)
from tools.support.kafka import TopicProbe
from tools.support.stack import Stack

pytestmark = pytest.mark.integration
__all__ = ["warranty"]  # the module's service, shared with test_warranty

PROBLEM = "Silnik nie działa pod obciążeniem"
NOW = datetime.now(UTC).replace(microsecond=0)
TODAY = polish_date(NOW)  # the day warranty records a registration on


def days_ago(days: int) -> datetime:
    return NOW - timedelta(days=days)


async def assessed(stack: Stack, created: ClaimCreated) -> dict[str, Any]:
    async with TopicProbe(stack.kafka_bootstrap, topics.WARRANTY) as probe:
        await send(stack, created)
        [verdict] = await probe.wait_for(
            lambda body, _: (
                body["type"] == "WarrantyAssessed"
                and body["data"]["claim_id"] == str(created.data.claim_id)
            )
        )
    data: dict[str, Any] = verdict["data"]
    return data


async def test_a_scooter_passport_from_sale_to_replacement(
    warranty: httpx.AsyncClient, stack: Stack
) -> None:
    ean, owner, stranger = random_ean(), uuid.uuid4(), uuid.uuid4()
    bought = TODAY - timedelta(days=25)
    receipt = sale(ean, "Kaabo", "scooter", bought, "KB-100")
    await send(stack, receipt)
    await send(stack, linked(receipt, owner))
    as_owner, as_operator = bearer(stack, "customer", owner), bearer(stack, "operator")

    def passport(serial: str, headers: dict[str, str]) -> Any:
        return lambda: warranty.get(f"/api/passport/{ean}/{serial}", headers=headers)

    # Registered 25 days after the purchase: 24 months (seed 001), once the sale is known.
    # Another customer cannot register it first, and the owner still can afterwards.
    await eventually(lambda: warranty.get(f"/api/products/{ean}"), lambda r: r.status_code == 200)
    taken = await warranty.post(
        "/api/registrations",
        json={"ean": ean, "serial_number": "KB-100"},
        headers=bearer(stack, "customer", stranger),
    )
    assert taken.status_code == 404, taken.text
    assert taken.json()["errors"][0]["field"] == "serial_number"
    registered = await eventually(
        lambda: warranty.post(
            "/api/registrations",
            json={"ean": ean, "serial_number": "kb-100"},
            headers=as_owner,
        ),
        lambda r: r.status_code != 404,
    )
    assert registered.status_code == 201, registered.text

    def filed(days: int, serial: str) -> ClaimCreated:
        created = claim(
            ean,
            "Kaabo",
            "scooter",
            bought,
            serial_number=serial,
            account_id=owner,
            document_number=receipt.data.document_number,
            problem_code=PROBLEM,
        )
        return created.model_copy(update={"occurred_at": days_ago(days)})

    # First claim, repaired in 14 days: received 18 days ago, handed back 4 days ago.
    first = filed(20, "KB-100")
    first_verdict = await assessed(stack, first)
    assert (first_verdict["rule"], first_verdict["repeated_defect"]) == ("scooter-registered", None)
    await send(stack, status(first, "received", days_ago(18)))
    await send(stack, decided(first, "repair", days_ago(10)))
    await send(stack, status(first, "shipped_back", days_ago(4)))
    await eventually(
        passport("KB-100", as_operator),
        lambda r: (
            r.status_code == 200
            and r.json()["repairs"][0:1] != []
            and r.json()["repairs"][0]["days"] == 14
            and r.json()["claims"][0]["decision"] == "repair"
        ),
    )

    # The same problem again after the repair: flagged; a warranty (not a consumer's
    # non-conformity claim) suggests a new unit or another repair, never a refund.
    second = filed(3, "KB-100")
    second_verdict = await assessed(stack, second)
    flag = second_verdict["repeated_defect"]
    assert (flag["claim_count"], flag["same_problem_count"], flag["problem"]) == (2, 2, PROBLEM)
    assert flag["suggested_decisions"] == ["replacement", "repair"]
    assert flag["remedy_rule"] == "warranty-repair-or-replacement"
    assert flag["message"].startswith(f"2. reklamacja tego egzemplarza, 2. z problemem „{PROBLEM}”")
    # Seed 001 scooters: 24 months from the purchase, extended by the 14 days in repair.
    extended = bought + relativedelta(months=24) + timedelta(days=14)
    assert second_verdict["warranty_until"] == extended.isoformat()
    assert second_verdict["after_service_rules"] == ["scooter-terms-repair-extension"]

    # Replaced by a new unit with its own serial, issued two days ago and shipped back to the
    # buyer (handed back) yesterday: its period runs from the shipping, not from the issue.
    issued, handed_back = TODAY - timedelta(days=2), TODAY - timedelta(days=1)
    await send(stack, status(second, "received", days_ago(3)))
    await send(stack, decided(second, "replacement", days_ago(2)))
    await send(stack, replaced(second, "kb-200", issued))
    # Until it is shipped, the new unit counts provisionally from its issue.
    waiting = (
        await eventually(passport("KB-200", as_owner), lambda r: r.status_code == 200)
    ).json()
    assert waiting["replaces"]["handed_back_on"] is None
    assert (waiting["verdict"]["counted_from"], waiting["verdict"]["warranty_from"]) == (
        "replacement_issued",
        issued.isoformat(),
    )
    assert waiting["verdict"]["after_service_rules"] == ["art-581-replacement-pending"]
    await send(stack, status(second, "shipped_back", datetime.combine(handed_back, time(9), UTC)))
    await eventually(
        passport("KB-200", as_owner),
        lambda r: r.json()["replaces"]["handed_back_on"] == handed_back.isoformat(),
    )

    # A claim on the new unit: covered anew from its hand-back (art. 581 §1), 24 months since
    # the registration goes on with the unit that replaced the registered one.
    third = filed(0, "KB-200")
    third_verdict = await assessed(stack, third)
    anew_until = handed_back + relativedelta(months=24)
    assert (third_verdict["covered"], third_verdict["rule"]) == (True, "scooter-registered")
    assert third_verdict["warranty_from"] == handed_back.isoformat()
    assert third_verdict["counted_from"] == "hand_back"
    assert third_verdict["warranty_until"] == anew_until.isoformat()
    assert third_verdict["after_service_rules"] == ["art-581-replacement-unit"]
    assert third_verdict["repeated_defect"] is None

    old = (
        await eventually(
            passport("KB-100", as_operator),
            lambda r: r.json()["claims"][-1:] != [] and r.json()["replaced_by"] is not None,
        )
    ).json()
    document = receipt.data.document_number
    assert old["sale"] == {
        "document_type": "PA",
        "document_number": document,
        "issued_on": bought.isoformat(),
        "delivered_on": None,
        "buyer_type": "consumer",
        "activated_on": None,
        "of_serial_number": "KB-100",
    }
    assert old["registration"] == {
        "registered_on": TODAY.isoformat(),
        "purchased_on": bought.isoformat(),
    }
    assert old["product"] == {
        "name": "Kaabo product",
        "brand": "Kaabo",
        "category": "scooter",
        "outlet": False,
    }
    assert [
        (c["rma_number"], c["claim_type"], c["problem"], c["claimed_on"], c["decision"])
        for c in old["claims"]
    ] == [
        (first.data.rma_number, "warranty", PROBLEM, days_ago(20).date().isoformat(), "repair"),
        (
            second.data.rma_number,
            "warranty",
            PROBLEM,
            days_ago(3).date().isoformat(),
            "replacement",
        ),
    ]
    assert [c["status"] for c in old["claims"]] == ["shipped_back", "shipped_back"]
    assert old["claims"][0]["repeated_defect"] is None
    assert old["claims"][1]["repeated_defect"] == flag == old["repeated_defect"]
    assert old["repairs"] == [
        {
            "claim_id": str(first.data.claim_id),
            "rma_number": first.data.rma_number,
            "kind": "repair",
            "replaced_part": None,
            "started_on": days_ago(18).date().isoformat(),
            "handed_back_on": days_ago(4).date().isoformat(),
            "days": 14,
        }
    ]
    assert old["replaces"] is None
    assert old["replaced_by"] == {
        "claim_id": str(second.data.claim_id),
        "rma_number": second.data.rma_number,
        "ean": ean,
        "serial_number": "KB-200",
        "issued_on": issued.isoformat(),
        "handed_back_on": handed_back.isoformat(),
    }
    assert old["verdict"]["rule"] == "scooter-registered"
    assert old["verdict"]["warranty_until"] == extended.isoformat()

    new = (
        await eventually(passport("KB-200", as_owner), lambda r: len(r.json()["claims"]) == 1)
    ).json()
    assert (new["ean"], new["serial_number"]) == (ean, "KB-200")
    assert new["sale"]["of_serial_number"] == "KB-100"  # sold as the unit it replaced
    assert new["sale"]["document_number"] == document
    assert new["registration"] is None  # its own; the old unit's still counts for the rule
    assert new["replaces"] == {**old["replaced_by"], "serial_number": "KB-100"}
    assert new["replaced_by"] is None
    assert [(c["rma_number"], c["status"], c["decision"]) for c in new["claims"]] == [
        (third.data.rma_number, "submitted", None)
    ]
    assert new["repairs"] == [] and new["repeated_defect"] is None
    verdict = new["verdict"]
    assert (verdict["rule"], verdict["covered"], verdict["counted_from"]) == (
        "scooter-registered",
        True,
        "hand_back",
    )
    assert (verdict["warranty_from"], verdict["warranty_until"]) == (
        handed_back.isoformat(),
        anew_until.isoformat(),
    )
    assert verdict["after_service_rules"] == ["art-581-replacement-unit"]
    assert "art. 581" in verdict["reason"]

    # A customer sees only the units on their own documents; an unknown unit is unknown to all.
    for serial in ("KB-100", "KB-200"):
        assert (await passport(serial, bearer(stack, "customer", stranger))()).status_code == 404
        assert (await passport(serial, as_owner)()).status_code == 200
    assert (await passport("NIE-MA", as_operator)()).status_code == 404
    assert (await warranty.get(f"/api/passport/{ean}/KB-100")).status_code == 401
    bad = await warranty.get(f"/api/passport/{ean[:-1]}x/KB-100", headers=as_operator)
    assert bad.status_code == 422

    # The owner's product list: both units, the registration carried on to the new one.
    units = (await warranty.get("/api/me/units", headers=as_owner)).json()
    deadline = (bought + timedelta(days=30)).isoformat()
    registration = {
        "state": "registered_in_time",
        "deadline": deadline,
        "registered_on": TODAY.isoformat(),
    }
    assert [
        (u["serial_number"], u["replaces_serial_number"], u["replaced_by_serial_number"])
        for u in units
        if u["ean"] == ean
    ] == [("KB-100", None, "KB-200"), ("KB-200", "KB-100", None)]
    assert all(u["registration"] == registration for u in units if u["ean"] == ean)
    assert all(u["purchased_on"] == bought.isoformat() for u in units if u["ean"] == ean)
    strangers = await warranty.get("/api/me/units", headers=bearer(stack, "customer", stranger))
    assert strangers.status_code == 200 and strangers.json() == []
