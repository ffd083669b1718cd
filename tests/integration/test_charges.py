"""Charges to the customer against the real Kafka, PostgreSQL and SMTP server (issue 25 §1): a
due charge keeps the product at the service until an operator marks it paid, and the month's
refunds and paid charges export as CSV in grosze."""

from __future__ import annotations

import csv
import io
import uuid
from decimal import Decimal
from typing import Any

import pytest

from shared import topics
from shared.service_centre import SERVICE_CENTRE
from tests.integration import test_claim_lifecycle
from tests.integration.test_claim_lifecycle import IBAN, Lifecycle, in_inspection
from tests.integration.test_claims import error_code
from tools.support.days import polish_today
from tools.support.kafka import TopicProbe
from tools.support.stack import Stack

pytestmark = pytest.mark.integration
# The claims and notifications services of the lifecycle tests, for this module too.
lifecycle = test_claim_lifecycle.lifecycle


async def found_dirty(lifecycle: Lifecycle, claim: dict[str, Any]) -> None:
    """Intake recorded the product dirty: the cleaning charge is allowed (issue 25 §2)."""
    recorded = await lifecycle.client.post(
        f"/api/operator/claims/{claim['claim_id']}/intake-evidence",
        data={"packaging": "original", "dirty": "true"},
        headers=lifecycle.operator,
    )
    assert recorded.status_code == 200, recorded.text


async def test_a_charge_blocks_shipping_until_it_is_paid(
    lifecycle: Lifecycle, stack: Stack
) -> None:
    customer, claim = await in_inspection(lifecycle)
    await found_dirty(lifecycle, claim)
    decided = await lifecycle.act(claim, "decision", decision="repair", justification="Naprawa.")
    assert decided.status_code == 200, decided.text
    async with TopicProbe(stack.kafka_bootstrap, topics.CLAIMS) as probe:
        # Sent twice with one Idempotency-Key: added once, the same answer.
        keyed = {**lifecycle.operator, "Idempotency-Key": str(uuid.uuid4())}
        path = f"/api/operator/claims/{claim['claim_id']}/charges"
        body = {"kind": "cleaning", "amount": "49.90", "reason": "Produkt bardzo zabrudzony."}
        added = await lifecycle.client.post(path, json=body, headers=keyed)
        assert added.status_code == 200, added.text
        again = await lifecycle.client.post(path, json=body, headers=keyed)
        assert (again.status_code, again.json()) == (200, added.json())
        [event] = await probe.wait_for(
            lambda body, _: (
                body["type"] == "ClaimChargeChanged"
                and body["data"]["claim_id"] == claim["claim_id"]
            )
        )
    assert (event["data"]["amount"], event["data"]["state"]) == ("49.90", "due")
    charge_id = added.json()["charge_id"]
    email = await lifecycle.email(customer, "opłata 49,90")
    for part in (SERVICE_CENTRE.bank_account, claim["rma_number"], "Czyszczenie produktu"):
        assert part in email["text"]
    blocked = await lifecycle.act(claim, "ship-back", carrier="DPD", tracking_number="C1")
    assert (blocked.status_code, error_code(blocked)) == (409, "charge_due")
    assert "49.90" in blocked.json()["detail"]
    own = await lifecycle.client.get(f"/api/claims/{claim['claim_id']}", headers=customer.headers)
    charges = own.json()["charges"]
    assert Decimal(charges["total_due"]) == Decimal("49.90")
    assert charges["transfer"]["title"] == claim["rma_number"]
    assert [(c["kind"], c["state"]) for c in charges["items"]] == [("cleaning", "due")]
    paid = await lifecycle.act(claim, f"charges/{charge_id}/paid")
    assert paid.status_code == 200, paid.text
    again = await lifecycle.act(claim, f"charges/{charge_id}/paid")
    assert (again.status_code, error_code(again)) == (409, "charge_not_due")
    shipped = await lifecycle.act(claim, "ship-back", carrier="DPD", tracking_number="C1")
    assert shipped.status_code == 200, shipped.text
    shown = await lifecycle.view(claim)
    assert shown["status"] == "shipped_back"
    assert [c["state"] for c in shown["charges"]["items"]] == ["paid"]
    assert shown["charges"]["transfer"] is None


async def test_the_months_refunds_and_charges_as_csv_in_grosze(lifecycle: Lifecycle) -> None:
    _, refunded = await in_inspection(lifecycle)
    decided = await lifecycle.act(
        refunded, "decision", decision="refund", justification="Zwrot.", amount="4299.00"
    )
    assert decided.status_code == 200, decided.text
    paid_out = await lifecycle.act(
        refunded,
        "refund",
        amount="4199.99",
        method="bank_transfer",
        iban=IBAN,
        difference_reason="Potrącenie za brakującą ładowarkę.",
    )
    assert paid_out.status_code == 200, paid_out.text
    _, charged = await in_inspection(lifecycle)
    await found_dirty(lifecycle, charged)
    await lifecycle.act(charged, "decision", decision="repair", justification="Naprawa.")
    for amount in ("0.10", "0.20"):
        added = await lifecycle.act(
            charged, "charges", kind="cleaning", amount=amount, reason="Produkt zabrudzony."
        )
        assert added.status_code == 200, added.text
        paid = await lifecycle.act(charged, f"charges/{added.json()['charge_id']}/paid")
        assert paid.status_code == 200, paid.text
    waived = await lifecycle.act(
        charged, "charges", kind="cleaning", amount="7.00", reason="Produkt zabrudzony."
    )
    await lifecycle.act(
        charged,
        f"charges/{waived.json()['charge_id']}/waive",
        reason="Gest handlowy, stały klient.",
    )

    month = polish_today().strftime("%Y-%m")
    response = await lifecycle.client.get(
        "/api/operator/finance.csv", params={"month": month}, headers=lifecycle.operator
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    mine = [r for r in rows if r["rma_number"] in (refunded["rma_number"], charged["rma_number"])]
    moved = sorted(
        (r["movement"], r["amount_grosze"], r["decided_grosze"], r["difference_grosze"])
        for r in mine
    )
    assert moved == [
        ("charge", "10", "", ""),
        ("charge", "20", "", ""),
        ("refund", "-419999", "-429900", "9901"),
    ]
    total = rows[-1]
    assert total["movement"] == "total"
    assert int(total["amount_grosze"]) == sum(int(r["amount_grosze"]) for r in rows[:-1])
    bad = await lifecycle.client.get(
        "/api/operator/finance.csv", params={"month": "2026-13"}, headers=lifecycle.operator
    )
    assert (bad.status_code, error_code(bad)) == (422, "month_invalid")
