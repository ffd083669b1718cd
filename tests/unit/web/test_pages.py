"""The web panel's pages against fake APIs (httpx.MockTransport): what reaches the APIs, what the
user sees. The real services are exercised by tests/e2e/test_web_panel.py."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from services.web import vocabulary
from tests.unit.web.fakes import (
    ACCOUNTS,
    CLAIM_ID,
    CLAIMS,
    PROFILE,
    FakeApis,
    account_product,
    claim_answer,
    claim_options,
    deadline_standing,
    operator_claim_summary,
    reply,
    serve_dashboard,
)
from tools.support.days import polish_today


def field_error(html: str, field: str) -> str:
    found = re.search(rf'id="{field}-error"[^>]*>([^<]*)<', html)
    return found.group(1) if found else ""


def test_register_shows_the_api_errors_next_to_fields_and_keeps_input(
    client: TestClient, apis: FakeApis
) -> None:
    apis.on(
        "POST",
        ACCOUNTS,
        "/api/accounts",
        reply(
            422,
            {
                "detail": "Popraw zaznaczone pola.",
                "errors": [
                    {"field": "tax_id", "code": "nip", "message": "NIP ma błędną sumę kontrolną."},
                    {"field": "email", "code": "value_error", "message": "Zły adres e-mail."},
                ],
            },
        ),
    )
    form = {
        "account_type": "company",
        "full_name": "Firma Sp. z o.o.",
        "email": "zly-adres",
        "password": "Tajne-Haslo-123",
        "password_repeat": "Tajne-Haslo-123",
        "document_number": "2025/1",
        "document_total": "1 234,56",
        "vat_country": "PL",
        "tax_id": "1234567890",
    }
    page = client.post("/register", data=form)
    assert page.status_code == 422
    assert field_error(page.text, "tax_id") == "NIP ma błędną sumę kontrolną."
    # The generic "invalid value" of an email is said more helpfully.
    assert field_error(page.text, "email").startswith("Podaj poprawny adres e-mail")
    assert 'value="Firma Sp. z o.o."' in page.text and 'value="1 234,56"' in page.text
    assert 'value="company" checked' in page.text
    assert "Tajne-Haslo-123" not in page.text  # passwords are never sent back
    sent = json.loads(apis.requests[0].content)
    assert sent["vat_country"] == "PL" and sent["account_type"] == "company"


def test_register_checks_the_repeated_password_before_calling_the_api(
    client: TestClient, apis: FakeApis
) -> None:
    page = client.post(
        "/register",
        data={"account_type": "private", "password": "abcdefgh1", "password_repeat": "inne"},
    )
    assert field_error(page.text, "password_repeat") == "Hasła nie są takie same."
    assert apis.requests == []


def test_login_keeps_the_token_in_an_httponly_lax_cookie_and_forwards_it(
    client: TestClient, apis: FakeApis
) -> None:
    apis.on("POST", ACCOUNTS, "/api/auth/login", reply(200, {"access_token": "jwt-123"}))
    apis.on("GET", ACCOUNTS, "/api/me", reply(200, PROFILE))
    apis.on("GET", CLAIMS, "/api/claims", reply(200, []))
    answer = client.post(
        "/login",
        data={"email": "jan@example.com", "password": "x", "next": "//evil.example"},
        follow_redirects=False,
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/home"
    cookie = answer.headers["set-cookie"]
    assert "rma_session=jwt-123" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    home = client.get("/home")
    assert "Witaj, Jan Kowalski" in home.text
    assert apis.requests[-1].headers["authorization"] == "Bearer jwt-123"


def test_a_wrong_password_is_shown_at_the_password_and_the_address_kept(
    client: TestClient, apis: FakeApis
) -> None:
    wrong = "Nieprawidłowy e-mail lub hasło."
    apis.on(
        "POST",
        ACCOUNTS,
        "/api/auth/login",
        reply(
            401, {"detail": wrong, "errors": [{"field": "password", "code": "x", "message": wrong}]}
        ),
    )
    page = client.post("/login", data={"email": "jan@example.com", "password": "zle-haslo"})
    assert page.status_code == 401
    assert field_error(page.text, "password") == wrong
    assert 'value="jan@example.com"' in page.text and "zle-haslo" not in page.text


def test_an_expired_token_sends_the_user_to_login(client: TestClient, apis: FakeApis) -> None:
    apis.on("GET", ACCOUNTS, "/api/me", reply(401, {"detail": "Zaloguj się."}))
    apis.on("GET", CLAIMS, "/api/claims", reply(401, {"detail": "Zaloguj się."}))
    client.cookies.set("rma_session", "old")
    answer = client.get("/home", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/login?done=expired")


def test_claim_errors_of_document_fields_show_at_the_product(
    client: TestClient, apis: FakeApis
) -> None:
    product = account_product(
        document_number="2025/1",
        issued_on="2025-01-01",
        ean="6941565967251",
        sku="DJI-MINI4",
        name="DJI Mini 4 Pro",
        brand="DJI",
        category="Drony",
        serial_numbers=["SN1"],
    )
    apis.on("GET", ACCOUNTS, "/api/me/products", reply(200, [product]))
    apis.on("GET", ACCOUNTS, "/api/me", reply(200, PROFILE))
    apis.on(
        "GET",
        CLAIMS,
        "/api/claim-options",
        reply(200, claim_options(problems=["Nie lata"])),
    )
    apis.on(
        "POST",
        CLAIMS,
        "/api/claims",
        reply(
            422,
            {
                "detail": "x",
                "errors": [
                    {"field": "line_no", "code": "c", "message": "Ten produkt nie jest Twój."},
                    {"field": "problem_code", "code": "c", "message": "Wybierz problem."},
                ],
            },
        ),
    )
    client.cookies.set("rma_session", "jwt")
    page = client.post(
        "/claims/new",
        data={
            "action": "save",
            "product": "PA|2025/1|1",
            "problem_description": "Nie działa wcale od wczoraj.",
            "claim_type": "dji",
            "package_contents": "Dron",
        },
        files={"attachment": ("paragon.pdf", b"%PDF-1.4", "application/pdf")},
    )
    assert page.status_code == 422
    assert field_error(page.text, "product") == "Ten produkt nie jest Twój."
    assert field_error(page.text, "problem_code") == "Wybierz problem."
    assert '<option value="Nie lata"' in page.text  # the product's problem list
    assert "Nie działa wcale od wczoraj." in page.text
    sent = next(r for r in apis.requests if r.url.path == "/api/claims")
    assert b'name="document_number"' in sent.content and b"%PDF-1.4" in sent.content


def test_the_claim_form_offers_only_the_claim_types_the_product_allows(
    client: TestClient, apis: FakeApis
) -> None:
    product = account_product(
        document_type="FS",
        document_number="2025/7",
        issued_on="2025-01-01",
        line_no=2,
        ean="5901234123464",
        sku="KAABO-MANTIS",
        name="Hulajnoga Kaabo Mantis",
        brand="Kaabo",
        category="Hulajnogi",
    )
    apis.on("GET", ACCOUNTS, "/api/me/products", reply(200, [product]))
    apis.on("GET", ACCOUNTS, "/api/me", reply(200, PROFILE))
    refused = "Zgłoszenia typu DJI służą wyłącznie do produktów marki DJI."
    options_answer = claim_options(
        claim_types=[
            {"claim_type": "warranty", "allowed": True, "reason": None},
            {"claim_type": "dji", "allowed": False, "reason": refused},
        ]
    )
    not_linked = {"detail": "Ten produkt nie znajduje się na dokumencie powiązanym z kontem."}
    apis.on(
        "GET",
        CLAIMS,
        "/api/claim-options",
        # As the claims API: options only for a product of the customer's linked documents.
        lambda request: (
            httpx.Response(200, json=options_answer)
            if request.url.params.get("document_number") == "2025/7"
            else httpx.Response(422, json=not_linked)
        ),
    )
    client.cookies.set("rma_session", "jwt")
    page = client.get("/claims/new")
    assert page.status_code == 200
    assert '<option value="warranty"' in page.text
    assert '<option value="dji"' not in page.text
    assert refused in page.text  # why the type is missing, next to the list
    asked = next(r for r in apis.requests if r.url.path == "/api/claim-options")
    assert dict(asked.url.params) == {
        "document_type": "FS",
        "document_number": "2025/7",
        "line_no": "2",
    }
    assert asked.headers["Authorization"] == "Bearer jwt"

    options = client.get("/claims/options", params={"product": "FS|2025/7|2"}).json()
    assert [c["value"] for c in options["claim_types"] if c["allowed"]] == ["warranty"]
    assert options["problems"] == [] and options["asks_seal"] is False
    assert 'id="seal-field" hidden' in page.text
    # Sealed goods: the claims service asks about the seal, the form shows the question.
    options_answer["asks_seal"] = True
    sealed = client.get("/claims/new")
    assert 'id="seal-field" hidden' not in sealed.text and 'name="seal_intact"' in sealed.text
    assert client.get("/claims/options", params={"product": "FS|2025/7|2"}).json()["asks_seal"]
    unknown = client.get("/claims/options", params={"product": "PA|nie-moj|1"}).json()
    assert len(unknown["claim_types"]) == 4  # no product chosen: every type, saving checks
    # A 4th return in 12 months: the administrative fee is told before the return is filed.
    assert 'id="return-fee" hidden' in sealed.text
    assert options["return_fee_text"] == ""
    options_answer["return_fee"] = "129.90"
    fee = "należy się za niego opłata administracyjna 129,90\xa0zł (10% ceny)"
    charged = client.get("/claims/new")
    assert 'id="return-fee" hidden' not in charged.text and fee in charged.text
    told = client.get("/claims/options", params={"product": "FS|2025/7|2"}).json()
    assert fee in told["return_fee_text"]


def test_the_serial_check_without_javascript_keeps_the_form(
    client: TestClient, apis: FakeApis
) -> None:
    product = account_product(
        document_number="2025/1",
        issued_on="2025-01-01",
        ean="5901234123457",
        sku="SLUCHAWKI-1",
        name="Słuchawki",
        brand="Inna",
        category="Audio",
    )
    apis.on("GET", ACCOUNTS, "/api/me/products", reply(200, [product]))
    apis.on("GET", ACCOUNTS, "/api/me", reply(200, PROFILE))
    apis.on("GET", CLAIMS, "/api/claim-options", reply(503, {"detail": "Chwilowo niedostępne."}))
    apis.on(
        "GET",
        CLAIMS,
        "/api/serial-check",
        reply(200, {"serial_number": "SN1", "known": True, "message": "Numer jest w bazie."}),
    )
    client.cookies.set("rma_session", "jwt")
    page = client.post("/claims/new", data={"action": "check_serial", "serial_number": "sn1"})
    assert page.status_code == 200
    assert "Numer jest w bazie." in page.text
    assert 'value="sn1"' in page.text


def listed_claim(number: str, status: str, due: date | None) -> dict[str, Any]:
    """An item of the operator's claim list, with its deadlines and how the claims API judges
    them: an open claim's complaint past its day is unanswered (overdue); an ended one's kept."""
    ended = status in vocabulary.SETTLED_STATUSES
    late = due is not None and due < polish_today()
    state = "kept" if ended else ("deemed_accepted" if late else "running")
    due_on = due.isoformat() if due else None
    standing = deadline_standing(
        due_on=due_on, state=state if due else "waiting_for_receipt", overdue=late and not ended
    )
    return operator_claim_summary(
        claim_id=f"00000000-0000-4000-8000-{int(number):012d}",
        rma_number=f"RMA/{number}/SR/2026",
        status=status,
        status_name=status,
        product={"name": "Produkt " + number},
        deadlines=[{"kind": "complaint_answer", "due_on": due_on}],
        deadline_standings=[standing],
    )


def shown_counts(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-status="(\w+)"><a[^>]*><span class="number">(\d+)', html))


def group_section(html: str, status: str) -> str:
    return html.split(f'id="group-{status}"')[1].split("</section>")[0]


def test_dashboard_puts_deadlines_at_risk_first(client: TestClient, apis: FakeApis) -> None:
    today = polish_today()
    claims = [
        listed_claim("1", "received", today + timedelta(days=10)),
        listed_claim("2", "in_inspection", today + timedelta(days=1)),
        listed_claim("3", "submitted", today - timedelta(days=2)),
        # Ended: its deadline no longer runs, however overdue the date.
        listed_claim("4", "closed", today - timedelta(days=5)),
    ]
    counts = dict.fromkeys(vocabulary.STATUS_ORDER, 0) | {
        "submitted": 1,
        "received": 1,
        "in_inspection": 1,
        "closed": 120,
    }
    serve_dashboard(apis, claims, counts)
    client.cookies.set("rma_operator", "jwt")
    page = client.get("/operator")
    assert page.status_code == 200
    at_risk = page.text.split('id="at-risk"')[1].split('id="parcels"')[0]
    assert at_risk.index("RMA/3/SR/2026") < at_risk.index("RMA/2/SR/2026")
    assert "RMA/1/SR/2026" not in at_risk and "RMA/4/SR/2026" not in at_risk
    # The numbers are those of all claims (the counts endpoint), not of the claims listed.
    shown = shown_counts(page.text)
    assert shown["received"] == "1" and shown["closed"] == "120" and shown["cancelled"] == "0"
    # Two list calls (open claims, the newest ended ones), the charts' figures, no call per claim.
    to_claims = [r for r in apis.requests if r.url.port == CLAIMS]
    assert sorted(r.url.path for r in to_claims) == [
        "/api/operator/claims",
        "/api/operator/claims",
        "/api/operator/claims/counts",
        "/api/operator/claims/statistics",
        "/api/operator/parcels/unidentified",
    ]
    lists = {
        (
            tuple(r.url.params.get_list("status")),
            r.url.params["limit"],
            r.url.params["oldest_first"],
        )
        for r in to_claims
        if r.url.path == "/api/operator/claims"
    }
    # Open claims waiting longest first (their deadlines come first), the newest ended ones.
    assert lists == {
        (
            (
                "submitted",
                "received",
                "in_inspection",
                "awaiting_customer",
                "decided",
                "in_repair",
                "at_manufacturer",
            ),
            "500",
            "true",
        ),
        (("shipped_back", "refunded", "closed", "cancelled"), "50", "false"),
    }


def test_dashboard_says_when_a_group_lists_fewer_claims_than_it_has(
    client: TestClient, apis: FakeApis
) -> None:
    today = polish_today()
    claims = [
        listed_claim("1", "submitted", today + timedelta(days=10)),
        listed_claim("2", "received", today + timedelta(days=10)),
        listed_claim("3", "received", today + timedelta(days=12)),
        listed_claim("4", "closed", None),
    ]
    counts = dict.fromkeys(vocabulary.STATUS_ORDER, 0) | {
        "submitted": 1,
        "received": 3,
        "closed": 75,
        "cancelled": 4,
    }
    serve_dashboard(apis, claims, counts)
    client.cookies.set("rma_operator", "jwt")
    page = client.get("/operator")
    assert page.status_code == 200
    assert "Pokazano 2 najdłużej czekających z 3." in group_section(page.text, "received")
    assert "Pokazano 1 najnowszych z 75." in group_section(page.text, "closed")
    # None of the cancelled ones is among the newest ended claims: the group still says so.
    assert "Pokazano 0 najnowszych z 4." in group_section(page.text, "cancelled")
    assert "Pokazano" not in group_section(page.text, "submitted")
    assert 'id="group-in_inspection"' not in page.text
    assert "Nie ma jeszcze żadnych zgłoszeń." not in page.text


def test_dashboard_without_claims_says_so(client: TestClient, apis: FakeApis) -> None:
    serve_dashboard(apis, [], dict.fromkeys(vocabulary.STATUS_ORDER, 0))
    client.cookies.set("rma_operator", "jwt")
    page = client.get("/operator")
    assert "Nie ma jeszcze żadnych zgłoszeń." in page.text
    assert set(shown_counts(page.text).values()) == {"0"}


def test_event_stream_refuses_without_an_operator_login(client: TestClient) -> None:
    assert client.get("/operator/events").status_code == 401
    assert client.get("/operator/fragment").status_code == 401


def drone_claim(**overrides: Any) -> dict[str, Any]:
    """The customer's claim of a drone that does not fly, sent without a parcel number yet."""
    return claim_answer(
        **{
            "product": {"name": "DJI Mini 4 Pro", "brand": "DJI", "ean": "6941565967251"},
            "problem_description": "Nie lata.",
            "package_contents": "Dron",
            "tracking_number": None,
            **overrides,
        }
    )


