"""A company's bulk claim and the warehouse's shipment checklist over fake APIs (issue 25 §6):
the verdicts before filing, a refused file said in words, the filing's redirect, and a scanned
shipment label leading to its checklist."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.unit.web.fakes import ACCOUNTS, CLAIMS, FakeApis, account_product, reply

KEY = "0b1f3c4d-0000-4000-8000-00000000000a"
SHIPMENT_ID = "5a1c0f7e-0000-4000-8000-000000000001"
CLAIM_ID = "5a1c0f7e-0000-4000-8000-000000000002"
CSV = "document;line;serial;problem;description\nFS/2026/1;1;SN1;;Nie ładuje się wcale\n"
REFUSED_ROW = {
    "row_no": 3,
    "accepted": False,
    "claim_id": None,
    "rma_number": None,
    "code": "serial_number_unknown",
    "field": "serial_number",
    "message": "Ten numer seryjny nie zgadza się z produktem na dokumencie zakupu.",
}
ACCEPTED_ROW = {
    "row_no": 2,
    "accepted": True,
    "claim_id": None,
    "rma_number": None,
    "code": None,
    "field": None,
    "message": None,
}
PRODUCTS = [
    account_product(
        document_type="FS",
        document_number="2026/1",
        ean="5901234123464",
        name="Xiaomi Smart Band 9",
        brand="Xiaomi",
        quantity=2,
        serial_numbers=["SN1", "SN2"],
    )
]
PREVIEW = {"accepted": 1, "refused": 1, "rows": [ACCEPTED_ROW, REFUSED_ROW]}


def as_customer(client: TestClient) -> TestClient:
    client.cookies.set("rma_session", "jwt-customer")
    return client


def upload(client: TestClient, content: bytes = CSV.encode()) -> object:
    return as_customer(client).post(
        "/bulk/preview", files={"file": ("zgloszenia.csv", content, "text/csv")}
    )


def test_every_rows_verdict_is_shown_before_filing_with_the_file_kept_in_the_form(
    client: TestClient, apis: FakeApis
) -> None:
    apis.on("POST", CLAIMS, "/api/bulk-claims/preview", reply(200, PREVIEW))
    page = upload(client)
    assert page.status_code == 200  # type: ignore[attr-defined]
    text = page.text  # type: ignore[attr-defined]
    assert "Przyjęte: 1, odrzucone: 1." in text
    assert REFUSED_ROW["message"] in text.split('id="row-3"')[1]
    assert "Nie ładuje się wcale" in text.split('name="csv_text"')[1]  # the file, for filing
    sent = apis.requests[-1]
    assert sent.headers["authorization"] == "Bearer jwt-customer"
    assert b"FS/2026/1;1;SN1" in sent.content


def test_a_file_the_api_refuses_whole_is_said_in_words_at_the_upload_form(
    client: TestClient, apis: FakeApis
) -> None:
    words = "To nie jest plik CSV. Zapisz arkusz jako „CSV UTF-8”."
    refusal = {
        "detail": words,
        "errors": [{"field": "file", "code": "bulk_file_not_csv", "message": words}],
    }
    apis.on("POST", CLAIMS, "/api/bulk-claims/preview", reply(415, refusal))
    apis.on("GET", ACCOUNTS, "/api/me/products", reply(200, PRODUCTS))
    page = upload(client, b"%PDF-1.4")
    assert page.status_code == 415  # type: ignore[attr-defined]
    assert words in page.text.split('id="file-error"')[1]  # type: ignore[attr-defined]


def test_filing_without_the_invoices_is_refused_at_the_field_with_the_verdicts_again(
    client: TestClient, apis: FakeApis
) -> None:
    apis.on("POST", CLAIMS, "/api/bulk-claims/preview", reply(200, PREVIEW))
    page = as_customer(client).post(
        "/bulk/file", data={"csv_text": CSV, "csv_name": "z.csv", "idempotency_key": KEY}
    )
    assert page.status_code == 422
    assert "Dołącz dokumenty sprzedaży" in page.text.split('id="document-error"')[1]
    assert "Przyjęte: 1, odrzucone: 1." in page.text
    assert all(r.url.path != "/api/bulk-claims" for r in apis.requests)


def test_filing_goes_to_the_shipments_page_with_its_label(
    client: TestClient, apis: FakeApis
) -> None:
    filed_row = {**ACCEPTED_ROW, "claim_id": CLAIM_ID, "rma_number": "RMA/7/SR/2026"}
    shipment = {
        "shipment_id": SHIPMENT_ID,
        "shipment_number": "WYS/3/SR/2026",
        "created_at": "2026-03-02T10:00:00Z",
        "accepted": 1,
        "refused": 1,
        "rows": [filed_row, REFUSED_ROW],
        "message": "Zapisano 1 zgłoszeń w wysyłce WYS/3/SR/2026.",
    }
    apis.on("POST", CLAIMS, "/api/bulk-claims", reply(201, shipment))
    apis.on("GET", CLAIMS, f"/api/shipments/{SHIPMENT_ID}", reply(200, shipment))
    answer = as_customer(client).post(
        "/bulk/file",
        data={"csv_text": CSV, "csv_name": "z.csv", "idempotency_key": KEY},
        files={"document": ("faktura.pdf", b"%PDF-1.4", "application/pdf")},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/bulk/shipments/{SHIPMENT_ID}"
    sent = apis.requests[-1]
    assert sent.headers["idempotency-key"] == KEY
    assert "Nie ładuje się wcale".encode() in sent.content
    page = client.get(answer.headers["location"]).text
    assert "WYS/3/SR/2026" in page and f'href="/claims/{CLAIM_ID}"' in page
    assert f"/bulk/shipments/{SHIPMENT_ID}/label" in page


def test_a_scanned_shipment_label_leads_to_its_checklist_and_receives_from_it(
    client: TestClient, apis: FakeApis
) -> None:
    client.cookies.set("rma_scanner", "jwt-s")
    scanned = client.get("/scanner", params={"code": " wys/3/sr/2026 "}, follow_redirects=False)
    assert scanned.status_code == 303
    assert scanned.headers["location"] == "/scanner/shipments?code=wys%2F3%2Fsr%2F2026"
    item = {
        "claim_id": CLAIM_ID,
        "rma_number": "RMA/7/SR/2026",
        "row_no": 2,
        "product_name": "Xiaomi Smart Band 9",
        "serial_number": "SN1",
        "status": "submitted",
        "received": False,
        "received_at": None,
    }
    checklist = {
        "shipment_id": SHIPMENT_ID,
        "shipment_number": "WYS/3/SR/2026",
        "received": 0,
        "items": [item],
    }
    apis.on("GET", CLAIMS, "/api/scanner/shipments", reply(200, checklist))
    page = client.get(scanned.headers["location"])
    assert page.status_code == 200
    assert "Przyjęto 0 z 1 zgłoszeń." in page.text and "Xiaomi Smart Band 9" in page.text
    receipt = {
        "parcel_id": CLAIM_ID,
        "claim_id": CLAIM_ID,
        "rma_number": "RMA/7/SR/2026",
        "duplicate": False,
        "identified": True,
        "attention": None,
        "serial_mismatch": False,
        "missing_items": [],
    }
    apis.on("POST", CLAIMS, "/api/parcels", reply(200, receipt))
    received = client.post(
        "/scanner/shipments/receipts",
        data={"code": "WYS/3/SR/2026", "rma_number": "RMA/7/SR/2026", "idempotency_key": KEY},
        follow_redirects=False,
    )
    assert received.status_code == 303
    assert received.headers["location"] == (
        "/scanner/shipments?code=WYS%2F3%2FSR%2F2026&rma_number=RMA%2F7%2FSR%2F2026&outcome=received"
    )
    assert apis.requests[-1].url.path == "/api/parcels"
    assert b'"code":"RMA/7/SR/2026"' in apis.requests[-1].content.replace(b" ", b"")
    shown = client.get(received.headers["location"]).text
    assert "Przyjęto przesyłkę do zgłoszenia RMA/7/SR/2026." in shown


def test_an_unknown_shipment_is_said_on_the_scanner_page(
    client: TestClient, apis: FakeApis
) -> None:
    words = "Nie znaleziono takiej wysyłki zbiorczej."
    refusal = {
        "detail": words,
        "errors": [{"field": "shipment_id", "code": "shipment_not_found", "message": words}],
    }
    apis.on("GET", CLAIMS, "/api/scanner/shipments", reply(404, refusal))
    client.cookies.set("rma_scanner", "jwt-s")
    page = client.get("/scanner/shipments", params={"code": "WYS/9/SR/2026"})
    assert page.status_code == 404
    assert words in page.text.split('id="code-error"')[1]


def test_units_picked_from_the_list_are_checked_as_rows_of_a_file(
    client: TestClient, apis: FakeApis
) -> None:
    apis.on("GET", ACCOUNTS, "/api/me/products", reply(200, PRODUCTS))
    apis.on("POST", CLAIMS, "/api/bulk-claims/preview", reply(200, PREVIEW))
    page = as_customer(client).get("/bulk").text
    assert 'value="FS/2026/1|1|SN1"' in page and 'value="FS/2026/1|1|SN2"' in page
    none = client.post("/bulk/picked", data={"description": "Nie ładuje się wcale"})
    assert none.status_code == 422 and "Zaznacz co najmniej jeden egzemplarz." in none.text
    picked = client.post(
        "/bulk/picked",
        data={"unit": ["FS/2026/1|1|SN2"], "description": "Nie ładuje się, dioda gaśnie"},
    )
    assert picked.status_code == 200 and "Przyjęte: 1, odrzucone: 1." in picked.text
    sent = apis.requests[-1]
    assert sent.url.path == "/api/bulk-claims/preview"
    assert b'FS/2026/1,1,SN2,,"Nie \xc5\x82aduje si\xc4\x99, dioda ga\xc5\x9bnie"' in sent.content


def test_a_receipt_refused_from_the_checklist_is_said_not_shown_as_received(
    client: TestClient, apis: FakeApis
) -> None:
    words = "Nie rozpoznano etykiety."
    refusal = {
        "detail": words,
        "errors": [{"field": "code", "code": "parcel_unreadable", "message": words}],
    }
    apis.on("POST", CLAIMS, "/api/parcels", reply(422, refusal))
    checklist = {
        "shipment_id": SHIPMENT_ID,
        "shipment_number": "WYS/3/SR/2026",
        "received": 0,
        "items": [],
    }
    apis.on("GET", CLAIMS, "/api/scanner/shipments", reply(200, checklist))
    client.cookies.set("rma_scanner", "jwt-s")
    page = client.post(
        "/scanner/shipments/receipts",
        data={"code": "WYS/3/SR/2026", "rma_number": "RMA/7/SR/2026", "idempotency_key": KEY},
    )
    assert page.status_code == 422 and words in page.text
    assert "checklist-received" not in page.text
