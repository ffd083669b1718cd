"""Evidence at intake on the panel over fake APIs (issue 25 §2): the scanner's form with photos
from the phone camera and the courier's report, what it sends to the claims API, a refusal shown
at its field, and the photos beside the operator's decision form and on the customer's own claim
page."""

from __future__ import annotations

import re
from email import message_from_bytes
from email.message import Message
from typing import Any

import httpx
from fastapi.testclient import TestClient

from tests.unit.web.fakes import (
    CLAIM_ID,
    CLAIMS,
    RMA,
    FakeApis,
    claim_answer,
    label_lookup,
    operator_claim_answer,
    refusal,
    reply,
    scanned_claim,
)
from tests.unit.web.test_lifecycle_pages import (
    CUSTOMER_CLAIM,
    OPERATOR_CLAIM,
    as_customer,
    as_operator,
)

SCANNER_EVIDENCE = f"/api/scanner/claims/{CLAIM_ID}/intake-evidence"
PHOTO_ID = "00000000-0000-0000-0000-0000000f0701"
REPORT_ID = "00000000-0000-0000-0000-0000000f0702"
JPEG = b"\xff\xd8\xff\xe0 a photo from the phone"
PNG = b"\x89PNG\r\n\x1a\n another"
PDF = b"%PDF-1.7 the courier's damage report"
RECEIPT = {
    "parcel_id": "0c7c1c55-9d9f-4a77-8f3a-3cb7b0a1b0c1",
    "claim_id": CLAIM_ID,
    "rma_number": RMA,
    "duplicate": False,
    "identified": True,
}


def evidence_answer(**overrides: Any) -> dict[str, Any]:
    """The claims API's `intake_evidence` of a claim (and its answer to a recording)."""
    return {
        "parcel_id": None,
        "packaging": "other",
        "seal_intact": None,
        "visible_damage": True,
        "dirty": False,
        "serial_legible": True,
        "transport_damage": True,
        "transport_damage_reported": True,
        "photos": [
            {
                "attachment_id": PHOTO_ID,
                "filename": "IMG_1.jpg",
                "content_type": "image/jpeg",
                "download_path": f"/api/claims/{CLAIM_ID}/attachments/{PHOTO_ID}",
            }
        ],
        "damage_report": {
            "attachment_id": REPORT_ID,
            "filename": "protokol.pdf",
            "content_type": "application/pdf",
            "download_path": f"/api/claims/{CLAIM_ID}/attachments/{REPORT_ID}",
        },
        "recorded_by": "scanner:magazyn-1",
        "recorded_at": "2026-03-02T09:00:00Z",
        **overrides,
    }


def multipart_parts(request: httpx.Request) -> list[Message]:
    """The parts of a multipart request as sent (name, filename, content)."""
    head = f"Content-Type: {request.headers['content-type']}\r\n\r\n".encode()
    parsed = message_from_bytes(head + request.content)
    return [part for part in parsed.walk() if not part.is_multipart()]


def part_name(part: Message) -> object:
    return part.get_param("name", header="content-disposition")


def sent_to(apis: FakeApis, path: str) -> list[httpx.Request]:
    return [r for r in apis.requests if r.url.path == path]


def test_a_received_parcel_offers_the_evidence_form_with_the_phone_camera(
    client: TestClient, apis: FakeApis
) -> None:
    apis.on("POST", CLAIMS, "/api/parcels", reply(200, RECEIPT))
    client.cookies.set("rma_scanner", "jwt-s")
    page = client.post("/scanner/receipts", data={"code": RMA}).text
    form = (
        page.split('id="evidence-form"')[0].rsplit("<form", 1)[1]
        + page.split('id="evidence-form"')[1].split("</form>")[0]
    )
    assert f'action="/scanner/claims/{CLAIM_ID}/evidence"' in form
    assert 'enctype="multipart/form-data"' in form
    assert 'name="photos" type="file" accept="image/*" capture="environment" multiple' in form
    assert 'name="damage_report" type="file"' in form and 'name="packaging"' in form
    for flag in ("visible_damage", "dirty", "serial_legible", "transport_damage"):
        assert f'name="{flag}"' in form
    assert f'name="code" value="{RMA}"' in form and 'name="csrf_token"' in form