def test_the_customer_answers_a_request_for_information(client: TestClient, apis: FakeApis) -> None:
    claim = drone_claim(
        status="awaiting_customer",
        status_name="czeka na klienta",
        document_number="2025/1",
        timeline=[
            {
                "status": "awaiting_customer",
                "actor": "operator",
                "note": "Prześlij zdjęcie tabliczki znamionowej.",
                "at": "2026-01-02T10:00:00Z",
            }
        ],
    )
    apis.on("GET", CLAIMS, f"/api/claims/{CLAIM_ID}", reply(200, claim))
    apis.on(
        "POST",
        CLAIMS,
        f"/api/claims/{CLAIM_ID}/answer",
        reply(
            422,
            {"detail": "x", "errors": [{"field": "message", "code": "c", "message": "Za krótko."}]},
        ),
    )
    client.cookies.set("rma_session", "jwt")
    shown = client.get(f"/claims/{CLAIM_ID}")
    assert "Prześlij zdjęcie tabliczki znamionowej." in shown.text
    page = client.post(f"/claims/{CLAIM_ID}/answer", data={"message": "x"})
    assert page.status_code == 422
    assert field_error(page.text, "message") == "Za krótko."
    assert ">x</textarea>" in page.text


def test_lost_password_form_keeps_the_address_and_shows_the_api_answer(
    client: TestClient, apis: FakeApis
) -> None:
    apis.on(
        "POST",
        ACCOUNTS,
        "/api/auth/password-reset",
        lambda request: (
            httpx.Response(202, json={"message": "Jeśli konto istnieje, wysłaliśmy link."})
            if "@" in json.loads(request.content)["email"]
            else httpx.Response(
                422,
                json={
                    "detail": "x",
                    "errors": [{"field": "email", "code": "value_error", "message": "Zły."}],
                },
            )
        ),
    )
    wrong = client.post("/password-reset", data={"email": " jan-bez-malpy "})
    assert wrong.status_code == 422
    assert field_error(wrong.text, "email").startswith("Podaj poprawny adres e-mail")
    assert 'value="jan-bez-malpy"' in wrong.text
    sent = client.post("/password-reset", data={"email": "jan@example.com"})
    assert sent.status_code == 200
    assert "Jeśli konto istnieje, wysłaliśmy link." in sent.text
    assert json.loads(apis.requests[-1].content) == {"email": "jan@example.com"}


