"""Security properties of the services as real processes, over plain HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import uuid

import httpx
import pytest

from services.accounts.admin import create_operator
from services.accounts.settings import AccountsSettings
from shared import topics
from shared.auth import Principal, Role, issue_token
from shared.sealing import unseal
from tests.e2e.test_walking_skeleton import eventually
from tools.support.days import polish_today
from tools.support.kafka import TopicProbe, publish
from tools.support.sales import dji_drone_sale
from tools.support.services import RunningServices
from tools.support.stack import Stack

pytestmark = pytest.mark.e2e
MB = 1024 * 1024


async def test_login_limits_follow_the_forwarded_client_not_the_account(
    services: RunningServices,
) -> None:
    run = uuid.uuid4().hex[:8]
    operator, password = f"operator.{run}@innpro.example", "Operator-Haslo-2026"
    settings = AccountsSettings(database_url=services.database_url("accounts"))
    await create_operator(settings, operator, "Olga Operator", password)
    login = f"{services.url('accounts')}/api/auth/operator-login"

    async def attempt(secret: str, client_ip: str) -> httpx.Response:
        # As the web panel on the same host sends them: the browser's address forwarded.
        async with httpx.AsyncClient(timeout=10) as http:
            return await http.post(
                login,
                json={"email": operator, "password": secret},
                headers={"X-Forwarded-For": client_ip},
            )

    statuses = [(await attempt("zle-haslo-123", "203.0.113.60")).status_code for _ in range(5)]
    assert statuses == [401] * 5
    refused = await attempt(password, "203.0.113.60")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert refused.json()["detail"].startswith("Zbyt wiele nieudanych prób logowania.")
    owner = await attempt(password, "198.51.100.60")
    assert owner.status_code == 200, owner.text


def bearer(stack: Stack, role: Role, subject: uuid.UUID | None = None) -> dict[str, str]:
    """A token as accounts would sign it; the services verify it offline with the public key."""
    principal = Principal(
        subject=subject or uuid.uuid4(), role=role, email=f"{role}@example.com", name=role
    )
    token = issue_token((stack.keys_dir / "token_private.pem").read_bytes(), principal)
    return {"Authorization": f"Bearer {token}"}


def nul_fields(response: httpx.Response) -> list[str | None]:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["detail"] == "Popraw zaznaczone pola."
    assert all(error["code"] == "nul_character" for error in body["errors"])
    assert "znak NUL" in body["errors"][0]["message"]
    return [error["field"] for error in body["errors"]]


async def test_a_nul_character_anywhere_answers_422_naming_the_field(
    stack: Stack, services: RunningServices
) -> None:
    customer, operator = bearer(stack, "customer"), bearer(stack, "operator")
    scanner = bearer(stack, "scanner")
    accounts, claims = services.url("accounts"), services.url("claims")
    warranty = services.url("warranty")
    async with httpx.AsyncClient(timeout=15) as http:
        registration = {
            "account_type": "private",
            "full_name": "Jan\x00Kowalski",
            "email": "jan.nul@example.com",
            "password": "Tajne-Haslo-123",
            "document_number": "2025/000001",
            "document_total": "4299,00",
        }
        assert nul_fields(await http.post(f"{accounts}/api/accounts", json=registration)) == [
            "full_name"
        ]
        search = await http.get(f"{claims}/api/claims", params={"q": "\x00"}, headers=customer)
        assert nul_fields(search) == ["q"]
        serial = await http.get(
            f"{claims}/api/serial-check", params={"serial_number": "A\x00"}, headers=customer
        )
        assert nul_fields(serial) == ["serial_number"]
        claim_form = {
            "document_type": "PA",
            "document_number": "2025/000001",
            "line_no": "1",
            "claim_type": "warranty",
            "problem_description": "Nie działa\x00 gimbal po upadku.",
            "package_contents": "dron",
        }
        filed = await http.post(
            f"{claims}/api/claims",
            data=claim_form,
            files={"attachment": ("paragon.pdf", b"%PDF-1.4 paragon", "application/pdf")},
            headers=customer,
        )
        assert nul_fields(filed) == ["problem_description"]
        parcel = await http.post(
            f"{claims}/api/parcels", json={"rma_number": "RMA/1/SR/2026\x00"}, headers=scanner
        )
        assert nul_fields(parcel) == ["rma_number"]
        note = await http.post(
            f"{claims}/api/operator/claims/{uuid.uuid4()}/status",
            json={"status": "in_inspection", "note": "\x00"},
            headers=operator,
        )
        assert nul_fields(note) == ["note"]
        entry = {"ean": "5901234123457", "sku": "X", "name": "Dron\x00", "brand": "DJI"}
        catalogue = await http.post(
            f"{warranty}/api/admin/catalogue",
            json=[{**entry, "category": "drone"}],
            headers=operator,
        )
        assert nul_fields(catalogue) == ["0.name"]
        support = await http.get(f"{warranty}/api/support-period/590123%00")
        assert nul_fields(support) == ["path.ean"]


async def test_an_invalid_ean_on_scooter_registration_answers_422(
    stack: Stack, services: RunningServices
) -> None:
    async with httpx.AsyncClient(timeout=15) as http:
        response = await http.post(
            f"{services.url('warranty')}/api/registrations",
            json={"ean": "1234", "serial_number": "DU-2025-1", "purchased_on": "2025-06-01"},
            headers=bearer(stack, "customer"),
        )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "ean"
    assert response.json()["detail"].startswith("Kod EAN/GTIN-13 składa się z 13 cyfr")


def _request_head(port: int, headers: dict[str, str]) -> bytes:
    lines = ["POST /api/claims HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def _status_of(reader: asyncio.StreamReader) -> int:
    status_line = await asyncio.wait_for(reader.readline(), 30)
    return int(status_line.split()[1])


async def test_a_declared_200_mb_body_is_refused_before_any_of_it_is_sent(
    stack: Stack, services: RunningServices
) -> None:
    port = int(services.url("claims").rsplit(":", 1)[1])
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    headers = {
        **bearer(stack, "customer"),
        "Content-Type": "multipart/form-data; boundary=x",
        "Content-Length": str(200 * MB),
    }
    writer.write(_request_head(port, headers))
    await writer.drain()
    assert await _status_of(reader) == 413
    writer.close()


async def test_a_streamed_200_mb_upload_is_cut_off_at_the_cap(
    stack: Stack, services: RunningServices
) -> None:
    """Chunked, with no length declared: the answer comes while the upload is still going,
    long before 200 MB, so the service never read it whole."""
    port = int(services.url("claims").rsplit(":", 1)[1])
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    headers = {
        **bearer(stack, "customer"),
        "Content-Type": "multipart/form-data; boundary=x",
        "Transfer-Encoding": "chunked",
    }
    writer.write(_request_head(port, headers))
    # A well-formed form whose file part never ends: the parser streams it to its spool file.
    part = (
        b'--x\r\nContent-Disposition: form-data; name="attachment"; filename="big.pdf"\r\n'
        b"Content-Type: application/pdf\r\n\r\n%PDF-"
    )
    writer.write(b"%x\r\n%s\r\n" % (len(part), part))
    chunk = b"%x\r\n%s\r\n" % (MB, b"0" * MB)
    sent = 0
    answer = asyncio.ensure_future(_status_of(reader))
    with contextlib.suppress(ConnectionError):
        while sent < 200 * MB and not answer.done():
            writer.write(chunk)
            await writer.drain()
            sent += MB
    assert await answer == 413
    writer.close()
    # The cap is 11 MB; what else was sent sat in socket buffers when the answer came.
    assert sent < 40 * MB, f"{sent // MB} MB were sent before the answer"


async def active_customer(
    stack: Stack, services: RunningServices, accounts: httpx.AsyncClient
) -> tuple[str, str]:
    """A new, activated customer: its email and its first access token."""
    run = uuid.uuid4().hex[:8]
    number, address = f"2025/{run}", f"anna.{run}@example.com"
    await publish(
        stack.kafka_bootstrap, dji_drone_sale(number, polish_today(), (f"1581F{run}".upper(),))
    )
    registration = {
        "account_type": "private",
        "full_name": "Anna Nowak",
        "email": address,
        "password": "Tajne-Haslo-123",
        "document_number": number,
        "document_total": "4299,00",
    }
    async with TopicProbe(stack.kafka_bootstrap, topics.ACCOUNTS) as events:
        registered = await eventually(
            lambda: accounts.post("/api/accounts", json=registration),
            lambda response: response.status_code != 422,
        )
        assert registered.status_code == 202, registered.text
        [event] = await events.wait_for(
            lambda body, _: body["type"] == "AccountRegistered" and body["data"]["email"] == address
        )
    link = unseal(seal_key(stack), event["data"]["activation_link_sealed"])
    activation = {"token": link.split("token=")[1]}
    assert (await accounts.post("/api/accounts/activation", json=activation)).status_code == 200
    login = await accounts.post(
        "/api/auth/login", json={"email": address, "password": "Tajne-Haslo-123"}
    )
    assert login.status_code == 200, login.text
    return address, login.json()["access_token"]


def seal_key(stack: Stack) -> bytes:
    return (stack.keys_dir / "seal_private.pem").read_bytes()


async def test_a_token_taken_before_a_password_reset_is_refused_everywhere(
    stack: Stack, services: RunningServices
) -> None:
    async with (
        httpx.AsyncClient(base_url=services.url("accounts"), timeout=15) as accounts,
        httpx.AsyncClient(timeout=15) as http,
    ):
        address, old_token = await active_customer(stack, services, accounts)

        claims = f"{services.url('claims')}/api/claims"
        registrations = f"{services.url('warranty')}/api/registrations"
        registration = {"ean": "1234", "serial_number": "DU-1", "purchased_on": "2025-06-01"}

        async def statuses(token: str) -> tuple[int, int, int]:
            headers = {"Authorization": f"Bearer {token}"}
            me = await accounts.get("/api/me", headers=headers)
            own_claims = await http.get(claims, headers=headers)
            scooter = await http.post(registrations, json=registration, headers=headers)
            return me.status_code, own_claims.status_code, scooter.status_code

        # Accepted everywhere (warranty answers the bad EAN only to an accepted token).
        assert await statuses(old_token) == (200, 200, 422)
        async with TopicProbe(stack.kafka_bootstrap, topics.ACCOUNTS) as events:
            asked = await accounts.post("/api/auth/password-reset", json={"email": address})
            assert asked.status_code == 202
            [reset] = await events.wait_for(
                lambda body, _: (
                    body["type"] == "PasswordResetRequested" and body["data"]["email"] == address
                )
            )
            link = unseal(seal_key(stack), reset["data"]["reset_link_sealed"])
            confirmed = await accounts.post(
                "/api/auth/password-reset/confirm",
                json={"token": link.split("token=")[1], "new_password": "Nowe-Haslo-456"},
            )
            assert confirmed.status_code == 200, confirmed.text
            [changed] = await events.wait_for(
                lambda body, _: (
                    body["type"] == "AccountCredentialsChanged" and body["key"] == reset["key"]
                )
            )
        assert changed["data"]["change"] == "password_reset"
        # Refused by accounts at once, by claims and warranty once the event reached them.
        deadline = asyncio.get_running_loop().time() + 30
        while (refused := await statuses(old_token)) != (401, 401, 401):
            assert asyncio.get_running_loop().time() < deadline, refused
            await asyncio.sleep(0.3)
        login = await accounts.post(
            "/api/auth/login", json={"email": address, "password": "Nowe-Haslo-456"}
        )
        assert login.status_code == 200, login.text
        assert await statuses(login.json()["access_token"]) == (200, 200, 422)
