"""Accounts against the real Kafka and PostgreSQL, over HTTP: the wiring of registration,
activation, login, linked documents and credentials, and the events each fact publishes exactly
once. The rules themselves (each refusal, each limit) are tested on the in-memory unit of work in
tests/unit/accounts; tests/integration/test_accounts_store.py holds its SQL to the same contract."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from services.accounts import admin
from services.accounts.bootstrap import build_app
from services.accounts.settings import AccountsSettings
from shared import topics
from shared.auth import Principal, issue_token, verify_token
from shared.events import Buyer, SaleRecorded
from shared.keys import ensure_dev_keys
from shared.sealing import unseal
from tests.support.accounts_contract import sale
from tests.support.accounts_service import PASSWORD, registration_form
from tests.support.inprocess import running_app
from tools.support.kafka import TopicProbe, publish
from tools.support.stack import Stack

pytestmark = pytest.mark.integration


class Accounts:
    """The accounts service in this process, and what a test needs around it."""

    def __init__(
        self, stack: Stack, client: httpx.AsyncClient, database_url: str, app_state: Any = None
    ) -> None:
        self.stack = stack
        self.app_state = app_state
        self.client = client
        self.database_url = database_url

    async def sale(
        self,
        total: str = "4299.00",
        buyer: Buyer | None = None,
        document_type: str = "PA",
    ) -> str:
        number = f"2025/{uuid.uuid4().hex[:8].upper()}"
        buyer_fields = (buyer or Buyer(type="consumer")).model_dump()
        event = SaleRecorded(
            producer="erp",
            key=f"{document_type}/{number}",
            data=sale(number, total, document_type, **buyer_fields),
        )
        await publish(self.stack.kafka_bootstrap, event)
        await self.wait_for_ledger(document_type, number)
        return number

    async def wait_for_ledger(self, document_type: str, number: str) -> None:
        conn = await asyncpg.connect(self.database_url)
        try:
            for _ in range(150):
                if await conn.fetchval(
                    "SELECT 1 FROM sales_documents"
                    " WHERE document_type = $1 AND document_number = $2",
                    document_type,
                    number,
                ):
                    return
                await asyncio.sleep(0.2)
        finally:
            await conn.close()
        raise AssertionError(f"{number} never reached the ledger")

    async def register(self, number: str, email: str, **more: Any) -> httpx.Response:
        body = registration_form(number, email, **more)
        return await self.client.post("/api/accounts", json=body)

    async def sql(self, query: str, *args: Any) -> Any:
        conn = await asyncpg.connect(self.database_url)
        try:
            return await conn.fetchval(query, *args)
        finally:
            await conn.close()


@pytest.fixture(scope="module")
async def accounts(stack: Stack) -> AsyncIterator[Accounts]:
    from tests.conftest import create_database, drop_database

    url = await create_database(stack, "rma_test_accounts")
    keys = stack.keys_dir
    settings = AccountsSettings(
        kafka_bootstrap_servers=stack.kafka_bootstrap,
        database_url=url,
        # Its own group: other copies of the service may run in the same test session.
        consumer_group=f"test-accounts-{uuid.uuid4().hex[:8]}",
        token_public_key_file=keys / "token_public.pem",
        token_private_key_file=keys / "token_private.pem",
        seal_public_key_file=keys / "seal_public.pem",
        public_base_url="http://panel.test",
    )
    app = build_app(settings)
    async with running_app(app) as client:
        yield Accounts(stack, client, url, app.state)
    await drop_database(stack, url)


def email() -> str:
    return f"klient.{uuid.uuid4().hex[:10]}@example.com"


def of_account(event_type: str, address: str) -> Callable[[dict[str, Any], Any], bool]:
    return lambda body, _: (
        body["type"] == event_type
        and (body["data"].get("email") == address or body["data"].get("new_email") == address)
    )


async def activation_link(stack: Stack, probe: TopicProbe, address: str, event_type: str) -> str:
    [event] = await probe.wait_for(of_account(event_type, address))
    sealed = event["data"]["activation_link_sealed"]
    return unseal((stack.keys_dir / "seal_private.pem").read_bytes(), sealed)


def token_of(link: str) -> str:
    return link.split("token=", 1)[1]


async def test_registration_publishes_each_fact_once_with_ids_and_no_secret(
    accounts: Accounts, stack: Stack
) -> None:
    number, address = await accounts.sale(), email()
    async with TopicProbe(stack.kafka_bootstrap, topics.ACCOUNTS) as probe:
        response = await accounts.register(f"FS {number}", address)
        assert response.status_code == 202, response.text
        assert response.json()["notices"] == [
            "Usunęliśmy przedrostek FS: numer dokumentu podaje się bez niego."
        ]
        [registered] = await probe.wait_for(of_account("AccountRegistered", address))
        [linked] = await probe.wait_for(of_account("DocumentLinked", address))
        await probe.settle(1.5)
    assert len([r for r in probe.records if address.encode() in r.value]) == 2
    assert linked["data"]["document_number"] == number and linked["data"]["at_registration"]
    assert registered["key"] == registered["data"]["account_id"] == linked["key"]
    assert registered["correlation_id"] == linked["correlation_id"]
    raw = next(
        r for r in probe.records if json.loads(r.value)["event_id"] == registered["event_id"]
    )
    assert dict(raw.headers)["event_id"].decode() == registered["event_id"]
    assert PASSWORD not in raw.value.decode() and "token=" not in raw.value.decode()
    link = unseal(
        (stack.keys_dir / "seal_private.pem").read_bytes(),
        registered["data"]["activation_link_sealed"],
    )
    assert link.startswith("http://panel.test/activate?token=")
    stored = await accounts.sql("SELECT password_hash FROM accounts WHERE email = $1", address)
    assert stored.startswith("$argon2") and PASSWORD not in stored


async def test_activation_login_and_single_use_links(accounts: Accounts, stack: Stack) -> None:
    address, number = email(), await accounts.sale()
    login = {"email": address, "password": PASSWORD}
    async with TopicProbe(stack.kafka_bootstrap, topics.ACCOUNTS) as probe:
        await accounts.register(number, address)
        first_link = await activation_link(stack, probe, address, "AccountRegistered")

        before = await accounts.client.post("/api/auth/login", json=login)
        assert (
            before.status_code == 403 and before.json()["errors"][0]["code"] == "account_not_active"
        )

        resent = await accounts.client.post(
            "/api/accounts/activation/resend", json={"email": address}
        )
        assert resent.status_code == 202
        second_link = await activation_link(stack, probe, address, "AccountActivationLinkIssued")

        superseded = await accounts.client.post(
            "/api/accounts/activation", json={"token": token_of(first_link)}
        )
        assert superseded.status_code == 400
        assert superseded.json()["errors"][0]["code"] == "activation_link_invalid"

        # The link opens the web panel's page; accounts serves none, and nothing changed yet.
        page = await accounts.client.get(second_link.removeprefix("http://panel.test"))
        assert page.status_code == 404
        assert (
            await accounts.sql("SELECT activated_at FROM accounts WHERE email = $1", address)
            is None
        )
        done = await accounts.client.post(
            "/api/accounts/activation", json={"token": token_of(second_link)}
        )
        assert done.status_code == 200
        reused = await accounts.client.post(
            "/api/accounts/activation", json={"token": token_of(second_link)}
        )
        assert reused.status_code == 400

        await probe.wait_for(of_account("AccountActivated", address))
        await probe.settle(1.0)
    activated = [
        r for r in probe.records if b"AccountActivated" in r.value and address.encode() in r.value
    ]
    assert len(activated) == 1

    token = (await accounts.client.post("/api/auth/login", json=login)).json()["access_token"]
    me = await accounts.client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["email"] == address
    assert me.json()["documents"][0]["products"][0]["serial_numbers"] == ["1581F0000001"]


async def active_customer(accounts: Accounts, stack: Stack) -> tuple[str, dict[str, str]]:
    address = email()
    async with TopicProbe(stack.kafka_bootstrap, topics.ACCOUNTS) as probe:
        await accounts.register(await accounts.sale(), address)
        link = await activation_link(stack, probe, address, "AccountRegistered")
    await accounts.client.post("/api/accounts/activation", json={"token": token_of(link)})
    response = await accounts.client.post(
        "/api/auth/login", json={"email": address, "password": PASSWORD}
    )
    return address, {"Authorization": f"Bearer {response.json()['access_token']}"}


async def test_linking_more_documents_and_listing_claimable_products(
    accounts: Accounts, stack: Stack
) -> None:
    address, bearer = await active_customer(accounts, stack)
    number = await accounts.sale(total="59.00")
    async with TopicProbe(stack.kafka_bootstrap, topics.ACCOUNTS) as probe:
        linked = await accounts.client.post(
            "/api/me/documents",
            json={"document_number": f"PA{number}", "document_total": "59"},
            headers=bearer,
        )
        assert linked.status_code == 201, linked.text
        assert linked.json()["notices"]
        [event] = await probe.wait_for(of_account("DocumentLinked", address))
    assert event["data"]["document_number"] == number and not event["data"]["at_registration"]
    again = await accounts.client.post(
        "/api/me/documents",
        json={"document_number": number, "document_total": "59"},
        headers=bearer,
    )
    assert again.status_code == 409
    products = (await accounts.client.get("/api/me/products", headers=bearer)).json()
    assert {p["document_number"] for p in products} >= {number}
    assert all(p["ean"] == "5901234123457" for p in products)


async def test_postal_address_and_phone_on_the_account(accounts: Accounts, stack: Stack) -> None:
    address, bearer = await active_customer(accounts, stack)
    contact = {
        "street": "ul. Rudzka 65C",
        "postal_code": "44-200",
        "city": "Rybnik",
        "phone": "+48 600 100 200",
    }
    bad = await accounts.client.put(
        "/api/me/contact", json={**contact, "postal_code": "44200"}, headers=bearer
    )
    assert (bad.status_code, bad.json()["errors"][0]["field"]) == (422, "postal_code")
    assert "NN-NNN" in bad.json()["detail"]
    bad_country = await accounts.client.put(
        "/api/me/contact", json={**contact, "country": "P1"}, headers=bearer
    )
    assert bad_country.json()["errors"][0]["field"] == "country"
    assert (await accounts.client.get("/api/me", headers=bearer)).json()["postal_address"] is None
    async with TopicProbe(stack.kafka_bootstrap, topics.ACCOUNTS) as probe:
        kept = await accounts.client.put("/api/me/contact", json=contact, headers=bearer)
        assert kept.status_code == 200, kept.text
        [event] = await probe.wait_for(of_account("AccountContactChanged", address))
    assert event["data"]["address"]["recipient"] == "Jan Kowalski"  # the account's own name
    assert event["data"]["phone"] == "+48600100200"
    profile = (await accounts.client.get("/api/me", headers=bearer)).json()
    assert profile["phone"] == "+48600100200"
    assert profile["postal_address"]["postal_code"] == "44-200"
    abroad = await accounts.client.put(
        "/api/me/contact",
        json={**contact, "postal_code": "10115", "city": "Berlin", "country": "de"},
        headers=bearer,
    )
    assert abroad.status_code == 200 and abroad.json()["country"] == "DE"


async def test_tokens_from_another_key_or_role_are_refused(
    accounts: Accounts, stack: Stack, tmp_path: Path
) -> None:
    ensure_dev_keys(tmp_path)
    forged = issue_token(
        (tmp_path / "token_private.pem").read_bytes(),
        Principal(subject=uuid.uuid4(), role="customer"),
    )
    response = await accounts.client.get("/api/me", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401

    device = f"skaner-{uuid.uuid4().hex[:6]}"
    api_key = await admin.create_scanner(
        AccountsSettings(database_url=accounts.database_url), device
    )
    scanner = await accounts.client.post("/api/auth/scanner-token", json={"api_key": api_key})
    assert scanner.status_code == 200
    token = scanner.json()["access_token"]
    # The device's name travels in the token, for the records people read.
    verified = verify_token((stack.keys_dir / "token_public.pem").read_bytes(), token)
    assert (verified.role, verified.name) == ("scanner", device)
    refused = await accounts.client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 403
    wrong = await accounts.client.post(
        "/api/auth/scanner-token", json={"api_key": "scn_" + "x" * 20}
    )
    assert wrong.status_code == 401


async def test_operator_login(accounts: Accounts) -> None:
    address = f"operator.{uuid.uuid4().hex[:6]}@innpro.example"
    settings = AccountsSettings(database_url=accounts.database_url)
    await admin.create_operator(settings, address, "Ola Operator", "Operator-Haslo-2026")
    ok = await accounts.client.post(
        "/api/auth/operator-login", json={"email": address, "password": "Operator-Haslo-2026"}
    )
    assert ok.status_code == 200
    customer_login = await accounts.client.post(
        "/api/auth/login", json={"email": address, "password": "Operator-Haslo-2026"}
    )
    assert customer_login.status_code == 401


async def test_password_reset_and_email_change(accounts: Accounts, stack: Stack) -> None:
    address, bearer = await active_customer(accounts, stack)
    new_address = email()
    async with TopicProbe(stack.kafka_bootstrap, topics.ACCOUNTS) as probe:
        unknown = await accounts.client.post("/api/auth/password-reset", json={"email": email()})
        asked = await accounts.client.post("/api/auth/password-reset", json={"email": address})
        assert unknown.status_code == asked.status_code == 202
        assert unknown.json() == asked.json()
        [reset] = await probe.wait_for(of_account("PasswordResetRequested", address))
        link = unseal(
            (stack.keys_dir / "seal_private.pem").read_bytes(), reset["data"]["reset_link_sealed"]
        )
        changed = await accounts.client.post(
            "/api/auth/password-reset/confirm",
            json={"token": token_of(link), "new_password": "Nowe-Haslo-456"},
        )
        assert changed.status_code == 200
        reused = await accounts.client.post(
            "/api/auth/password-reset/confirm",
            json={"token": token_of(link), "new_password": "Inne-Haslo-789"},
        )
        assert reused.status_code == 400
        old = await accounts.client.post(
            "/api/auth/login", json={"email": address, "password": PASSWORD}
        )
        assert old.status_code == 401
        # The token taken before the reset no longer works; a new login does.
        assert (await accounts.client.get("/api/me", headers=bearer)).status_code == 401
        [changed] = await probe.wait_for(
            lambda body, _: (
                body["type"] == "AccountCredentialsChanged" and body["key"] == reset["key"]
            )
        )
        assert changed["data"]["change"] == "password_reset"
        login = await accounts.client.post(
            "/api/auth/login", json={"email": address, "password": "Nowe-Haslo-456"}
        )
        bearer = {"Authorization": f"Bearer {login.json()['access_token']}"}

        wrong_password = await accounts.client.post(
            "/api/me/email", json={"new_email": new_address, "password": PASSWORD}, headers=bearer
        )
        assert wrong_password.status_code == 403
        requested = await accounts.client.post(
            "/api/me/email",
            json={"new_email": new_address, "password": "Nowe-Haslo-456"},
            headers=bearer,
        )
        assert requested.status_code == 202
        [change] = await probe.wait_for(of_account("EmailChangeRequested", new_address))
        link = unseal(
            (stack.keys_dir / "seal_private.pem").read_bytes(),
            change["data"]["confirmation_link_sealed"],
        )
        # Until confirmed, the old address stays the login.
        assert await accounts.sql("SELECT count(*) FROM accounts WHERE email = $1", address) == 1
        confirmed = await accounts.client.post(
            "/api/me/email/confirm", json={"token": token_of(link)}
        )
        assert confirmed.status_code == 200
        [done] = await probe.wait_for(of_account("AccountEmailChanged", new_address))
        assert (await accounts.client.get("/api/me", headers=bearer)).status_code == 401
        login = await accounts.client.post(
            "/api/auth/login", json={"email": new_address, "password": "Nowe-Haslo-456"}
        )
        assert login.status_code == 200
        bearer = {"Authorization": f"Bearer {login.json()['access_token']}"}
        wrong = await accounts.client.post(
            "/api/me/password",
            json={"current_password": PASSWORD, "new_password": "Trzecie-Haslo-789"},
            headers=bearer,
        )
        assert wrong.status_code == 403
        changed_password = await accounts.client.post(
            "/api/me/password",
            json={"current_password": "Nowe-Haslo-456", "new_password": "Trzecie-Haslo-789"},
            headers=bearer,
        )
        assert changed_password.status_code == 200, changed_password.text
        changes = await probe.wait_for(
            lambda body, _: (
                body["type"] == "AccountCredentialsChanged" and body["key"] == reset["key"]
            ),
            count=3,
        )
    assert done["data"]["old_email"] == address
    assert [change["data"]["change"] for change in changes] == [
        "password_reset",
        "email_change",
        "password_change",
    ]
    assert (await accounts.client.get("/api/me", headers=bearer)).status_code == 401
    login = await accounts.client.post(
        "/api/auth/login", json={"email": new_address, "password": "Trzecie-Haslo-789"}
    )
    assert login.status_code == 200


async def test_openapi_documents_every_endpoint_with_examples(accounts: Accounts) -> None:
    schema = (await accounts.client.get("/openapi.json")).json()
    paths = schema["paths"]
    for path in (
        "/api/accounts",
        "/api/accounts/activation",
        "/api/accounts/activation/resend",
        "/api/auth/login",
        "/api/auth/operator-login",
        "/api/auth/scanner-token",
        "/api/auth/password-reset",
        "/api/auth/password-reset/confirm",
        "/api/me",
        "/api/me/products",
        "/api/me/documents",
        "/api/me/email",
        "/api/me/email/confirm",
    ):
        assert path in paths, path
        for operation in paths[path].values():
            assert operation.get("summary"), path
    registration = schema["components"]["schemas"]["RegistrationCreate"]["properties"]
    assert registration["document_total"]["examples"] == ["4 299,00"]


async def test_logout_revokes_the_token_in_every_service(accounts: Accounts, stack: Stack) -> None:
    address, bearer = await active_customer(accounts, stack)
    other_session = await accounts.client.post(
        "/api/auth/login", json={"email": address, "password": PASSWORD}
    )
    other = {"Authorization": f"Bearer {other_session.json()['access_token']}"}
    assert (await accounts.client.get("/api/me", headers=bearer)).status_code == 200
    async with TopicProbe(stack.kafka_bootstrap, topics.ACCOUNTS) as probe:
        logged_out = await accounts.client.post("/api/auth/logout", headers=bearer)
        assert logged_out.status_code == 204, logged_out.text
        account_id = str(
            verify_token(
                (stack.keys_dir / "token_public.pem").read_bytes(), bearer["Authorization"][7:]
            ).subject
        )
        [revoked] = await probe.wait_for(
            lambda body, _: (
                body["type"] == "AccountCredentialsChanged" and body["key"] == account_id
            )
        )
    # The event tells the other services (their `token_not_before`), as a password change does.
    assert revoked["data"]["change"] == "logout"
    for token in (bearer, other):
        assert (await accounts.client.get("/api/me", headers=token)).status_code == 401
        assert (await accounts.client.post("/api/auth/logout", headers=token)).status_code == 401
    login = await accounts.client.post(
        "/api/auth/login", json={"email": address, "password": PASSWORD}
    )
    renewed = {"Authorization": f"Bearer {login.json()['access_token']}"}
    assert (await accounts.client.get("/api/me", headers=renewed)).status_code == 200


@contextlib.contextmanager
def clock_at(accounts: Accounts, app_state: Any, when: datetime) -> Iterator[list[datetime]]:
    """The service's injected clock set to `when` (movable through the yielded list). In the
    past: what is counted there never counts against the other tests of this module."""
    context = app_state.accounts
    now = [when]
    real = context.clock
    context.clock = lambda: now[0]
    try:
        yield now
    finally:
        context.clock = real


async def refusals_in_metrics(accounts: Accounts, limit: str) -> float:
    metrics = (await accounts.client.get("/metrics")).text
    found = re.search(rf'rma_rate_limit_refusals_total{{limit="{limit}"}} ([0-9.]+)', metrics)
    return float(found.group(1)) if found else 0.0


def too_many(response: httpx.Response, field: str) -> bool:
    error = response.json()["errors"][0]
    return (
        response.status_code == 429
        and (error["code"], error["field"]) == ("too_many_attempts", field)
        and int(response.headers["Retry-After"]) > 0
        and response.json()["detail"].startswith("Zbyt wiele nieudanych prób")
    )


async def test_guessing_scanner_keys_is_slowed_like_logins(accounts: Accounts) -> None:
    api_key = await admin.create_scanner(
        AccountsSettings(database_url=accounts.database_url), f"skaner-{uuid.uuid4().hex[:6]}"
    )
    refused_before = await refusals_in_metrics(accounts, "scanner_key_guess")
    with clock_at(accounts, accounts.app_state, datetime.now(UTC) - timedelta(days=60)) as now:
        tries = [
            await accounts.client.post(
                "/api/auth/scanner-token", json={"api_key": f"scn_{uuid.uuid4().hex}"}
            )
            for _ in range(6)
        ]
        assert [t.status_code for t in tries] == [401] * 5 + [429]
        assert too_many(tries[-1], "api_key")
        assert "klucza skanera" in tries[-1].json()["detail"]
        waiting = await accounts.client.post("/api/auth/scanner-token", json={"api_key": api_key})
        assert too_many(waiting, "api_key")
        assert await refusals_in_metrics(accounts, "scanner_key_guess") == refused_before + 2
        now[0] += timedelta(seconds=31)
        token = await accounts.client.post("/api/auth/scanner-token", json={"api_key": api_key})
        assert token.status_code == 200, token.text