def test_activation_link_is_sent_again_from_its_own_form(
    client: TestClient, apis: FakeApis
) -> None:
    apis.on(
        "POST",
        ACCOUNTS,
        "/api/accounts/activation/resend",
        reply(202, {"message": "Jeśli konto czeka na aktywację, wysłaliśmy nowy link."}),
    )
    page = client.post("/activation/resend", data={"email": "jan@example.com"})
    assert "wysłaliśmy nowy link" in page.text
    assert apis.requests[-1].url.path == "/api/accounts/activation/resend"
    assert "/activation/resend" in client.get("/login").text  # reachable from the login page


def test_new_password_checks_the_repeat_then_spends_the_token(
    client: TestClient, apis: FakeApis
) -> None:
    assert (
        'name="token" value="tok-123456789"'
        in client.get("/reset-password", params={"token": "tok-123456789"}).text
    )
    mismatch = client.post(
        "/reset-password",
        data={
            "token": "tok-123456789",
            "new_password": "Nowe-Haslo-1",
            "new_password_repeat": "Inne-Haslo-1",
        },
    )
    assert mismatch.status_code == 422
    assert field_error(mismatch.text, "new_password_repeat") == "Hasła nie są takie same."
    assert apis.requests == [] and "Nowe-Haslo-1" not in mismatch.text

    used = "Link do zmiany hasła jest nieprawidłowy, wygasł lub został już użyty. Poproś o nowy."
    apis.on(
        "POST",
        ACCOUNTS,
        "/api/auth/password-reset/confirm",
        lambda request: (
            httpx.Response(200, json={"message": "Hasło zostało zmienione."})
            if json.loads(request.content)["token"] == "tok-123456789"
            else httpx.Response(
                400,
                json={"detail": used, "errors": [{"field": "token", "code": "x", "message": used}]},
            )
        ),
    )
    form = {"new_password": "Nowe-Haslo-1", "new_password_repeat": "Nowe-Haslo-1"}
    spent = client.post("/reset-password", data={"token": "tok-spent-0000", **form})
    assert spent.status_code == 422 and used in spent.text
    assert 'href="/password-reset"' in spent.text  # a way to ask for a new link
    done = client.post(
        "/reset-password", data={"token": "tok-123456789", **form}, follow_redirects=False
    )
    assert (done.status_code, done.headers["location"]) == (303, "/login?done=password_changed")
    assert json.loads(apis.requests[-1].content) == {
        "token": "tok-123456789",
        "new_password": "Nowe-Haslo-1",
    }
    assert "Hasło zostało zmienione" in client.get("/login?done=password_changed").text


