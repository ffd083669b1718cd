"""The operator's forms for a claim's charges and the unit's void warranty, against fake APIs
validated against the claims service's OpenAPI: what reaches the API, and a refusal shown at its
field (or at the form's top) in the service's words, with what was typed kept."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.unit.web.fakes import (
    ATTACHMENT_ID,
    CLAIM_ID,
    CLAIMS,
    FakeApis,
    operator_claim_answer,
    refusal,
    reply,
)
from tests.unit.web.test_charges_pages import charge, charges
from tests.unit.web.test_lifecycle_pages import (
    OPERATOR_CLAIM,
    as_operator,
    field_error,
    form_ids,
    sent_json,
)

CHARGE_ID = "00000000-0000-0000-0000-00000000c0c0"
ADDED = charge("due", "do zapłaty", "49.90")
VOIDED: dict[str, Any] = {
    "claim_id": CLAIM_ID,
    "rma_number": "RMA/1/SR/2026",
    "account_id": "00000000-0000-0000-0000-0000000000a1",
    "email": "jan@example.com",
    "language": "pl",
    "claim_type": "warranty",
    "product": {"ean": "5901234123457", "sku": "S", "name": "Mini", "brand": "DJI"},
    "ean": "5901234123457",
    "serial_number": "1581F000001",
    "reason": "disassembly",
    "evidence": [ATTACHMENT_ID],
    "note": None,
    "marked_at": "2026-03-02T09:00:00Z",
    "marked_by": "operator:anna",
}


def page_of(apis: FakeApis, client: TestClient, **claim: Any) -> str:
    apis.on("GET", CLAIMS, OPERATOR_CLAIM, reply(200, operator_claim_answer(**claim)))
    return client.get(f"/operator/claims/{CLAIM_ID}").text


def test_the_charge_form_shows_when_the_service_accepts_a_charge(
    client: TestClient, apis: FakeApis
) -> None:
    as_operator(client)
    assert "charge-form" not in form_ids(page_of(apis, client, status="submitted"))
    page = page_of(apis, client, status="in_inspection", may_add_charge=True)
    assert "charge-form" in form_ids(page)
    assert '<option value="cleaning">Czyszczenie produktu</option>' in page
    english = client.get(f"/operator/claims/{CLAIM_ID}", headers={"Accept-Language": "en"}).text
    assert "Cleaning of the product" in english and "New charge to the customer" in english


def test_a_charge_is_sent_as_the_api_takes_it(client: TestClient, apis: FakeApis) -> None:
    as_operator(client)
    page_of(apis, client, status="in_inspection", may_add_charge=True)
    path = f"{OPERATOR_CLAIM}/charges"
    apis.on("POST", CLAIMS, path, reply(200, ADDED))
    done = client.post(
        f"/operator/claims/{CLAIM_ID}/charges",
        data={
            "charge_kind": "cleaning",
            "charge_amount": "49,90",
            "charge_reason": "Produkt bardzo zabrudzony.",
            "idempotency_key": "k" * 32,
        },
        follow_redirects=False,
    )
    assert done.headers["location"] == f"/operator/claims/{CLAIM_ID}?done=charged"
    assert sent_json(apis, path) == {
        "kind": "cleaning",
        "amount": "49.90",
        "reason": "Produkt bardzo zabrudzony.",
        "transport_damage_reported": False,
    }
    assert apis.requests[-1].headers["idempotency-key"] == "k" * 32
    notice = client.get(done.headers["location"]).text
    assert "Opłata została dodana: klient otrzyma e-mail z danymi do przelewu." in notice
    # The administrative fee's amount is the policy's: none is sent.
    client.post(
        f"/operator/claims/{CLAIM_ID}/charges",
        data={"charge_kind": "administrative_fee", "charge_reason": "Czwarty zwrot w roku."},
    )
    assert "amount" not in sent_json(apis, path)


def test_a_refused_charge_shows_the_services_words_at_its_field(
    client: TestClient, apis: FakeApis
) -> None:
    as_operator(client)
    page_of(apis, client, status="in_inspection", may_add_charge=True)
    message = "Transport w obie strony pobiera się tylko przy odrzuconej reklamacji hulajnogi."
    apis.on(
        "POST",
        CLAIMS,
        f"{OPERATOR_CLAIM}/charges",
        refusal(409, "kind", message, "scooter_transport_not_due"),
    )
    page = client.post(
        f"/operator/claims/{CLAIM_ID}/charges",
        data={
            "charge_kind": "scooter_transport",
            "charge_amount": "120",
            "charge_reason": "Transport.",
        },
    )
    assert page.status_code == 409
    assert field_error(page.text, "charge_kind") == message
    assert 'value="120"' in page.text  # what was typed stays
    bad_amount = client.post(
        f"/operator/claims/{CLAIM_ID}/charges",
        data={"charge_kind": "cleaning", "charge_amount": "dużo", "charge_reason": "Brudny."},
    )
    assert bad_amount.status_code == 422
    assert field_error(bad_amount.text, "charge_amount") == "Podaj kwotę, np. 199,99."


def test_a_due_charge_is_marked_paid_or_waived_with_the_reason(
    client: TestClient, apis: FakeApis
) -> None:
    as_operator(client)
    due = charges("49.90", ADDED)
    page = page_of(apis, client, status="decided", charges=due)
    settle = page.split('id="charges-to-settle"')[1].split("</section>")[0]
    assert f"/charges/{CHARGE_ID}/paid" in settle and f"/charges/{CHARGE_ID}/waive" in settle
    paid_path = f"{OPERATOR_CLAIM}/charges/{CHARGE_ID}/paid"
    apis.on("POST", CLAIMS, paid_path, reply(200, {}))
    paid = client.post(
        f"/operator/claims/{CLAIM_ID}/charges/{CHARGE_ID}/paid", follow_redirects=False
    )
    assert paid.headers["location"] == f"/operator/claims/{CLAIM_ID}?done=charge_paid"
    assert apis.requests[-1].url.path == paid_path
    waive_path = f"{OPERATOR_CLAIM}/charges/{CHARGE_ID}/waive"
    too_short = "Podaj powód (co najmniej 10 znaków)."
    apis.on("POST", CLAIMS, waive_path, refusal(422, "waiver_reason", too_short))
    refused = client.post(
        f"/operator/claims/{CLAIM_ID}/charges/{CHARGE_ID}/waive", data={"waiver_reason": "Bo."}
    )
    assert refused.status_code == 422 and field_error(refused.text, "waiver_reason") == too_short
    apis.on("POST", CLAIMS, waive_path, reply(200, {}))
    waived = client.post(
        f"/operator/claims/{CLAIM_ID}/charges/{CHARGE_ID}/waive",
        data={"waiver_reason": "Gest handlowy dla stałego klienta."},
        follow_redirects=False,
    )
    assert waived.headers["location"] == f"/operator/claims/{CLAIM_ID}?done=charge_waived"
    assert sent_json(apis, waive_path) == {"reason": "Gest handlowy dla stałego klienta."}
    # Settled already (another operator was quicker): said at the form's top.
    apis.on(
        "POST",
        CLAIMS,
        paid_path,
        refusal(409, "charge_id", "Ta opłata jest już opłacona albo umorzona.", "charge_not_due"),
    )
    again = client.post(f"/operator/claims/{CLAIM_ID}/charges/{CHARGE_ID}/paid")
    assert again.status_code == 409 and "Ta opłata jest już opłacona albo umorzona." in again.text


def test_the_warranty_void_form_sends_the_reason_the_evidence_and_the_note(
    client: TestClient, apis: FakeApis
) -> None:
    as_operator(client)
    assert "warranty-void-form" not in form_ids(page_of(apis, client))
    page = page_of(apis, client, may_mark_warranty_void=True)
    assert "warranty-void-form" in form_ids(page)
    assert f'name="evidence" value="{ATTACHMENT_ID}"' in page
    path = f"{OPERATOR_CLAIM}/warranty-void"
    apis.on("POST", CLAIMS, path, reply(200, VOIDED))
    done = client.post(
        f"/operator/claims/{CLAIM_ID}/warranty-void",
        data={"void_reason": "disassembly", "evidence": [ATTACHMENT_ID], "void_note": "Plomba."},
        follow_redirects=False,
    )
    assert done.headers["location"] == f"/operator/claims/{CLAIM_ID}?done=warranty_void"
    assert sent_json(apis, path) == {
        "reason": "disassembly",
        "evidence": [ATTACHMENT_ID],
        "note": "Plomba.",
    }
    missing = client.post(f"/operator/claims/{CLAIM_ID}/warranty-void", data={})
    assert missing.status_code == 422
    assert field_error(missing.text, "void_reason") == "Wybierz przyczynę utraty gwarancji."
    message = "Ten egzemplarz nie ma numeru seryjnego: nie można oznaczyć utraty gwarancji."
    apis.on("POST", CLAIMS, path, refusal(409, "serial_number", message, "void_needs_serial"))
    refused = client.post(
        f"/operator/claims/{CLAIM_ID}/warranty-void",
        data={"void_reason": "misuse", "evidence": [ATTACHMENT_ID]},
    )
    assert refused.status_code == 409 and message in refused.text
    assert "checked" in refused.text.split(f'value="{ATTACHMENT_ID}"')[1][:20]
