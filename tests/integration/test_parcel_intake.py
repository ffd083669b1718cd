"""The warehouse's intake against the real Kafka and PostgreSQL: a scanner looks a label up (the
claim, its declared contents, its serial number, what a receipt would do), receives the parcel
with the contents ticked and the serial read from the device, and a serial that is not the
claim's flags the claim, its timeline, the ParcelReceived event and the operators' list."""

# The claims fixture is test_claims' own, imported: its parameters name it again (F811).
# ruff: noqa: F811
from __future__ import annotations

import json
import uuid
from typing import Any

import asyncpg
import httpx
import pytest

from shared import topics
from tests.integration.test_claims import Claims, claims, error_code  # noqa: F401
from tools.support.kafka import TopicProbe
from tools.support.stack import Stack

pytestmark = pytest.mark.integration


async def look_up(claims: Claims, code: str, role: str = "scanner") -> httpx.Response:
    return await claims.client.get(
        "/api/scanner/lookup", params={"code": code}, headers=claims.bearer(role)
    )


async def receive(claims: Claims, **body: Any) -> dict[str, Any]:
    response = await claims.client.post("/api/parcels", json=body, headers=claims.bearer("scanner"))
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def test_a_device_with_another_serial_is_received_and_flagged_for_the_operator(
    claims: Claims, stack: Stack
) -> None:
    customer = await claims.customer_with_document()
    filed = await customer.file(package_contents="Dron, aparatura; 2 akumulatory")
    assert filed.status_code == 201, filed.text
    claim = filed.json()

    # The scanner page's lookup: what the claim is, without the customer's personal data.
    found = await look_up(claims, claim["rma_number"].lower())
    assert found.status_code == 200, found.text
    lookup = found.json()
    assert lookup["outlook"] == "receive" and lookup["rma_number"] == claim["rma_number"]
    assert lookup["claim"]["declared_items"] == ["Dron", "aparatura", "2 akumulatory"]
    assert lookup["claim"]["serial_number"] == customer.serial
    assert lookup["claim"]["product"]["name"] == "DJI Mini 4 Pro"
    assert "example.com" not in found.text and "Zielona" not in found.text
    assert (await look_up(claims, claim["rma_number"], "customer")).status_code == 403

    other_serial = f"OBCY{uuid.uuid4().hex[:6]}".upper()
    async with TopicProbe(stack.kafka_bootstrap, topics.CLAIMS) as probe:
        scanned = await receive(
            claims,
            code=claim["rma_number"],
            contents_checked=["Dron", "aparatura"],
            serial_number_read=other_serial.lower(),
        )
        [event] = await probe.wait_for(
            lambda body, _: (
                body["type"] == "ParcelReceived" and body["data"]["claim_id"] == claim["claim_id"]
            )
        )
    assert scanned["identified"] and not scanned["duplicate"]
    assert scanned["serial_mismatch"] and scanned["missing_items"] == ["2 akumulatory"]
    assert event["data"]["serial_mismatch"] is True
    assert event["data"]["serial_number_read"] == other_serial
    assert event["data"]["missing_items"] == ["2 akumulatory"]

    operator = claims.bearer("operator")
    view = (
        await claims.client.get(f"/api/operator/claims/{claim['claim_id']}", headers=operator)
    ).json()
    assert view["status"] == "received" and view["serial_mismatch"] is True
    assert view["intake"]["serial_number_read"] == other_serial
    assert view["intake"]["serial_number_expected"] == customer.serial
    assert view["intake"]["missing_items"] == ["2 akumulatory"]
    notes = " ".join(entry["note"] or "" for entry in view["timeline"])
    assert other_serial in notes and "Brak w przesyłce: 2 akumulatory." in notes
    listed = (
        await claims.client.get(
            "/api/operator/claims", params={"status": "received"}, headers=operator
        )
    ).json()
    assert next(c for c in listed if c["claim_id"] == claim["claim_id"])["serial_mismatch"]

    # The parcel is stored with what was found in it.
    conn = await asyncpg.connect(claims.database_url)
    try:
        stored = await conn.fetchrow(
            "SELECT * FROM parcels WHERE claim_id = $1", uuid.UUID(claim["claim_id"])
        )
    finally:
        await conn.close()
    assert stored is not None and stored["serial_mismatch"] and stored["contents_checked"]
    assert stored["serial_number_read"] == other_serial
    assert json.loads(stored["missing_items"]) == ["2 akumulatory"]

    # Scanned again: the page says it is here already, and a receipt changes nothing.
    assert (await look_up(claims, claim["rma_number"])).json()["outlook"] == "already_received"
    again = await receive(claims, code=claim["rma_number"], serial_number_read=customer.serial)
    assert again["duplicate"] is True
    view = (
        await claims.client.get(f"/api/operator/claims/{claim['claim_id']}", headers=operator)
    ).json()
    assert view["serial_mismatch"] is True


async def test_the_claimed_serial_and_all_contents_raise_no_flag(claims: Claims) -> None:
    customer = await claims.customer_with_document()
    claim = (await customer.file(package_contents="Dron")).json()
    scanned = await receive(
        claims,
        code=claim["rma_number"],
        contents_checked=["Dron"],
        serial_number_read=customer.serial,
    )
    assert not scanned["serial_mismatch"] and scanned["missing_items"] == []
    view = (
        await claims.client.get(
            f"/api/operator/claims/{claim['claim_id']}", headers=claims.bearer("operator")
        )
    ).json()
    assert view["serial_mismatch"] is False and view["intake"]["contents_checked"] is True


async def test_labels_of_ended_claims_unknown_parcels_and_known_tracking_numbers(
    claims: Claims,
) -> None:
    customer = await claims.customer_with_document()
    cancelled = (await customer.file(tracking_number="INPOST-ANUL-1")).json()
    cancel = await claims.client.post(
        f"/api/claims/{cancelled['claim_id']}/cancel", headers=customer.headers
    )
    assert cancel.status_code == 200, cancel.text

    # A cancelled claim's parcel: the page says it goes to an operator; the receipt keeps it.
    assert (await look_up(claims, cancelled["rma_number"])).json()["outlook"] == "ended"
    kept = await receive(claims, code=cancelled["rma_number"], serial_number_read="OBCY-2")
    assert kept["attention"] and kept["serial_mismatch"]
    assert (await look_up(claims, cancelled["rma_number"])).json()["outlook"] == "already_queued"
    queue = (
        await claims.client.get(
            "/api/operator/parcels/unidentified", headers=claims.bearer("operator")
        )
    ).json()
    assert cancelled["claim_id"] in {str(p["claim_id"]) for p in queue}

    # A tracking number no claim expects: unknown, and its receipt waits in the queue.
    stray = f"NIEZNANA{uuid.uuid4().hex[:6]}".upper()
    unknown = (await look_up(claims, stray.lower())).json()
    assert (unknown["outlook"], unknown["claim"], unknown["tracking_number"]) == (
        "unknown",
        None,
        stray,
    )
    assert (await receive(claims, code=stray))["identified"] is False
    known = (await look_up(claims, stray)).json()
    assert known["outlook"] == "parcel_known" and known["parcel_received_at"]

    # Nothing readable: refused at the field, nothing recorded.
    empty = await look_up(claims, "   ")
    assert empty.status_code == 422 and error_code(empty) == "parcel_unreadable"
    assert empty.json()["errors"][0]["field"] == "code"
    posted = await claims.client.post(
        "/api/parcels", json={"code": ""}, headers=claims.bearer("scanner")
    )
    assert posted.status_code == 422 and posted.json()["errors"][0]["field"] == "code"