def test_email_change_shows_a_wrong_password_at_its_field_and_keeps_the_new_address(
    client: TestClient, apis: FakeApis
) -> None:
    apis.on("GET", ACCOUNTS, "/api/me", reply(200, PROFILE))
    wrong = "Hasło jest nieprawidłowe."
    apis.on(
        "POST",
        ACCOUNTS,
        "/api/me/email",
        lambda request: (
            httpx.Response(202, json={"message": "Wysłaliśmy link na nowy adres."})
            if json.loads(request.content)["password"] == "Tajne-Haslo-123"
            else httpx.Response(
                403,
                json={
                    "detail": wrong,
                    "errors": [{"field": "password", "code": "x", "message": wrong}],
                },
            )
        ),
    )
    client.cookies.set("rma_session", "jwt")
    assert "jan@example.com" in client.get("/account").text
    refused = client.post(
        "/account/email", data={"new_email": "nowy@example.com", "password": "zle"}
    )
    assert refused.status_code == 422
    assert field_error(refused.text, "password") == wrong
    assert 'value="nowy@example.com"' in refused.text
    accepted = client.post(
        "/account/email", data={"new_email": "nowy@example.com", "password": "Tajne-Haslo-123"}
    )
    assert accepted.status_code == 200 and "Wysłaliśmy link na nowy adres." in accepted.text
    assert "Tajne-Haslo-123" not in accepted.text
    assert apis.requests[-2].headers["authorization"] == "Bearer jwt"


