"""The claim lifecycle in the web panel against fake APIs: the operator's claim view and the
forms after the decision, the customer's answers (quote, deductions, an answer with files), the
return address. What reaches the APIs and what the pages show; tests/e2e/test_web_lifecycle.py
runs the same against the real services."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import httpx
from fastapi.testclient import TestClient

from shared.http import attachment_disposition
from tests.support.downloads import download_names
from tests.unit.web.fakes import (
    ACCOUNTS,
    ADDRESS,
    ATTACHMENT_ID,
    CLAIM_ID,
    CLAIMS,
    PROFILE,
    FakeApis,
    account_product,
    claim_answer,
    claim_created,
    claim_options,
    deadline_standing,
    operator_claim_answer,
    paid_quote,
    profile,
    refusal,
    reply,
)
from tools.support.days import polish_today

OPERATOR_CLAIM = f"/api/operator/claims/{CLAIM_ID}"
CUSTOMER_CLAIM = f"/api/claims/{CLAIM_ID}"


def field_error(html: str, field: str) -> str:
    found = re.search(rf'id="{field}-error"[^>]*>([^<]*)<', html)
    return found.group(1) if found else ""


def form_ids(html: str) -> set[str]:
    return set(re.findall(r'<form[^>]* id="([\w-]+)"', html))


def sent_json(apis: FakeApis, path: str) -> dict[str, object]:
    request = next(r for r in reversed(apis.requests) if r.url.path == path)
    body: dict[str, object] = json.loads(request.content)
    return body


def as_operator(client: TestClient) -> TestClient:
    client.cookies.set("rma_operator", "jwt-operator")
    return client


def as_customer(client: TestClient) -> TestClient:
    client.cookies.set("rma_session", "jwt-customer")
    return client


# --- the operator's claim view -----------------------------------------------------------------


def test_the_operator_sees_the_customer_the_document_and_downloads_the_sales_document(
    client: TestClient, apis: FakeApis
) -> None:
    apis.on("GET", CLAIMS, OPERATOR_CLAIM, reply(200, operator_claim_answer(status="received")))
    pdf = b"%PDF-1.4 paragon"
    apis.on(
        "GET",
        CLAIMS,
        f"{OPERATOR_CLAIM}/attachments/{ATTACHMENT_ID}",
        lambda _request: httpx.Response(
            200,
            content=pdf,
            headers={
                "content-type": "application/pdf",
                "content-disposition": 'attachment; filename="paragon.pdf"',
            },
        ),
    )
    page = as_operator(client).get(f"/operator/claims/{CLAIM_ID}").text
    customer = page.split('id="customer"')[1].split("</section>")[0]
    for shown in ("Jan Kowalski", "jan@example.com", "+48600100200", "ul. Zielona 5", "44-200"):
        assert shown in customer
    assert "konsument" in customer  # the buyer type from the purchase document
    assert "199,00" in customer
    link = f"/operator/claims/{CLAIM_ID}/attachments/{ATTACHMENT_ID}"
    assert f'href="{link}"' in customer
    downloaded = client.get(link)
    assert downloaded.content == pdf
    assert downloaded.headers["content-type"] == "application/pdf"
    assert "paragon.pdf" in downloaded.headers["content-disposition"]
    assert apis.requests[-1].headers["authorization"] == "Bearer jwt-operator"


def test_the_operator_downloads_a_file_with_a_polish_name(
    client: TestClient, apis: FakeApis
) -> None:
    """Whether the API names the file in RFC 6266 form (as claims does) or in raw UTF-8 (as it
    did, had it not failed first), the panel passes on a header it can write, with the name."""
    link = f"/operator/claims/{CLAIM_ID}/attachments/{ATTACHMENT_ID}"
    for disposition in (
        attachment_disposition("faktura-żółć-źdźbło.pdf").encode(),
        'attachment; filename="faktura-żółć-źdźbło.pdf"'.encode(),
    ):
        apis.on(
            "GET",
            CLAIMS,
            f"{OPERATOR_CLAIM}/attachments/{ATTACHMENT_ID}",
            lambda _request, disposition=disposition: httpx.Response(
                200,
                content=b"%PDF-1.4 faktura",
                headers=[
                    (b"content-type", b"application/pdf"),
                    (b"content-disposition", disposition),
                ],
            ),
        )
        downloaded = as_operator(client).get(link)
        assert downloaded.status_code == 200, disposition
        assert downloaded.content == b"%PDF-1.4 faktura"
        saved_as = download_names(downloaded.headers["content-disposition"])[1]
        assert saved_as == "faktura-żółć-źdźbło.pdf"


def test_a_customer_cannot_download_through_the_operator_page(
    client: TestClient, apis: FakeApis
) -> None:
    answer = as_customer(client).get(
        f"/operator/claims/{CLAIM_ID}/attachments/{ATTACHMENT_ID}", follow_redirects=False
    )
    assert answer.status_code == 303 and answer.headers["location"].startswith("/operator/login")
    assert apis.requests == []


def test_the_operator_page_offers_the_forms_of_the_commands_the_claims_service_allows(
    client: TestClient, apis: FakeApis
) -> None:
    """The claims service says which commands the claim's state allows (its aggregate owns
    those rules, tested in tests/unit/claims); the page offers exactly their forms."""
    as_operator(client)
    cases = [
        ([], set()),
        (["record_replacement"], {"replacement-form"}),
        (["ship_back"], {"ship-back-form"}),
        (["record_refund"], {"refund-form"}),
        (["ship_back", "record_refund"], {"ship-back-form", "refund-form"}),
    ]
    for allowed, forms in cases:
        answer = operator_claim_answer(
            decision=paid_quote(decision="refund", offer=None, valid_until=None),
            operator_actions=allowed,
        )
        apis.on("GET", CLAIMS, OPERATOR_CLAIM, reply(200, answer))
        page = client.get(f"/operator/claims/{CLAIM_ID}").text
        actions = form_ids(page) & {"replacement-form", "ship-back-form", "refund-form"}
        assert actions == forms, allowed
    waiting = operator_claim_answer(decision=paid_quote(), next_statuses=["shipped_back"])
    apis.on("GET", CLAIMS, OPERATOR_CLAIM, reply(200, waiting))
    assert 'id="waiting-for-answer"' in client.get(f"/operator/claims/{CLAIM_ID}").text


def test_djis_statement_is_attached_from_the_claim_page_when_the_service_asks(
    client: TestClient, apis: FakeApis
) -> None:
    """A DJI replacement needs DJI's written statement: the form shows when the claims service
    offers the command, and sends the file as the API takes it."""
    as_operator(client)
    plain = operator_claim_answer(operator_actions=["decide"])
    apis.on("GET", CLAIMS, OPERATOR_CLAIM, reply(200, plain))
    assert "manufacturer-statement-form" not in form_ids(
        client.get(f"/operator/claims/{CLAIM_ID}").text
    )
    asked = operator_claim_answer(operator_actions=["decide", "attach_manufacturer_statement"])
    apis.on("GET", CLAIMS, OPERATOR_CLAIM, reply(200, asked))
    assert "manufacturer-statement-form" in form_ids(
        client.get(f"/operator/claims/{CLAIM_ID}").text
    )
    apis.on(
        "POST",
        CLAIMS,
        f"/api/operator/claims/{CLAIM_ID}/manufacturer-statement",
        reply(200, {"attachment_id": ATTACHMENT_ID}),
    )
    done = client.post(
        f"/operator/claims/{CLAIM_ID}/manufacturer-statement",
        files={"statement": ("dji.pdf", b"%PDF-1.4 oswiadczenie", "application/pdf")},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"].endswith("done=statement")
    sent = apis.requests[-1]
    assert b'name="statement"; filename="dji.pdf"' in sent.content
    assert b"%PDF-1.4 oswiadczenie" in sent.content
    empty = client.post(f"/operator/claims/{CLAIM_ID}/manufacturer-statement", data={})
    assert empty.status_code == 422 and 'id="statement-error"' in empty.text


def test_shipping_back_sends_the_carrier_and_number_and_shows_a_refusal_at_its_field(
    client: TestClient, apis: FakeApis
) -> None:
    claim = operator_claim_answer(
        status="in_repair",
        decision=paid_quote(customer_response="accepted"),
        next_statuses=["shipped_back"],
        operator_actions=["ship_back"],
    )
    apis.on("GET", CLAIMS, OPERATOR_CLAIM, reply(200, claim))
    ship_back = f"{OPERATOR_CLAIM}/ship-back"
    # The API's generic "required" is said more helpfully at the field.
    missing = refusal(422, "tracking_number", "To pole jest wymagane.", code="missing")
    apis.on("POST", CLAIMS, ship_back, missing)
    as_operator(client)
    page = client.post(f"/operator/claims/{CLAIM_ID}/ship-back", data={"carrier": "DPD"})
    assert page.status_code == 422
    assert field_error(page.text, "tracking_number") == "Podaj numer przesyłki zwrotnej."
    assert 'value="DPD"' in page.text  # what was typed stays
    assert "TRK-IN-1" in page.text  # the customer's inbound number stays visible

    apis.on("POST", CLAIMS, ship_back, reply(200, {"status": "shipped_back"}))
    done = client.post(
        f"/operator/claims/{CLAIM_ID}/ship-back",
        data={"carrier": "DPD", "tracking_number": "DPD123", "idempotency_key": "k" * 32},
        follow_redirects=False,
    )
    assert done.headers["location"] == f"/operator/claims/{CLAIM_ID}?done=shipped"
    assert sent_json(apis, ship_back) == {"carrier": "DPD", "tracking_number": "DPD123"}
    assert apis.requests[-1].headers["idempotency-key"] == "k" * 32


def test_a_refund_without_amount_or_with_a_bad_iban_is_refused_at_its_field(
    client: TestClient, apis: FakeApis
) -> None:
    today = polish_today()
    claim = operator_claim_answer(
        claim_type="return",
        decision=paid_quote(decision="refund", offer=None, valid_until=None),
        next_statuses=["refunded"],
        operator_actions=["record_refund"],
        deadline_standings=[
            deadline_standing(
                kind="return_refund",
                description="Zwrot pieniędzy w 14 dni od otrzymania zwrotu.",
                due_on=(today + timedelta(days=9)).isoformat(),
            )
        ],
    )
    apis.on("GET", CLAIMS, OPERATOR_CLAIM, reply(200, claim))
    refund = f"{OPERATOR_CLAIM}/refund"
    as_operator(client)
    shown = client.get(f"/operator/claims/{CLAIM_ID}").text
    deadline = shown.split('id="refund-deadline"')[1].split("</p>")[0]
    assert (today + timedelta(days=9)).strftime("%d.%m.%Y") in deadline

    apis.on("POST", CLAIMS, refund, refusal(422, "amount", "Podaj kwotę większą od zera."))
    page = client.post(f"/operator/claims/{CLAIM_ID}/refund", data={"method": "original_payment"})
    assert field_error(page.text, "amount") == "Podaj kwotę większą od zera."
    assert sent_json(apis, refund) == {"method": "original_payment", "amount": None}

    bad_iban = "Numer rachunku (IBAN) jest nieprawidłowy."
    apis.on("POST", CLAIMS, refund, refusal(422, "iban", bad_iban))
    typed = {"amount": "150,00", "method": "bank_transfer", "iban": "PL00 1234"}
    page = client.post(f"/operator/claims/{CLAIM_ID}/refund", data=typed)
    assert page.status_code == 422
    assert field_error(page.text, "iban") == bad_iban
    assert 'value="PL00 1234"' in page.text
    assert sent_json(apis, refund) == {
        "amount": "150.00",
        "method": "bank_transfer",
        "iban": "PL00 1234",
    }

    calls = len(apis.requests)
    page = client.post(f"/operator/claims/{CLAIM_ID}/refund", data={"amount": "sto"})
    assert field_error(page.text, "amount").startswith("Podaj kwotę")
    assert not any(r.url.path == refund for r in apis.requests[calls:])  # checked here first


def test_a_quote_on_a_covered_claim_is_refused_at_the_decision_and_the_quote_is_sent_whole(
    client: TestClient, apis: FakeApis
) -> None:
    apis.on(
        "GET",
        CLAIMS,
        OPERATOR_CLAIM,
        reply(200, operator_claim_answer(status="in_inspection", operator_actions=["decide"])),
    )
    decision = f"{OPERATOR_CLAIM}/decision"
    covered = "Produkt jest objęty gwarancją: naprawa jest bezpłatna."
    apis.on("POST", CLAIMS, decision, refusal(422, "decision", covered))
    quote = {
        "decision": "paid_repair",
        "amount": "150,00",
        "justification": "Wymiana gniazda zasilania.",
        "valid_until": "2026-02-01",
    }
    page = as_operator(client).post(f"/operator/claims/{CLAIM_ID}/decision", data=quote)
    assert page.status_code == 422
    assert field_error(page.text, "decision") == covered
    assert 'value="2026-02-01"' in page.text
    sent = sent_json(apis, decision)
    assert (sent["amount"], sent["valid_until"]) == ("150.00", "2026-02-01")


def test_a_replacement_and_a_repair_delay_reach_the_api(client: TestClient, apis: FakeApis) -> None:
    apis.on("GET", CLAIMS, OPERATOR_CLAIM, reply(200, operator_claim_answer()))
    for command, form in (
        ("replacement", {"serial_number": "SN-NEW-1", "ean": ""}),
        ("repair-delay", {"reason": "Czekamy na sterownik od producenta.", "expected_on": ""}),
    ):
        apis.on("POST", CLAIMS, f"{OPERATOR_CLAIM}/{command}", reply(200, {}))
        done = as_operator(client).post(
            f"/operator/claims/{CLAIM_ID}/{command}", data=form, follow_redirects=False
        )
        assert done.status_code == 303
        assert sent_json(apis, f"{OPERATOR_CLAIM}/{command}") == {
            name: value for name, value in form.items() if value
        }
    assert client.post(f"/operator/claims/{CLAIM_ID}/delete").status_code == 422


# --- the customer's claim page -----------------------------------------------------------------


def test_the_customer_accepts_a_quote_and_takes_the_goods_back_instead_of_deductions(
    client: TestClient, apis: FakeApis
) -> None:
    apis.on("GET", CLAIMS, CUSTOMER_CLAIM, reply(200, claim_answer(decision=paid_quote())))
    as_customer(client)
    page = client.get(f"/claims/{CLAIM_ID}").text
    offer = page.split('id="quote"')[1].split("</form>")[0]
    assert "150,00" in offer and "01.02.2026" in offer
    apis.on("POST", CLAIMS, f"{CUSTOMER_CLAIM}/quote", reply(200, {"accepted": True}))
    done = client.post(f"/claims/{CLAIM_ID}/quote", data={"accept": "yes"}, follow_redirects=False)
    assert done.headers["location"] == f"/claims/{CLAIM_ID}?done=quote_accepted"
    assert sent_json(apis, f"{CUSTOMER_CLAIM}/quote") == {"accept": True}

    deductions = paid_quote(decision="refund", offer="return_deductions", valid_until=None)
    apis.on("GET", CLAIMS, CUSTOMER_CLAIM, reply(200, claim_answer(decision=deductions)))
    assert 'id="deductions"' in client.get(f"/claims/{CLAIM_ID}").text
    apis.on("POST", CLAIMS, f"{CUSTOMER_CLAIM}/deductions", reply(200, {"accepted": False}))
    done = client.post(
        f"/claims/{CLAIM_ID}/deductions", data={"accept": "no"}, follow_redirects=False
    )
    assert done.headers["location"] == f"/claims/{CLAIM_ID}?done=goods_back"
    assert sent_json(apis, f"{CUSTOMER_CLAIM}/deductions") == {"accept": False}
    expired = "Oferta naprawy była ważna do 2026-02-01."
    apis.on("POST", CLAIMS, f"{CUSTOMER_CLAIM}/quote", refusal(409, "accept", expired))
    refused = client.post(f"/claims/{CLAIM_ID}/quote", data={"accept": "yes"})
    assert refused.status_code == 409 and expired in refused.text


def test_the_customer_sees_the_parcel_back_and_deadlines_moved_or_deemed_accepted(
    client: TestClient, apis: FakeApis
) -> None:
    standings = [
        deadline_standing(
            kind="dji_repair",
            description="Naprawa DJI w 60 dni roboczych.",
            due_on="2026-03-20",
            moved_to="2026-03-25",
            paused_working_days=3,
            state="kept",
            state_name="dotrzymany",
        ),
        deadline_standing(
            description="Odpowiedź w 14 dni.",
            state="deemed_accepted",
            state_name="reklamacja uznana za uzasadnioną (brak odpowiedzi w 14 dni)",
        ),
    ]
    claim = claim_answer(
        status="shipped_back",
        outbound={
            "carrier": "InPost",
            "tracking_number": "IP123",
            "shipped_at": "2026-03-02T09:00:00Z",
        },
        deadline_standings=standings,
    )
    apis.on("GET", CLAIMS, CUSTOMER_CLAIM, reply(200, claim))
    page = as_customer(client).get(f"/claims/{CLAIM_ID}").text
    outbound = page.split('id="outbound"')[1].split("</dd>")[0]
    assert "InPost" in outbound and "IP123" in outbound
    assert "TRK-IN-1" in page  # the customer's own parcel number stays
    deadlines = page.split('class="deadlines"')[1].split("</ul>")[0]
    assert (
        "25.03.2026" in deadlines and "20.03.2026" in deadlines and "3 dni roboczych" in deadlines
    )
    assert "uznana za uzasadnioną" in deadlines
    english = client.get(f"/claims/{CLAIM_ID}", headers={"Accept-Language": "en"})
    assert "complaint deemed accepted" in english.text


def test_an_answer_with_photos_goes_to_the_api_with_its_files(
    client: TestClient, apis: FakeApis
) -> None:
    apis.on("GET", CLAIMS, CUSTOMER_CLAIM, reply(200, claim_answer(status="awaiting_customer")))
    with_files = f"{CUSTOMER_CLAIM}/answer-with-attachments"
    apis.on("POST", CLAIMS, with_files, reply(200, {"status": "in_inspection"}))
    as_customer(client)
    assert 'name="attachments"' in client.get(f"/claims/{CLAIM_ID}").text
    done = client.post(
        f"/claims/{CLAIM_ID}/answer",
        data={"message": "Zdjęcia tabliczki w załączniku."},
        files=[
            ("attachments", ("tabliczka.png", b"\x89PNG photo", "image/png")),
            ("attachments", ("faktura.pdf", b"%PDF-1.4", "application/pdf")),
        ],
        follow_redirects=False,
    )
    assert done.headers["location"] == f"/claims/{CLAIM_ID}?done=answered"
    sent = next(r for r in apis.requests if r.url.path == with_files)
    assert sent.content.count(b'name="attachments"') == 2
    assert b"\x89PNG photo" in sent.content and b"Zdj" in sent.content

    wrong = "Plik nie jest PDF, JPEG ani PNG."
    apis.on("POST", CLAIMS, with_files, refusal(415, "attachments", wrong))
    page = client.post(
        f"/claims/{CLAIM_ID}/answer",
        data={"message": "Zdjęcie."},
        files=[("attachments", ("x.exe", b"MZ", "application/octet-stream"))],
    )
    assert field_error(page.text, "attachments") == wrong


# --- addresses ---------------------------------------------------------------------------------


def test_the_account_keeps_an_address_and_a_bad_postal_code_is_said_at_its_field(
    client: TestClient, apis: FakeApis
) -> None:
    apis.on("GET", ACCOUNTS, "/api/me", reply(200, profile(postal_address=None)))
    bad_code = "Kod pocztowy w Polsce ma postać NN-NNN, np. 44-200."
    apis.on("PUT", ACCOUNTS, "/api/me/contact", refusal(422, "postal_code", bad_code))
    as_customer(client)
    typed = {"street": "ul. Zielona 5", "postal_code": "44200", "city": "Rybnik", "phone": ""}
    page = client.post("/account/contact", data=typed)
    assert page.status_code == 422
    assert field_error(page.text, "postal_code") == bad_code
    assert 'value="44200"' in page.text and 'value="Rybnik"' in page.text
    english = refusal(422, "postal_code", "A Polish postal code looks like NN-NNN, e.g. 44-200.")
    apis.on("PUT", ACCOUNTS, "/api/me/contact", english)
    page = client.post("/account/contact", data=typed, headers={"Accept-Language": "en"})
    assert "Postal code" in page.text and "NN-NNN" in field_error(page.text, "postal_code")

    apis.on("PUT", ACCOUNTS, "/api/me/contact", reply(200, ADDRESS))
    done = client.post("/account/contact", data={**typed, "postal_code": "44-200"})
    assert done.url.path == "/account" and "Adres i telefon zostały zapisane." in done.text
    request = next(r for r in reversed(apis.requests) if r.url.path == "/api/me/contact")
    assert json.loads(request.content) == {
        "recipient": None,
        "street": "ul. Zielona 5",
        "postal_code": "44-200",
        "city": "Rybnik",
        "country": "PL",
        "phone": None,
    }


def test_the_claim_form_sends_another_return_address_only_when_chosen(
    client: TestClient, apis: FakeApis
) -> None:
    apis.on("GET", ACCOUNTS, "/api/me/products", reply(200, [account_product()]))
    apis.on("GET", ACCOUNTS, "/api/me", reply(200, PROFILE))
    apis.on("GET", CLAIMS, "/api/claim-options", reply(200, claim_options()))
    apis.on("POST", CLAIMS, "/api/claims", reply(201, claim_created()))
    as_customer(client)
    form = client.get("/claims/new").text
    assert "ul. Zielona 5, 44-200 Rybnik" in form.split('id="account-address"')[1]
    claim = {
        "action": "save",
        "product": "PA|2023/1|1",
        "problem_description": "Nie ładuje laptopa wcale.",
        "claim_type": "warranty",
        "package_contents": "Ładowarka",
        "return_recipient": "Anna Nowak",
        "return_street": "ul. Polna 1",
        "return_postal_code": "00-950",
        "return_city": "Warszawa",
    }
    attachment = {"attachment": ("paragon.pdf", b"%PDF-1.4", "application/pdf")}
    for choice, sent_address in (("account", False), ("other", True)):
        client.post("/claims/new", data={**claim, "return_choice": choice}, files=attachment)
        sent = next(r for r in reversed(apis.requests) if r.url.path == "/api/claims")
        assert (b'name="return_street"' in sent.content) is sent_address, choice

    bad_code = "Kod pocztowy w Polsce ma postać NN-NNN, np. 44-200."
    apis.on("POST", CLAIMS, "/api/claims", refusal(422, "return_postal_code", bad_code))
    page = client.post(
        "/claims/new",
        data={**claim, "return_choice": "other", "return_postal_code": "00950"},
        files=attachment,
    )
    assert page.status_code == 422
    assert field_error(page.text, "return_postal_code") == bad_code
    assert 'value="00950"' in page.text and 'value="other" checked' in page.text
