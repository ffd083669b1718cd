"""The claim's charges in the web panel against fake APIs: the customer sees what is due with
the transfer details, and what was paid or waived; the operator's page shows the same."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.unit.web.fakes import (
    CLAIM_ID,
    CLAIMS,
    FakeApis,
    claim_answer,
    operator_claim_answer,
    reply,
)
from tests.unit.web.test_lifecycle_pages import (
    CUSTOMER_CLAIM,
    OPERATOR_CLAIM,
    as_customer,
    as_operator,
)

ACCOUNT = "PL61 1090 1014 0000 0712 1981 2874"


def charge(state: str, state_name: str, amount: str, **more: Any) -> dict[str, Any]:
    return {
        "charge_id": "00000000-0000-0000-0000-00000000c0c0",
        "kind": "cleaning",
        "kind_name": "Czyszczenie produktu",
        "amount": amount,
        "reason": "Produkt bardzo zabrudzony.",
        "state": state,
        "state_name": state_name,
        "added_at": "2026-03-02T09:00:00Z",
        "settled_at": None if state == "due" else "2026-03-03T09:00:00Z",
        "waiver_reason": None,
        **more,
    }


def charges(total_due: str, *items: dict[str, Any]) -> dict[str, Any]:
    due = total_due != "0.00"
    transfer = {"recipient": "Serwis INNPRO", "account_number": ACCOUNT, "title": "RMA/1/SR/2026"}
    return {"items": list(items), "total_due": total_due, "transfer": transfer if due else None}


def test_the_customer_sees_a_due_charge_with_the_transfer_details(
    client: TestClient, apis: FakeApis
) -> None:
    due = charges("49.90", charge("due", "do zapłaty", "49.90"))
    apis.on("GET", CLAIMS, CUSTOMER_CLAIM, reply(200, claim_answer(status="decided", charges=due)))
    page = as_customer(client).get(f"/claims/{CLAIM_ID}").text
    section = page.split('id="charges"')[1].split("</section>")[0]
    assert "Czyszczenie produktu" in section and "do zapłaty" in section
    assert "49,90" in section.split('id="charges-due"')[1]
    assert ACCOUNT in section and "RMA/1/SR/2026" in section


def test_a_waived_charge_shows_its_reason_and_no_transfer(
    client: TestClient, apis: FakeApis
) -> None:
    waived = charge("waived", "umorzona", "30.00", waiver_reason="Gest handlowy dla klienta.")
    answer = operator_claim_answer(status="decided", charges=charges("0.00", waived))
    apis.on("GET", CLAIMS, OPERATOR_CLAIM, reply(200, answer))
    page = as_operator(client).get(f"/operator/claims/{CLAIM_ID}").text
    section = page.split('id="charges"')[1].split("</section>")[0]
    assert "Gest handlowy dla klienta." in section and "umorzona" in section
    assert "charges-transfer" not in section and ACCOUNT not in section


def test_a_claim_without_charges_shows_no_charges_section(
    client: TestClient, apis: FakeApis
) -> None:
    apis.on("GET", CLAIMS, CUSTOMER_CLAIM, reply(200, claim_answer(status="decided")))
    assert 'id="charges"' not in as_customer(client).get(f"/claims/{CLAIM_ID}").text