def test_the_emailed_confirmation_changes_the_address_on_the_button_only(
    client: TestClient, apis: FakeApis
) -> None:
    apis.on("POST", ACCOUNTS, "/api/me/email/confirm", reply(200, {"message": "Adres zmieniony."}))
    opened = client.get("/confirm-email", params={"token": "tok-abcdefghij"})
    assert 'value="tok-abcdefghij"' in opened.text and apis.requests == []
    done = client.post("/confirm-email", data={"token": "tok-abcdefghij"}, follow_redirects=False)
    assert (done.status_code, done.headers["location"]) == (303, "/login?done=email_changed")
    assert json.loads(apis.requests[-1].content) == {"token": "tok-abcdefghij"}


def test_a_claim_is_cancelled_from_its_page_and_a_refusal_is_shown(
    client: TestClient, apis: FakeApis
) -> None:
    claim = drone_claim(status="received", status_name="przyjęte", document_number="2026/1")
    late = "Zgłoszenia nie można już anulować: serwis odebrał przesyłkę."
    apis.on("GET", CLAIMS, f"/api/claims/{CLAIM_ID}", reply(200, claim))
    apis.on(
        "POST",
        CLAIMS,
        f"/api/claims/{CLAIM_ID}/cancel",
        reply(409, {"detail": late, "errors": [{"field": None, "code": "x", "message": late}]}),
    )
    client.cookies.set("rma_session", "jwt")
    refused = client.post(f"/claims/{CLAIM_ID}/cancel")
    assert refused.status_code == 409 and late in refused.text
    apis.on("POST", CLAIMS, f"/api/claims/{CLAIM_ID}/cancel", reply(200, {"status": "cancelled"}))
    done = client.post(f"/claims/{CLAIM_ID}/cancel", follow_redirects=False)
    assert done.headers["location"] == f"/claims/{CLAIM_ID}?done=cancelled"
    shown = client.get(f"/claims/{CLAIM_ID}?done=cancelled").text
    assert "Zgłoszenie zostało anulowane." in shown
    assert 'id="cancel-claim"' not in shown  # only a claim awaiting its parcel can be cancelled


