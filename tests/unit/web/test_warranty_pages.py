"""The warranty pages of the panel against fake APIs: the customer's products with their
registration deadline, the scooter registration form, the passport, and the operator's claim
page with the passport and the repeated defect's suggested decision."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.unit.web.fakes import (
    ACCOUNTS,
    CLAIM_ID,
    CLAIMS,
    PROFILE,
    WARRANTY,
    FakeApis,
    operator_claim_answer,
    owned_unit,
    passport,
    registration_answer,
    reply,
)
from tests.unit.web.fakes import (
    REPEATED_DEFECT as FLAG,
)
from tests.unit.web.fakes import (
    SCOOTER_EAN as EAN,
)


def customer_home(apis: FakeApis, units: Any, status: int = 200) -> None:
    apis.on("GET", ACCOUNTS, "/api/me", reply(200, PROFILE))
    apis.on("GET", CLAIMS, "/api/claims", reply(200, []))
    apis.on("GET", WARRANTY, "/api/me/units", reply(status, units))


def test_the_product_list_shows_the_registration_deadline_and_the_passport(
    client: TestClient, apis: FakeApis
) -> None:
    registered = {"state": "registered_in_time", "deadline": "2026-04-01"}
    customer_home(
        apis,
        [
            owned_unit("KB-1", "open"),
            owned_unit(
                "KB-2",
                "registered_in_time",
                registration={**registered, "registered_on": "2026-03-05"},
            ),
            owned_unit(
                "DJ-3",
                "not_needed",
                registration={"state": "not_needed", "deadline": None, "registered_on": None},
            ),
        ],
    )
    client.cookies.set("rma_session", "jwt")
    page = client.get("/home").text
    first = page.split('id="unit-KB-1"')[1].split("</tr>")[0]
    assert "Zarejestruj do 01.04.2026, aby mieć 24 miesiące gwarancji." in first
    assert f'href="/products/register?ean={EAN}&amp;serial_number=KB-1"' in first
    assert f'href="/products/{EAN}/KB-1"' in first
    second = page.split('id="unit-KB-2"')[1].split("</tr>")[0]
    assert "Zarejestrowana 05.03.2026 (termin 01.04.2026): gwarancja 24 miesiące." in second
    assert "/products/register" not in second
    assert "nie dotyczy" in page.split('id="unit-DJ-3"')[1].split("</tr>")[0]


def test_the_home_page_shows_without_the_warranty_service(
    client: TestClient, apis: FakeApis
) -> None:
    customer_home(apis, {"detail": "awaria"}, status=503)
    client.cookies.set("rma_session", "jwt")
    page = client.get("/home")
    assert page.status_code == 200
    assert "Lista produktów jest chwilowo niedostępna." in page.text


def test_registration_refused_for_another_customers_serial_is_said_at_the_field(
    client: TestClient, apis: FakeApis
) -> None:
    message = "Nie znaleźliśmy hulajnogi o tym numerze seryjnym na Twoich dokumentach."
    apis.on(
        "POST",
        WARRANTY,
        "/api/registrations",
        reply(
            404,
            {
                "detail": message,
                "errors": [
                    {
                        "field": "serial_number",
                        "code": "unit_not_on_your_documents",
                        "message": message,
                    }
                ],
            },
        ),
    )
    client.cookies.set("rma_session", "jwt")
    form = client.get(f"/products/register?ean={EAN}&serial_number=KB-9").text
    assert f'value="{EAN}"' in form and 'value="KB-9"' in form
    key = re.search(r'name="idempotency_key" value="([^"]+)"', form)
    assert key is not None
    page = client.post(
        "/products/register",
        data={"ean": EAN, "serial_number": "KB-9", "idempotency_key": key.group(1)},
    )
    assert page.status_code == 422
    assert re.search(r'id="serial_number-error"[^>]*>([^<]*)<', page.text).group(1) == message  # type: ignore[union-attr]
    assert 'value="KB-9"' in page.text
    [sent] = apis.requests
    assert sent.headers["Idempotency-Key"] == key.group(1)
    assert sent.headers["Authorization"] == "Bearer jwt"


def test_a_registered_scooter_opens_its_passport(client: TestClient, apis: FakeApis) -> None:
    apis.on(
        "POST",
        WARRANTY,
        "/api/registrations",
        reply(201, registration_answer()),
    )
    apis.on("GET", WARRANTY, f"/api/passport/{EAN}/KB-1", reply(200, passport()))
    client.cookies.set("rma_session", "jwt")
    done = client.post(
        "/products/register", data={"ean": EAN, "serial_number": "kb-1"}, follow_redirects=False
    )
    assert done.headers["location"] == f"/products/{EAN}/KB-1?done=registered"
    page = client.get(done.headers["location"]).text
    assert "Hulajnoga została zarejestrowana." in page
    assert "Gwarancja od 02.03.2026 do 16.03.2028." in page
    assert "zarejestrowana 20.03.2026" in page
    assert "RMA/9/SR/2026" in page and "ponownie mimo naprawy" in page
    assert "(dni: 14)" in page
    # The customer's page has no claim of its own: no decision is suggested there.
    assert 'id="repeated-defect"' not in page


def test_a_registration_that_changes_no_deadline_still_opens_the_passport(
    client: TestClient, apis: FakeApis
) -> None:
    """A business purchase has no registration deadline: the warranty service answers
    `registration_deadline: null` (its RegistrationPublic), which the panel once refused."""
    not_needed = registration_answer(
        registration_deadline=None,
        registered_in_time=False,
        message="Hulajnoga została zarejestrowana. Rejestracja nie zmienia okresu gwarancji.",
    )
    apis.on("POST", WARRANTY, "/api/registrations", reply(201, not_needed))
    client.cookies.set("rma_session", "jwt")
    done = client.post(
        "/products/register", data={"ean": EAN, "serial_number": "KB-1"}, follow_redirects=False
    )
    assert done.status_code == 303
    assert done.headers["location"] == f"/products/{EAN}/KB-1?done=registered"


def test_someone_elses_passport_is_not_found(client: TestClient, apis: FakeApis) -> None:
    apis.on(
        "GET", WARRANTY, f"/api/passport/{EAN}/KB-1", reply(404, {"detail": "Nie znaleźliśmy."})
    )
    client.cookies.set("rma_session", "jwt")
    assert client.get(f"/products/{EAN}/KB-1").status_code == 404


def operator_claim(assessment: dict[str, Any] | None) -> dict[str, Any]:
    """A scooter claim in inspection, as operators get it, with `assessment` from warranty."""
    return operator_claim_answer(
        rma_number="RMA/9/SR/2026",
        status="in_inspection",
        product={"name": "Kaabo Mantis", "brand": "Kaabo", "ean": EAN},
        serial_number="KB-1",
        document_number="2026/1",
        problem_description="Silnik nie działa",
        package_contents="Hulajnoga",
        created_at="2026-05-04T10:00:00Z",
        assessment=assessment,
        next_statuses=["decided"],
        operator_actions=["decide"],
    )


def flagged_claim_page(client: TestClient, apis: FakeApis, flag: dict[str, Any]) -> tuple[str, str]:
    """The operator's page of a claim whose assessment carries `flag`, and its flag's note."""
    assessment = {"covered": True, "reason": "Objęty.", "repeated_defect": flag}
    apis.on(
        "GET", CLAIMS, f"/api/operator/claims/{CLAIM_ID}", reply(200, operator_claim(assessment))
    )
    apis.on("GET", WARRANTY, f"/api/passport/{EAN}/KB-1", reply(200, passport()))
    client.cookies.set("rma_operator", "jwt")
    page = client.get(f"/operator/claims/{CLAIM_ID}").text
    return page, page.split('id="repeated-defect"')[1].split("</section>")[0]


def test_the_operator_sees_the_passport_and_the_suggested_decision(
    client: TestClient, apis: FakeApis
) -> None:
    page, note = flagged_claim_page(client, apis, FLAG)
    assert (
        "2. reklamacja tego egzemplarza, 2. z problemem „Silnik nie działa” mimo naprawy." in note
    )
    assert "<strong>Wymiana na nowy</strong> albo <strong>Naprawa</strong>" in note
    assert "Gwarancja: gwarant usuwa wadę albo dostarcza rzecz wolną od wad." in note
    assert re.search(r'<option value="replacement"\s+selected', page)
    assert 'id="passport"' in page and "RMA/8/SR/2026" in page


def test_the_decision_form_starts_at_what_the_warranty_service_suggested(
    client: TestClient, apis: FakeApis
) -> None:
    """Issue 24 item 6: a DJI warranty claim's repeated defect suggests a repair; the page shows
    the service's suggestion and reason, and says nothing of its own about the remedies."""
    reason = "Gwarancja DJI: ponowna naprawa. Wymiana tylko z pisemnym oświadczeniem DJI."
    flag = {**FLAG, "suggested_decisions": ["repair"], "remedy_reason": reason}
    page, note = flagged_claim_page(client, apis, flag)
    assert "Sugerowana decyzja: <strong>Naprawa</strong>." in note and reason in note
    assert "wymiany na nowy albo zwrotu pieniędzy" not in page
    assert re.search(r'<option value="repair"\s+selected', page)
    assert not re.search(r'<option value="(replacement|refund)"\s+selected', page)


