"""The warehouse's intake page over fake APIs: the scanner's login, a label looked up, the
receipt with the contents ticked and the serial read, and what the page says for each case."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from tests.unit.web.fakes import (
    ACCOUNTS,
    CLAIMS,
    RMA,
    FakeApis,
    label_lookup,
    reply,
    scanned_claim,
)


def test_the_scanner_logs_in_with_its_api_key_and_a_wrong_key_is_said_at_the_field(
    client: TestClient, apis: FakeApis
) -> None:
    assert (
        client.get("/scanner", follow_redirects=False)
        .headers["location"]
        .startswith("/scanner/login")
    )
    wrong = "Nieprawidłowy klucz skanera."
    apis.on(
        "POST",
        ACCOUNTS,
        "/api/auth/scanner-token",
        reply(
            401, {"detail": wrong, "errors": [{"field": "api_key", "code": "x", "message": wrong}]}
        ),
    )
    refused = client.post("/scanner/login", data={"api_key": "zly-klucz-123"})
    assert refused.status_code == 401 and wrong in refused.text
    assert "zly-klucz-123" not in refused.text
    apis.on("POST", ACCOUNTS, "/api/auth/scanner-token", reply(200, {"access_token": "jwt-s"}))
    answer = client.post(
        "/scanner/login", data={"api_key": "dobry-klucz-123"}, follow_redirects=False
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/scanner"
    assert "rma_scanner=jwt-s" in answer.headers["set-cookie"]


def test_a_scanned_label_shows_the_claim_its_checklist_and_the_serial_field(
    client: TestClient, apis: FakeApis
) -> None:
    apis.on("GET", CLAIMS, "/api/scanner/lookup", reply(200, label_lookup(claim=scanned_claim())))
    client.cookies.set("rma_scanner", "jwt-s")
    empty = client.get("/scanner")
    assert 'id="code"' in empty.text and "autofocus" in empty.text.split('id="code"')[1][:300]
    page = client.get("/scanner", params={"code": RMA.lower()})
    assert page.status_code == 200
    assert apis.requests[-1].url.params["code"] == RMA.lower()
    assert apis.requests[-1].headers["authorization"] == "Bearer jwt-s"
    assert "DJI Mini 4 Pro" in page.text and "1581F000001" in page.text
    assert page.text.count('name="item"') == 2 and 'value="aparatura"' in page.text
    assert 'id="serial_number"' in page.text and 'name="idempotency_key"' in page.text
    assert 'name="csrf_token"' in page.text
    assert 'id="seal-check"' not in page.text


def test_a_sealed_return_asks_the_warehouse_for_the_seal(
    client: TestClient, apis: FakeApis
) -> None:
    sealed = scanned_claim(claim_type="return", asks_seal=True)
    apis.on("GET", CLAIMS, "/api/scanner/lookup", reply(200, label_lookup(claim=sealed)))
    client.cookies.set("rma_scanner", "jwt-s")
    page = client.get("/scanner", params={"code": RMA})
    assert 'id="seal-check"' in page.text and 'name="seal_intact"' in page.text
    receipt = {
        "parcel_id": "0c7c1c55-9d9f-4a77-8f3a-3cb7b0a1b0c1",
        "claim_id": "6f1c1f0e-5c4b-4b8e-9d6e-0a4a2d0c1b11",
        "rma_number": RMA,
        "duplicate": False,
        "identified": True,
    }
    apis.on("POST", CLAIMS, "/api/parcels", reply(200, receipt))
    client.post("/scanner/receipts", data={"code": RMA, "seal_intact": "false"})
    assert json.loads(apis.requests[-1].content)["seal_intact"] is False


def test_the_receipt_sends_the_ticked_items_and_the_serial_and_shows_the_flag(
    client: TestClient, apis: FakeApis
) -> None:
    receipt = {
        "parcel_id": "0c7c1c55-9d9f-4a77-8f3a-3cb7b0a1b0c1",
        "claim_id": "6f1c1f0e-5c4b-4b8e-9d6e-0a4a2d0c1b11",
        "rma_number": RMA,
        "duplicate": False,
        "identified": True,
        "attention": None,
        "serial_mismatch": True,
        "missing_items": ["aparatura"],
    }
    apis.on("POST", CLAIMS, "/api/parcels", reply(200, receipt))
    client.cookies.set("rma_scanner", "jwt-s")
    page = client.post(
        "/scanner/receipts",
        data={
            "code": RMA,
            "checklist": "1",
            "item": ["Dron"],
            "serial_number": "OBCY-1",
            "idempotency_key": "3f1c2b9e-1d3a-4c55-9a0e-7e2b1c3d4f5a",
        },
    )
    assert page.status_code == 200
    sent = apis.requests[-1]
    assert json.loads(sent.content) == {
        "code": RMA,
        "contents_checked": ["Dron"],
        "serial_number_read": "OBCY-1",
        "seal_intact": None,
    }
    assert sent.headers["idempotency-key"] == "3f1c2b9e-1d3a-4c55-9a0e-7e2b1c3d4f5a"
    assert 'id="receipt-mismatch"' in page.text and "aparatura" in page.text
    # The next parcel: the label field is empty and has the focus.
    assert "autofocus" in page.text.split('id="code"')[1][:300]


def test_ended_claims_received_parcels_and_unknown_labels_are_said_plainly(
    client: TestClient, apis: FakeApis
) -> None:
    client.cookies.set("rma_scanner", "jwt-s")
    cases = {
        "ended": ("zakończone", "Zapisz dla operatora"),
        "already_received": ("nie przyjmuj jej drugi raz", None),
        "from_manufacturer": ("wraca z serwisu DJI", "Zapisz dla operatora"),
        "unknown": ("Nieznana etykieta", "Zapisz jako nierozpoznaną"),
    }
    for outlook, (said, button) in cases.items():
        claim = (
            None
            if outlook == "unknown"
            else scanned_claim(status="cancelled", status_name="anulowane")
        )
        apis.on("GET", CLAIMS, "/api/scanner/lookup", reply(200, label_lookup(outlook, claim)))
        page = client.get("/scanner", params={"code": RMA})
        assert said in page.text, outlook
        if button is None:
            assert 'id="receipt-form"' not in page.text
        else:
            assert button in page.text
    unreadable = "Zeskanuj albo wpisz numer RMA lub numer przesyłki z etykiety."
    apis.on(
        "GET",
        CLAIMS,
        "/api/scanner/lookup",
        reply(
            422,
            {
                "detail": unreadable,
                "errors": [{"field": "code", "code": "parcel_unreadable", "message": unreadable}],
            },
        ),
    )
    page = client.get("/scanner", params={"code": "X" * 70})
    assert page.status_code == 422 and 'id="code-error"' in page.text and unreadable in page.text