def test_dashboard_draws_the_counts_and_exports_its_tables_as_csv(
    client: TestClient, apis: FakeApis
) -> None:
    today = polish_today()
    claims = [
        listed_claim("1", "received", today + timedelta(days=1)),
        listed_claim("2", "submitted", today + timedelta(days=20)),
    ]
    claims[0]["product"]["name"] = '=HYPERLINK("http://evil")'
    counts = dict.fromkeys(vocabulary.STATUS_ORDER, 0) | {"received": 4, "submitted": 2}
    serve_dashboard(apis, claims, counts)
    client.cookies.set("rma_operator", "jwt")
    page = client.get("/operator").text
    chart = page.split('id="status-chart"')[1].split("</svg>")[0]
    widths = dict(
        re.findall(
            r'data-status="(\w+)">\s*<text[^>]*>[^<]*</text>\s*<rect[^>]*width="(\d+)"', chart
        )
    )
    # The largest count fills the bar; the others are in proportion.
    assert int(widths["received"]) == 2 * int(widths["submitted"]) and widths["closed"] == "0"
    exported = client.get("/operator/export/at-risk.csv")
    assert exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    lines = exported.text.splitlines()
    assert lines[0].startswith("Numer RMA,Status,Typ,Produkt")
    assert len(lines) == 2 and lines[1].startswith("RMA/1/SR/2026,przesyłka przyjęta")
    assert "'=HYPERLINK" in lines[1]  # a spreadsheet does not run it as a formula
    english = client.get("/operator/export/claims.csv", headers={"Accept-Language": "en"})
    assert english.text.startswith("RMA number,Status,Type,Product")
    assert len(english.text.splitlines()) == 3
    assert client.get("/operator/export/passwords.csv").status_code == 404