def test_the_scanner_sends_the_photos_the_facts_and_the_report(
    client: TestClient, apis: FakeApis
) -> None:
    apis.on("POST", CLAIMS, SCANNER_EVIDENCE, reply(200, evidence_answer()))
    client.cookies.set("rma_scanner", "jwt-s")
    answer = client.post(
        f"/scanner/claims/{CLAIM_ID}/evidence",
        data={
            "code": RMA,
            "packaging": "other",
            "visible_damage": "true",
            "transport_damage": "true",
            "idempotency_key": "3f1c2b9e-1d3a-4c55-9a0e-7e2b1c3d4f5a",
        },
        files=[
            ("photos", ("IMG_1.jpg", JPEG, "image/jpeg")),
            ("photos", ("IMG_2.png", PNG, "image/png")),
            ("damage_report", ("protokol.pdf", PDF, "application/pdf")),
        ],
        follow_redirects=False,
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/scanner?done=evidence"
    [sent] = sent_to(apis, SCANNER_EVIDENCE)
    assert sent.headers["authorization"] == "Bearer jwt-s"
    assert sent.headers["idempotency-key"] == "3f1c2b9e-1d3a-4c55-9a0e-7e2b1c3d4f5a"
    parts = multipart_parts(sent)
    fields = {part_name(p): p.get_payload(decode=True) for p in parts if not p.get_filename()}
    assert fields == {
        "packaging": b"other",
        "visible_damage": b"true",
        "dirty": b"false",
        "serial_legible": b"false",  # not ticked: the serial label could not be read
        "transport_damage": b"true",
    }
    files = [
        (part_name(p), p.get_filename(), p.get_payload(decode=True))
        for p in parts
        if p.get_filename()
    ]
    assert files == [
        ("photos", "IMG_1.jpg", JPEG),
        ("photos", "IMG_2.png", PNG),
        ("damage_report", "protokol.pdf", PDF),
    ]
    assert (
        "Stan przesyłki przy przyjęciu został zapisany."
        in client.get("/scanner?done=evidence").text
    )


def test_a_refused_photo_is_said_at_its_field_and_the_form_comes_back(
    client: TestClient, apis: FakeApis
) -> None:
    message = "Zdjęcia muszą być plikami JPEG lub PNG."
    apis.on("POST", CLAIMS, SCANNER_EVIDENCE, refusal(415, "photos", message))
    received = scanned_claim(status="received", claim_id=CLAIM_ID, takes_evidence=True)
    lookup = label_lookup("already_received", claim=received)
    apis.on("GET", CLAIMS, "/api/scanner/lookup", reply(200, lookup))
    client.cookies.set("rma_scanner", "jwt-s")
    page = client.post(
        f"/scanner/claims/{CLAIM_ID}/evidence",
        data={"code": RMA, "packaging": "none", "dirty": "true"},
        files=[("photos", ("skan.pdf", PDF, "application/pdf"))],
    )
    assert page.status_code == 415
    field = page.text.split('id="photos-error"')[1][:200]
    assert message in field
    form = page.text.split('id="evidence-form"')[1].split("</form>")[0]
    assert '<option value="none" selected>' in form
    assert 'name="dirty" value="true" checked' in form
    assert 'name="serial_legible" value="true" checked' not in form


def test_more_than_ten_photos_are_refused_before_anything_is_sent(
    client: TestClient, apis: FakeApis
) -> None:
    received = scanned_claim(status="received", claim_id=CLAIM_ID, takes_evidence=True)
    lookup = label_lookup("already_received", claim=received)
    apis.on("GET", CLAIMS, "/api/scanner/lookup", reply(200, lookup))
    client.cookies.set("rma_scanner", "jwt-s")
    photos = [("photos", (f"IMG_{n}.jpg", JPEG, "image/jpeg")) for n in range(11)]
    page = client.post(
        f"/scanner/claims/{CLAIM_ID}/evidence",
        data={"code": RMA, "packaging": "original"},
        files=photos,
    )
    assert page.status_code == 422
    assert "najwyżej 10 zdjęć" in page.text.split('id="photos-error"')[1][:200]
    assert sent_to(apis, SCANNER_EVIDENCE) == []


def test_the_operator_sees_the_photos_beside_the_decision_form(
    client: TestClient, apis: FakeApis
) -> None:
    claim = operator_claim_answer(
        status="in_inspection",
        intake_evidence=evidence_answer(),
        operator_actions=["decide", "record_intake_evidence"],
    )
    apis.on("GET", CLAIMS, OPERATOR_CLAIM, reply(200, claim))
    page = as_operator(client).get(f"/operator/claims/{CLAIM_ID}").text
    photo = f'src="/operator/claims/{CLAIM_ID}/attachments/{PHOTO_ID}"'
    assert photo in page
    assert f'href="/operator/claims/{CLAIM_ID}/attachments/{REPORT_ID}"' in page
    # In the column of the decision form, above it.
    column = page.split('<div class="columns">')[1]
    assert column.index(photo) < column.index('id="decision-form"')
    assert f'action="/operator/claims/{CLAIM_ID}/intake-evidence"' in page
    assert "Inne (zastępcze) opakowanie" in page.split('id="evidence-packaging"')[1][:100]


def test_the_operators_form_records_and_returns_to_the_claim(
    client: TestClient, apis: FakeApis
) -> None:
    path = f"/api/operator/claims/{CLAIM_ID}/intake-evidence"
    apis.on("POST", CLAIMS, path, reply(200, evidence_answer(dirty=True)))
    answer = as_operator(client).post(
        f"/operator/claims/{CLAIM_ID}/intake-evidence",
        data={"packaging": "original", "dirty": "true", "serial_legible": "true"},
        files=[("photos", ("brud.jpg", JPEG, "image/jpeg"))],
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/operator/claims/{CLAIM_ID}?done=evidence"
    [sent] = sent_to(apis, path)
    assert sent.headers["authorization"] == "Bearer jwt-operator"
    assert b'name="dirty"\r\n\r\ntrue' in sent.content and JPEG in sent.content


def test_the_customer_sees_the_photos_of_their_own_claim_only(
    client: TestClient, apis: FakeApis
) -> None:
    claim = claim_answer(status="in_inspection", intake_evidence=evidence_answer())
    apis.on("GET", CLAIMS, CUSTOMER_CLAIM, reply(200, claim))
    page = as_customer(client).get(f"/claims/{CLAIM_ID}").text
    assert f'src="/claims/{CLAIM_ID}/attachments/{PHOTO_ID}"' in page
    assert 'id="evidence-form"' not in page  # customers only look
    own = f"/api/claims/{CLAIM_ID}/attachments/{PHOTO_ID}"
    apis.on(
        "GET",
        CLAIMS,
        own,
        lambda _r: httpx.Response(
            200,
            content=JPEG,
            headers={
                "content-type": "image/jpeg",
                "content-disposition": 'attachment; filename="IMG_1.jpg"',
            },
        ),
    )
    photo = client.get(f"/claims/{CLAIM_ID}/attachments/{PHOTO_ID}")
    assert (photo.status_code, photo.content) == (200, JPEG)
    assert photo.headers["content-type"] == "image/jpeg"
    assert sent_to(apis, own)[-1].headers["authorization"] == "Bearer jwt-customer"
    other = f"/api/claims/{CLAIM_ID}/attachments/{REPORT_ID}"
    apis.on("GET", CLAIMS, other, refusal(404, "attachment_id", "Nie znaleziono załącznika."))
    assert client.get(f"/claims/{CLAIM_ID}/attachments/{REPORT_ID}").status_code == 404


def test_the_decision_form_offers_only_the_rejection_reasons_the_service_allows(
    client: TestClient, apis: FakeApis
) -> None:
    """The claims service leaves out "mechanical damage" until intake records damage; the form
    offers what it says, not the claim type's whole list."""
    as_operator(client)
    allowed = ["misuse", "no_defect_found"]
    answer = operator_claim_answer(
        status="in_inspection", operator_actions=["decide"], rejection_reasons=allowed
    )
    apis.on("GET", CLAIMS, OPERATOR_CLAIM, reply(200, answer))
    page = client.get(f"/operator/claims/{CLAIM_ID}").text
    select = page.split('name="rejection_reason"')[1].split("</select>")[0]
    assert re.findall(r'<option value="([a-z_]+)"', select) == allowed