def test_the_operator_claim_page_shows_without_a_passport(
    client: TestClient, apis: FakeApis
) -> None:
    apis.on("GET", CLAIMS, f"/api/operator/claims/{CLAIM_ID}", reply(200, operator_claim(None)))
    apis.on("GET", WARRANTY, f"/api/passport/{EAN}/KB-1", reply(503, {"detail": "awaria"}))
    client.cookies.set("rma_operator", "jwt")
    page = client.get(f"/operator/claims/{CLAIM_ID}")
    assert page.status_code == 200
    assert 'id="passport"' not in page.text and 'id="repeated-defect"' not in page.text
    assert not re.search(r'<option value="replacement"\s+selected', page.text)


def test_the_suggested_decision_shows_while_the_claims_service_allows_deciding(
    client: TestClient, apis: FakeApis
) -> None:
    """Issue 26: not the status "in_inspection" but the claim's operator_actions say whether a
    decision can be made now; without "decide" the suggestion is not shown."""
    claim = {**operator_claim({"covered": True, "reason": "Objęty.", "repeated_defect": FLAG})}
    claim["operator_actions"] = []
    apis.on("GET", CLAIMS, f"/api/operator/claims/{CLAIM_ID}", reply(200, claim))
    apis.on("GET", WARRANTY, f"/api/passport/{EAN}/KB-1", reply(200, passport()))
    client.cookies.set("rma_operator", "jwt")
    page = client.get(f"/operator/claims/{CLAIM_ID}").text
    assert 'id="repeated-defect"' in page and 'id="suggested-decisions"' not in page


@pytest.mark.parametrize(
    ("actions", "shown"), [(["decide", "decide_with_deductions"], True), (["decide"], False)]
)
def test_the_deductions_show_when_the_claims_service_says_a_refund_carries_them(
    client: TestClient, apis: FakeApis, actions: list[str], shown: bool
) -> None:
    """Issue 26: the claims service, not the template, says a return's refund has deductions."""
    claim = {**operator_claim({"covered": True, "reason": "Objęty.", "repeated_defect": FLAG})}
    claim["operator_actions"] = actions
    apis.on("GET", CLAIMS, f"/api/operator/claims/{CLAIM_ID}", reply(200, claim))
    apis.on("GET", WARRANTY, f"/api/passport/{EAN}/KB-1", reply(200, passport()))
    client.cookies.set("rma_operator", "jwt")
    page = client.get(f"/operator/claims/{CLAIM_ID}").text
    assert ('id="deduction_packaging"' in page) is shown