@pytest.mark.parametrize(
    ("page", "cookie", "login_page"),
    [
        ("/logout", "rma_session", "/login"),
        ("/operator/logout", "rma_operator", "/operator/login"),
        ("/scanner/logout", "rma_scanner", "/scanner/login"),
    ],
)
def test_logging_out_revokes_the_token_at_accounts_and_removes_the_cookie(
    client: TestClient, apis: FakeApis, page: str, cookie: str, login_page: str
) -> None:
    for answer in (httpx.Response(204), httpx.Response(401, json={"detail": "Sesja wygasła."})):
        apis.on("POST", ACCOUNTS, "/api/auth/logout", lambda _request, answer=answer: answer)
        client.cookies.set(cookie, "jwt-of-the-session")
        response = client.post(page, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == f"{login_page}?done=logged_out"
        assert f'{cookie}=""' in response.headers["set-cookie"]
        revoked = apis.requests[-1]
        assert (revoked.method, revoked.url.path) == ("POST", "/api/auth/logout")
        assert revoked.headers["authorization"] == "Bearer jwt-of-the-session"


@pytest.mark.parametrize(
    ("status", "allowed", "shown", "hidden"),
    [
        # The status alone no longer decides: the claims service's answer does.
        ("submitted", [], [], ['id="cancel-claim"', 'id="label-link"']),
        ("submitted", ["send_parcel"], ['id="label-link"'], ['id="cancel-claim"']),
        ("awaiting_customer", [], [], ['id="answer"']),
        ("in_inspection", ["answer"], ['id="answer"'], ['id="cancel-claim"']),
    ],
)
def test_the_claim_page_offers_the_forms_the_claims_service_allows(
    client: TestClient,
    apis: FakeApis,
    status: str,
    allowed: list[str],
    shown: list[str],
    hidden: list[str],
) -> None:
    """Issue 26: which forms the customer gets is the claims domain's rule (customer_actions);
    the page only shows them."""
    claim = drone_claim(status=status, customer_actions=allowed)
    apis.on("GET", CLAIMS, f"/api/claims/{CLAIM_ID}", reply(200, claim))
    client.cookies.set("rma_session", "jwt")
    page = client.get(f"/claims/{CLAIM_ID}").text
    assert [marker for marker in shown if marker in page] == shown
    assert [marker for marker in hidden if marker in page] == []
