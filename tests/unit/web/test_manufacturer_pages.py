"""DJI's official service in the web panel against fake APIs (validated against the claims
service's OpenAPI): the operator hands the unit over and records its return with DJI's statement,
a refusal is shown at its field in the service's words; the customer's and the operator's claim
pages show the status, the trips and the deadline moved by both kinds of pause."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.unit.web.fakes import (
    CLAIM_ID,
    CLAIMS,
    FakeApis,
    claim_answer,
    deadline_standing,
    operator_claim_answer,
    refusal,
    reply,
)
from tests.unit.web.test_lifecycle_pages import (
    CUSTOMER_CLAIM,
    OPERATOR_CLAIM,
    as_customer,
    as_operator,
    field_error,
    form_ids,
    sent_json,
)

HANDOFF = f"{OPERATOR_CLAIM}/manufacturer-handoff"
TRIP: dict[str, Any] = {
    "trip": 1,
    "case_number": "CAS-PL-2611",
    "sent_on": "2026-03-03",
    "back_on": None,
    "remark": None,
    "sent_by": "operator:anna@serwis.example",
    "back_by": None,
}
BACK = {**TRIP, "back_on": "2026-03-10", "remark": "Płyta główna.", "back_by": "operator:anna"}
# The DJI deadline moved by 2 working days waiting for the customer and 5 at DJI's service.
MOVED = deadline_standing(
    kind="dji_repair",
    due_on="2026-05-27",
    moved_to="2026-06-05",
    paused_working_days=7,
    customer_paused_working_days=2,
    manufacturer_paused_working_days=5,
)


def test_the_operator_hands_the_unit_to_dji_from_the_claim_page(
    client: TestClient, apis: FakeApis
) -> None:
    as_operator(client)
    plain = operator_claim_answer(status="in_inspection", operator_actions=["decide"])
    apis.on("GET", CLAIMS, OPERATOR_CLAIM, reply(200, plain))
    assert "manufacturer-handoff-form" not in form_ids(
        client.get(f"/operator/claims/{CLAIM_ID}").text
    )
    offered = operator_claim_answer(
        status="in_inspection", operator_actions=["decide", "send_to_manufacturer"]
    )
    apis.on("GET", CLAIMS, OPERATOR_CLAIM, reply(200, offered))
    assert "manufacturer-handoff-form" in form_ids(client.get(f"/operator/claims/{CLAIM_ID}").text)
    apis.on("POST", CLAIMS, HANDOFF, reply(200, TRIP))
    done = client.post(
        f"/operator/claims/{CLAIM_ID}/manufacturer-handoff",
        data={"case_number": " CAS-PL-2611 ", "sent_on": "2026-03-03", "idempotency_key": "k" * 32},
        follow_redirects=False,
    )
    assert done.headers["location"] == f"/operator/claims/{CLAIM_ID}?done=handed_off"
    assert sent_json(apis, HANDOFF) == {"case_number": "CAS-PL-2611", "sent_on": "2026-03-03"}
    assert apis.requests[-1].headers["idempotency-key"] == "k" * 32
    notice = client.get(done.headers["location"]).text
    assert "Zapisano przekazanie do oficjalnego serwisu DJI: klient otrzyma e-mail." in notice


def test_a_refused_hand_off_shows_the_services_message_at_its_field(
    client: TestClient, apis: FakeApis
) -> None:
    as_operator(client)
    offered = operator_claim_answer(
        status="in_inspection", operator_actions=["send_to_manufacturer"]
    )
    apis.on("GET", CLAIMS, OPERATOR_CLAIM, reply(200, offered))
    message = "Numer zgłoszenia producenta ma 3–40 znaków: litery, cyfry i znaki - / _ ."
    apis.on(
        "POST", CLAIMS, HANDOFF, refusal(422, "case_number", message, "handoff_case_number_invalid")
    )
    page = client.post(
        f"/operator/claims/{CLAIM_ID}/manufacturer-handoff",
        data={"case_number": "DJI 42", "sent_on": "2026-03-03"},
    )
    assert page.status_code == 422
    assert field_error(page.text, "case_number") == message
    assert 'value="DJI 42"' in page.text  # what was typed stays
    # An empty date is not sent: the service names what is missing.
    client.post(f"/operator/claims/{CLAIM_ID}/manufacturer-handoff", data={"case_number": "X"})
    assert sent_json(apis, HANDOFF) == {"case_number": "X"}


def test_the_return_sends_the_day_the_remark_and_djis_statement(
    client: TestClient, apis: FakeApis
) -> None:
    as_operator(client)
    away = operator_claim_answer(
        status="at_manufacturer",
        status_name="u producenta (oficjalny serwis DJI)",
        operator_actions=["receive_from_manufacturer"],
        manufacturer_handoffs=[TRIP],
    )
    apis.on("GET", CLAIMS, OPERATOR_CLAIM, reply(200, away))
    page = client.get(f"/operator/claims/{CLAIM_ID}").text
    assert "manufacturer-return-form" in form_ids(page)
    assert "manufacturer-handoff-form" not in form_ids(page)
    trips = page.split('id="manufacturer-trips"')[1].split("</section>")[0]
    assert "CAS-PL-2611" in trips and "urządzenie jest u producenta" in trips
    apis.on("POST", CLAIMS, f"{HANDOFF}/return", reply(200, BACK))
    done = client.post(
        f"/operator/claims/{CLAIM_ID}/manufacturer-handoff/return",
        data={"back_on": "2026-03-10", "remark": "Płyta główna."},
        files={"statement": ("dji.pdf", b"%PDF-1.4 oswiadczenie", "application/pdf")},
        follow_redirects=False,
    )
    assert done.headers["location"] == f"/operator/claims/{CLAIM_ID}?done=back_from_dji"
    sent = apis.requests[-1]
    assert sent.url.path == f"{HANDOFF}/return"
    assert b'name="back_on"' in sent.content and b"2026-03-10" in sent.content
    assert b'name="statement"; filename="dji.pdf"' in sent.content
    message = "Urządzenie nie mogło wrócić przed wysyłką do producenta (03.03.2026)."
    apis.on("POST", CLAIMS, f"{HANDOFF}/return", refusal(422, "back_on", message))
    refused = client.post(
        f"/operator/claims/{CLAIM_ID}/manufacturer-handoff/return", data={"back_on": "2026-03-01"}
    )
    assert refused.status_code == 422 and field_error(refused.text, "back_on") == message


def test_the_customer_sees_the_status_the_trip_and_both_kinds_of_pause(
    client: TestClient, apis: FakeApis
) -> None:
    shown = claim_answer(
        status="in_inspection",
        claim_type="dji",
        manufacturer_handoffs=[BACK],
        deadline_standings=[MOVED],
    )
    apis.on("GET", CLAIMS, CUSTOMER_CLAIM, reply(200, shown))
    page = as_customer(client).get(f"/claims/{CLAIM_ID}").text
    trips = page.split('id="manufacturer-trips"')[1].split("</section>")[0]
    assert "CAS-PL-2611" in trips and "03.03.2026" in trips and "10.03.2026" in trips
    assert "2 oczekiwania na klienta, 5 w oficjalnym serwisie DJI" in page
    english = client.get(f"/claims/{CLAIM_ID}", headers={"Accept-Language": "en"}).text
    assert "2 waiting for the customer, 5 at DJI's official service" in english
    away = claim_answer(
        status="at_manufacturer",
        status_name="u producenta (oficjalny serwis DJI)",
        manufacturer_handoffs=[TRIP],
    )
    apis.on("GET", CLAIMS, CUSTOMER_CLAIM, reply(200, away))
    page = client.get(f"/claims/{CLAIM_ID}").text
    assert "u producenta (oficjalny serwis DJI)" in page
    assert "urządzenie jest u producenta" in page
