"""The panel's protection against fake APIs: CSRF, security headers, the forwarded address,
idempotency keys, 429 and non-UUID ids. The same in Chromium: tests/e2e/test_web_panel.py."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from services.web.app import build_app
from services.web.settings import WebSettings
from tests.unit.web.fakes import ACCOUNTS, CLAIM_ID, CLAIMS, PROFILE, FakeApis, reply

TOKEN = "t" * 43


@pytest.fixture
def browser(apis: FakeApis) -> Iterator[TestClient]:
    """A client with no CSRF header set up: it must take the token from the pages."""
    settings = WebSettings(live_updates=False, log_format="console")
    with TestClient(build_app(settings, transport=httpx.MockTransport(apis))) as client:
        yield client


def form_token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def test_every_page_has_the_security_headers_and_a_csrf_cookie(browser: TestClient) -> None:
    page = browser.get("/login")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "same-origin"
    cookie = page.headers["set-cookie"]
    assert cookie.startswith("rma_csrf=") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert form_token(page.text) == browser.cookies["rma_csrf"]
    assert "<script>" not in page.text and " on" + "click=" not in page.text
    # The browser keeps its token: the next page gives no new cookie.
    assert "set-cookie" not in browser.get("/register").headers


def test_a_cross_site_cancel_with_the_session_cookie_is_refused_and_changes_nothing(
    browser: TestClient, apis: FakeApis
) -> None:
    apis.on("POST", CLAIMS, f"/api/claims/{CLAIM_ID}/cancel", reply(200, {}))
    browser.cookies.set("rma_session", "jwt")
    token = form_token(browser.get("/login").text)
    attempts = [
        # Another site's form: its own Origin, no token (it cannot read ours).
        ({"Origin": "https://evil.example"}, {}),
        # Another site that somehow guessed the token: still its own Origin.
        ({"Origin": "https://evil.example"}, {"csrf_token": token}),
        # Our Origin forged into a request without the token.
        ({"Origin": "http://testserver"}, {}),
        ({"Origin": "http://testserver"}, {"csrf_token": "wrong" * 9}),
        # Neither Origin nor Referer.
        ({}, {"csrf_token": token}),
    ]
    for headers, data in attempts:
        refused = browser.post(f"/claims/{CLAIM_ID}/cancel", headers=headers, data=data)
        assert refused.status_code == 403, (headers, data)
        assert "Formularz wygasł" in refused.text
    assert apis.requests == []
    done = browser.post(
        f"/claims/{CLAIM_ID}/cancel",
        headers={"Referer": "http://testserver/claims"},
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert [r.url.path for r in apis.requests] == [f"/api/claims/{CLAIM_ID}/cancel"]


def test_a_cross_site_status_change_as_operator_is_refused(
    browser: TestClient, apis: FakeApis
) -> None:
    apis.on("POST", CLAIMS, f"/api/operator/claims/{CLAIM_ID}/status", reply(200, {}))
    browser.cookies.set("rma_operator", "jwt")
    refused = browser.post(
        f"/operator/claims/{CLAIM_ID}/status",
        headers={"Origin": "https://evil.example"},
        data={"status": "closed"},
    )
    assert refused.status_code == 403 and apis.requests == []


def test_login_forwards_the_browser_address_and_shows_a_429_with_the_wait(
    browser: TestClient, apis: FakeApis
) -> None:
    apis.on(
        "POST",
        ACCOUNTS,
        "/api/auth/login",
        lambda _r: httpx.Response(429, json={"detail": "Too many"}, headers={"Retry-After": "300"}),
    )
    token = form_token(browser.get("/login").text)
    page = browser.post(
        "/login",
        data={"email": "jan@example.com", "password": "x", "csrf_token": token},
        headers={"Origin": "http://testserver"},
    )
    assert page.status_code == 429
    assert "Zbyt wiele prób. Spróbuj ponownie za 5 min." in page.text
    assert apis.requests[0].headers["x-forwarded-for"] == "testclient"


def test_a_form_that_creates_something_sends_its_one_time_key(
    browser: TestClient, apis: FakeApis
) -> None:
    apis.on("GET", ACCOUNTS, "/api/me", reply(200, PROFILE))
    apis.on("GET", CLAIMS, "/api/claims", reply(200, []))
    apis.on("POST", ACCOUNTS, "/api/me/documents", reply(201, {"message": "Powiązano."}))
    browser.cookies.set("rma_session", "jwt")
    home = browser.get("/home").text
    key = re.search(r'name="idempotency_key" value="([^"]+)"', home)
    assert key is not None
    # The same rendered form sent twice (a double click): the same key both times.
    for _ in range(2):
        browser.post(
            "/documents",
            data={
                "document_number": "2025/1",
                "document_total": "1,00",
                "csrf_token": form_token(home),
                "idempotency_key": key.group(1),
            },
            headers={"Origin": "http://testserver"},
        )
    sent = [r for r in apis.requests if r.url.path == "/api/me/documents"]
    assert [r.headers["idempotency-key"] for r in sent] == [key.group(1)] * 2
    # A new rendering of the form is a new key.
    assert key.group(1) not in browser.get("/home").text


@pytest.mark.parametrize(
    "path", ["/claims/not-a-uuid", "/claims/123/label", "/operator/claims/%00", "/claims/x'"]
)
def test_a_claim_id_that_is_not_a_uuid_is_not_found(
    browser: TestClient, apis: FakeApis, path: str
) -> None:
    browser.cookies.set("rma_session", "jwt")
    browser.cookies.set("rma_operator", "jwt")
    page = browser.get(path)
    assert page.status_code == 404 and "Nie znaleziono" in page.text
    assert apis.requests == []


def test_production_cookies_are_secure_and_plain_http_cannot_be_claimed_there() -> None:
    assert WebSettings(environment="production").secure_cookies
    assert not WebSettings(environment="development").secure_cookies
    assert WebSettings(environment="test", plain_http=False).secure_cookies
    with pytest.raises(ValueError, match="RMA_PLAIN_HTTP"):
        WebSettings(environment="production", plain_http=True)


def drops_first(answer: httpx.Response) -> Callable[[httpx.Request], httpx.Response]:
    """An API whose kept-alive connection breaks under the first request, then answers."""
    calls: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) == 1:
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
        return answer

    return handle


def test_a_request_that_may_be_repeated_is_sent_again_when_the_connection_drops(
    client: TestClient, apis: FakeApis
) -> None:
    sent = httpx.Response(202, json={"message": "Wysłaliśmy link."})
    apis.on("POST", ACCOUNTS, "/api/auth/password-reset", drops_first(sent))
    # A POST without an idempotency key may have been handled: it is not sent again.
    lost = client.post("/password-reset", data={"email": "jan@example.com"})
    assert lost.status_code == 503 and len(apis.requests) == 1
    apis.on("GET", ACCOUNTS, "/api/me", drops_first(httpx.Response(200, json=PROFILE)))
    apis.on("GET", CLAIMS, "/api/claims", reply(200, []))
    client.cookies.set("rma_session", "jwt")
    assert "Jan Kowalski" in client.get("/home").text
    assert [r.url.path for r in apis.requests].count("/api/me") == 2  # the GET, once more
